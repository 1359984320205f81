import ArgumentParser
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation

/// `fieldsync station …`: what a township station does, all of it offline.
struct StationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "station",
        abstract: "Work at a township station: casework offline, export to and import from the hub.",
        discussion: """
        A caseworker's day: household add, member add, apply, check, decide, give, visit, \
        refer, feedback, review, and due for what is due or overdue. Every write goes \
        through a casework verb and its rules; there is no generic write (the hub would \
        refuse what the rules forbid anyway). show reads any row; delete removes a \
        row a station may delete (a household registered by mistake).
        """,
        subcommands: [StationInit.self, StationJoin.self,
                      HouseholdCommand.self, MemberCommand.self, StationApply.self, StationReply.self, StationCheck.self,
                      StationDecide.self, StationGive.self, StationVisit.self, StationRefer.self, StationFeedback.self,
                      StationReview.self, StationDue.self,
                      StationDelete.self, StationShow.self,
                      StationExport.self, StationImport.self, StationSync.self, StationStatus.self, StationNotices.self, StationClockCommand.self, StationRepair.self, StationUI.self]
    )
}

struct StationInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a station folder with new keys, and write its enrollment request for the hub.",
        discussion: """
        With --replacing, the new folder continues the site of a lost laptop whose key the hub \
        has revoked (`fieldsync hub revoke`): new keys, the same station. It exports only after \
        it has joined and imported the hub's first return bundle.

        The new private keys are sealed under a passphrase (--passphrase-file, \
        FIELDSYNC_PASSPHRASE_FILE, FIELDSYNC_PASSPHRASE, or typed twice at the terminal); \
        every later command on the folder needs it.

        Example:
          fieldsync station init st-lushaer --name 鲁沙尔镇社工站 --township 630106100 --request /media/usb/lushaer-request.json
          fieldsync station init st-lushaer-2 --name 鲁沙尔镇社工站 --township 630106100 --replacing 3f2a9c0e5b7d41a8c6e2f0b9d4a1c7e3 --request /media/usb/lushaer-request.json
        """
    )
    @Argument(help: "The station folder to create.") var dir: String
    @Option(help: "The station's name, e.g. 鲁沙尔镇社工站.") var name: String
    @Option(help: "The township's 9-digit administrative code.") var township: String
    @Option(help: "Where to write the enrollment request to carry to the hub.") var request: String
    @Option(help: "The site id (32 hex digits) of the lost laptop this one replaces, as `fieldsync hub revoke` printed it.") var replacing: String?
    @OptionGroup var keys: NewKeyOptions

    func run() throws {
        try reporting {
            let sealing = try keys.sealing(for: "station")
            let station: Station
            if let replacing {
                guard let site = SiteID(hex: replacing.lowercased()) else { throw SyncError.trust(.replacingNotASite(replacing)) }
                station = try Station.initializeReplacement(at: dir, name: name, township: township, replacing: site, requestPath: request,
                                                            protectedBy: sealing)
            } else {
                station = try Station.initialize(at: dir, name: name, township: township, requestPath: request, protectedBy: sealing)
            }
            print("station \(station.identity.name) created in \(dir), site \(station.identity.site.hex)")
            print("enrollment request written to \(request): take it to the hub (`fieldsync hub enroll`); the hub operator may ask for its key fingerprint \(station.identity.signingKey.publicKey.fingerprint)")
        }
    }
}

struct StationJoin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join the hub with the enrollment file it wrote for this station.",
        discussion: "Example:\n  fieldsync station join st-lushaer /media/usb/lushaer-enrollment.json"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The enrollment file from the hub.") var enrollment: String

    func run() throws {
        try reporting {
            let station = try passphrase.station(dir)
            let enrollment = try Enrollment.read(from: enrollment)
            try station.join(enrollment)
            print("joined hub \(enrollment.hubName.escapingControlCharacters) (\(enrollment.hubSite.hex))")
        }
    }
}

struct StationDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a row everywhere (the deletion reaches every replica and wins over concurrent edits).",
        discussion: "Example:\n  fieldsync station delete st-lushaer household 3f9a0c1e-000001"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The table.") var table: String
    @Argument(help: "The row id.") var id: String

    func run() throws {
        try reporting {
            try passphrase.station(dir).delete(table: table, id: id)
            print("deleted \(table) \(id.escapingControlCharacters)")
        }
    }
}

struct StationShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one row.",
        discussion: "Example:\n  fieldsync station show st-lushaer household 3f9a0c1e-000001 --json"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The table.") var table: String
    @Argument(help: "The row id.") var id: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let station = try passphrase.station(dir)
            guard let schema = station.replica.schema.table(table) else {
                throw SyncError.invalidInput("没有表 \(table) / no table \(table); tables: \(station.replica.schema.tables.map(\.name).joined(separator: ", "))")
            }
            try SyncError.catching { try Replica.checkEncodable(table: table, rowID: id) }
            guard let row = try SyncError.catching({ try station.replica.row(table: table, rowID: id) }) else {
                let deleted = (try? station.replica.isDeleted(table: table, rowID: id)) ?? false
                let shown = "\(table) \(id.escapingControlCharacters)"
                throw SyncError.invalidInput(deleted ? "\(shown) 已删除 / was deleted" : "没有记录 \(shown) / no such row")
            }
            if output.json {
                printJSON(row.mapValues { ValueJSON(value: $0) })
            } else {
                print("id: \(id.escapingControlCharacters)")
                for column in schema.columns { print("\(column.name): \(row[column.name].map { $0 == .null ? "" : $0.description.escapingControlCharacters } ?? "")") }
            }
        }
    }
}

