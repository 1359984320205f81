import ArgumentParser
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation

/// `fieldsync hub …`: what the county hub's operator does.
struct HubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Run the county hub: enroll stations, merge their bundles, write return bundles, decide county cases, set parameters.",
        subcommands: [HubInit.self, HubEnroll.self, HubMerge.self, HubExport.self, HubStatus.self, HubConflicts.self, HubResolve.self,
                      HubDecide.self, HubParams.self, HubTransfer.self, HubDuplicates.self, HubPending.self,
                      HubRequestUpstream.self, HubJoinUpstream.self, HubExportUpstream.self, HubImportUpstream.self,
                      HubRevoke.self, HubQuarantine.self, HubRotateKey.self, HubServe.self, HubRepair.self, HubUI.self]
    )
}

struct HubInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a hub folder with new keys.",
        discussion: """
        The new private keys are sealed under a passphrase (--passphrase-file, \
        FIELDSYNC_PASSPHRASE_FILE, FIELDSYNC_PASSPHRASE, or typed twice at the terminal); \
        every later command on the folder needs it.

        Example:
          fieldsync hub init hub-huangzhong --name 湟中区民政局 --passphrase-file ~/.fieldsync-passphrase
        """)
    @Argument(help: "The hub folder to create.") var dir: String
    @Option(help: "The hub's name, e.g. 湟中区民政局.") var name: String
    @OptionGroup var keys: NewKeyOptions

    func run() throws {
        try reporting {
            let sealing = try keys.sealing(for: "hub")
            let hub = try Hub.initialize(at: dir, name: name, protectedBy: sealing)
            print("hub \(hub.identity.name) created in \(dir), site \(hub.identity.site.hex)")
        }
    }
}

struct HubEnroll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll", abstract: "Enroll a station (or, at a provincial hub, a county hub) from its request file; writes the enrollment file it joins with.",
        discussion: """
        A request for a township that already has a trusted station is refused unless \
        --another-station is given: a request is a file anyone can write, and the township's \
        cases would go to it. The output names the request's key fingerprint: check it with \
        the station (station init prints it) by phone.

        Example:
          fieldsync hub enroll hub-huangzhong /media/usb/lushaer-request.json --out /media/usb/lushaer-enrollment.json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The station's enrollment request.") var request: String
    @Option(help: "Where to write the enrollment file for the station.") var out: String
    @Flag(name: .customLong("another-station"),
          help: "Enroll a second station for a township that already has a trusted one (both then hold the township's cases).")
    var anotherStation = false

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let request = try EnrollmentRequest.read(from: request)
            let before = try hub.stations() + hub.counties()
            // A request is a file anyone can write: one naming a township that already has a
            // trusted station would get all of that township's cases. It must be meant.
            if !anotherStation, !before.contains(where: { $0.site == request.site }),
               let serving = before.first(where: { $0.township == request.township && $0.revokedAtMillis == nil }) {
                throw SyncError.invalidInput("""
                    乡镇 \(request.township) 已有受信任的社工站 \(serving.shownName)（站点 \(serving.site.short)），未登记：\
                    若是丢失电脑的替换，请先吊销旧电脑并用 --replacing 重新生成申请；若该乡镇确需第二个站，请加 --another-station，\
                    并先电话核对申请的密钥指纹 \(request.signingKey.fingerprint) / township \(request.township) already has a trusted \
                    station, \(serving.operatorName) (site \(serving.site.hex)); nothing was enrolled. If this laptop replaces a lost \
                    one, revoke that station (`fieldsync hub revoke`) and make the request with `station init … --replacing \
                    \(serving.site.hex)`; if the township really gets a second station, check the request's key fingerprint \
                    \(request.signingKey.fingerprint) with the station by phone, then enroll it with --another-station.
                    """)
            }
            let replaced = before.first { $0.site == request.site && $0.revokedAtMillis != nil
                && $0.signingKey != request.signingKey.rawRepresentation }
            let enrollment = try hub.enroll(request, out: out)
            print("enrolled \(request.name.escapingControlCharacters) (township \(request.township), site \(request.site.hex), key fingerprint \(request.signingKey.fingerprint)); give it \(out)")
            if let replaced {
                let floor = enrollment.continuing.map { ", continues after change \($0.sequence)" } ?? ""
                print("  replacement laptop: it replaces the revoked laptop of \(replaced.operatorName)\(replaced.revokedAtMillis.map { " (revoked on \(ISOTime.format(millis: $0)))" } ?? "")\(floor); the station's cases and earlier work reach it in its first return bundle")
            } else if let namesake = before.first(where: { $0.revokedAtMillis != nil && $0.site != request.site
                && $0.township == request.township && $0.name == request.name }) {
                print("  note: station \(namesake.operatorName) (site \(namesake.site.hex)) was revoked; this request was enrolled as a NEW station. If this laptop is to continue that station (its cases, its numbering), make the request with `fieldsync station init DIR --township \(request.township) --name N --replacing \(namesake.site.hex) --request FILE` instead")
            }
        }
    }
}

struct HubMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge station bundles, in any order; a folder means every .fsb in it.",
        discussion: """
        Each bundle is merged on its own, all or nothing. A bad file is reported and skipped; \
        the others are still merged, and the command then exits with status 1. Bundles merged \
        one after another are saved together, about every two seconds; if saving fails, each \
        of them is reported as not merged (merge the files again) and nothing of them is kept.

        Example:
          fieldsync hub merge hub-huangzhong /media/usb
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "Bundle files or folders.") var paths: [String]
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let progress = Progress()
            let results = try hub.merge(paths: paths, progress: { done, total, file in
                progress.update(done, total, "merging \(BundleFiles.shownName(file))")
            }, skipped: { path, reason in
                FileHandle.standardError.write(Data("fieldsync: note: skipped \(path): \(reason)\n".utf8))
            })
            progress.finish()
            if output.json {
                printJSON(results.map { file, result in
                    switch result {
                    case let .success(r): ImportJSON(r)
                    case let .failure(e): ImportJSON(file: file, error: e)
                    }
                })
            } else {
                for (_, result) in results {
                    switch result {
                    case let .success(r): print(ImportSummary.line(r))
                    case let .failure(e): FileHandle.standardError.write(Data("fieldsync: 错误 error: \(e)\n".utf8))
                    }
                }
            }
            if results.contains(where: { if case .failure = $0.result { true } else { false } }) { throw ExitCode(1) }
        }
    }
}