struct StationExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every change the hub has not acknowledged to a bundle file.",
        discussion: """
        --out may be a file or a folder (end it with / or give an existing folder): in a folder \
        the bundle is named by township code, sequence and date, e.g. 630106100-to-hub-0003-20261129.fsb.

        Example:
          fieldsync station export st-lushaer --out /media/usb/
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "The bundle file, or a folder to put it in.") var out: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let station = try passphrase.station(dir)
            let result = try station.export(to: out)
            if output.json { printJSON(ExportJSON(result)) } else {
                print("wrote \(result.path): \(result.header.totalChanges) changes for \(result.recipientName)")
            }
            warnIfRestored(station)
        }
    }
}

struct StationImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Apply a return bundle from the hub (all or nothing; importing it again changes nothing).",
        discussion: "Example:\n  fieldsync station import st-lushaer /media/usb/return/hub-to-630106100-0002-20261129.fsb"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The return bundle.") var file: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let station = try passphrase.station(dir)
            let result: ImportResult
            do { result = try station.importBundle(at: file) } catch SyncError.ownExport {
                // The station's own export: if it holds work the replica has lost (written
                // before the laptop was restored from a copy), take it back (S13).
                let recovered = try station.recoverOwnExport(at: file)
                guard recovered.recovered > 0 else { throw SyncError.ownExport(file: BundleFiles.shownName(file)) }
                if output.json { printJSON(RecoveredJSON(recovered: recovered.recovered, renamedRows: recovered.renamedRows)) } else {
                    print("已取回 recovered: \(recovered.recovered) changes from this station's own export that no replica holds "
                          + "(written before the laptop was restored); \(recovered.renamedRows) rows got new ids. Export now.")
                }
                return
            }
            if output.json { printJSON(ImportJSON(result)) } else { print(ImportSummary.line(result)) }
            warnIfRestored(station)
        }
    }
}

struct StationStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Changes owed to the hub, last export and import, the hub.",
        discussion: "Example:\n  fieldsync station status st-lushaer --json"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let station = try passphrase.station(dir)
            let status = try station.status()
            if output.json { printJSON(StatusJSON(status)) } else { StatusText.print(status); try NoticeCount.print(station) }
            warnIfRestored(station)
        }
    }
}


enum ImportSummary {
    /// `name`: the file's name to show, when not the one at `r.path` (a quarantined copy's original name).
    static func line(_ r: ImportResult, name given: String? = nil) -> String {
        let name = given ?? BundleFiles.shownName(r.path)
        switch r.outcome {
        case .alreadyImported: return "\(name): already imported from \(r.senderName); nothing changed"
        case .applied:
            let p = r.report
            return "\(name) from \(r.senderName): \(p.applied) applied, \(p.stale) stale, \(p.duplicate) duplicate, \(p.conflicts) conflicts"
        }
    }
}

enum StatusText {
    static func print(_ s: NodeStatus) {
        Swift.print("\(s.role.rawValue) \(s.name.escapingControlCharacters)  site \(s.site.hex)\(s.township.map { "  township \($0)" } ?? "")")
        if s.role == .station {
            Swift.print("hub: \(s.hubName.map(\.escapingControlCharacters) ?? "not joined yet")")
            Swift.print("changes owed to the hub: \(s.changesOwed)")
        }
        Swift.print("changes held: \(s.vector.total) from \(s.vector.entries.count) replicas")
        Swift.print("last export: \(s.lastExport.map { "\($0.fileName.escapingControlCharacters) (\($0.changeCount) changes, \(ISOTime.format(millis: $0.atMillis)))" } ?? "never")")
        Swift.print("last import: \(s.lastImport.map { "\($0.fileName.escapingControlCharacters) (\($0.changeCount) changes, \(ISOTime.format(millis: $0.atMillis)))" } ?? "never")")
        Swift.print("open conflicts: \(s.openConflicts)")
        for p in s.peers {
            let skew = p.largestClockSkew.map { "  largest clock skew \(ClockText.signed($0.millis)) (seen \(ISOTime.format(millis: $0.atMillis)))" } ?? ""
            Swift.print("  \(p.peer.township ?? "")  \(p.peer.shownName)  \(p.changesPending) changes to send\(p.peer.revokedAtMillis != nil ? "  (revoked)" : "")  schema v\(p.schemaVersion)\(skew)")
            if let notice = p.upgradeNotice { Swift.print("    note: \(notice)") }
            if let o = p.overview { for line in StationOverviewText.lines(o) { Swift.print("    \(line)") } }
            if let t = p.trust { for line in KeyAccountText.lines(t) { Swift.print("    \(line)") } }
            if let k = p.trustedHubKey {
                Swift.print(k.isCurrent ? "    trusts the hub's current key \(k.fingerprint)"
                                        : "    trusts an earlier hub key \(k.fingerprint): signed with it until the station imports the announcement of the new one")
            }
        }
    }
}