struct HubExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one return bundle per station: the acknowledgement and every change it lacks.",
        discussion: "Example:\n  fieldsync hub export hub-huangzhong --out-dir /media/usb/return")
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(name: .customLong("out-dir"), help: "The folder for the return bundles.") var outDir: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let progress = Progress()
            let results = try hub.exportReturnBundles(to: outDir) { done, total, name in progress.update(done, total, "writing for \(name)") }
            progress.finish()
            // K2: no return bundle for a revoked key; say which stations were left out and why.
            for station in try hub.stations() where station.revokedAtMillis != nil {
                let line = "skipped \(station.operatorName) (site \(station.site.hex)): its key was revoked\(station.revokedAtMillis.map { " on \(ISOTime.format(millis: $0))" } ?? ""), so no return bundle is written for it; enroll its replacement laptop (`fieldsync station init … --replacing \(station.site.hex)`) to continue the station"
                if output.json { FileHandle.standardError.write(Data("fieldsync: note: \(line)\n".utf8)) } else { print(line) }
            }
            if output.json { printJSON(results.map(ExportJSON.init)) } else {
                for r in results {
                    print("wrote \(r.path): \(r.header.totalChanges) changes for \(r.recipientName)")
                    if let notice = r.upgradeNotice { print("  note: \(notice)") }
                }
            }
        }
    }
}

struct HubStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "The hub, its stations, and what each has yet to receive.",
        discussion: """
        Per station: changes to send it, the last bundle received from it and sent to it, the \
        changes it still owes (what its newest bundle said it held of its own that the hub \
        lacks; unknown before its first bundle), open conflicts on its cases, duplicate \
        groups and applications waiting for a county decision in its township, and its \
        households.

        Example:
          fieldsync hub status hub-huangzhong --json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let status = try passphrase.hub(dir).status()
            if output.json { printJSON(StatusJSON(status)) } else { StatusText.print(status) }
        }
    }
}
