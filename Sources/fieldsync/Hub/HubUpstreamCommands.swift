import ArgumentParser
import FieldSyncStore
import FieldSyncSync
import Foundation

// `fieldsync hub …-upstream`: a county hub enrolled as a station of a provincial hub
// (sync-protocol.md §4c). The province uses the ordinary hub commands (enroll, merge,
// export, transfer); these are the county hub's side.

struct HubRequestUpstream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request-upstream",
        abstract: "Write this county hub's enrollment request for its provincial hub.",
        discussion: """
        The request names this hub's site, keys and 6-digit county code; the provincial hub \
        enrolls it with fieldsync hub enroll, and this hub joins with fieldsync hub join-upstream.

        Example:
          fieldsync hub request-upstream hub-huangzhong --county 630122 --request /media/usb/huangzhong-request.json
        """)
    @Argument(help: "The county hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "This county's 6-digit administrative code, e.g. 630122.") var county: String
    @Option(help: "Where to write the request for the provincial hub.") var request: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            try hub.requestUpstream(county: county, to: request)
            if output.json { printJSON(["request": request, "county": county, "site": hub.identity.site.hex]) } else {
                print("wrote \(request): enrollment request of \(hub.identity.name.escapingControlCharacters) as county \(county); give it to the provincial hub")
            }
        }
    }
}

struct HubJoinUpstream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join-upstream",
        abstract: "Join the provincial hub that enrolled this county hub.",
        discussion: "Example:\n  fieldsync hub join-upstream hub-huangzhong /media/usb/huangzhong-enrollment.json")
    @Argument(help: "The county hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The enrollment file the provincial hub wrote.") var enrollment: String

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let enrollment = try Enrollment.read(from: enrollment)
            try hub.joinUpstream(enrollment)
            print("joined upstream hub \(enrollment.hubName.escapingControlCharacters) (site \(enrollment.hubSite.hex))")
        }
    }
}

struct HubExportUpstream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-upstream",
        abstract: "Write this county's bundle for its provincial hub: every change of the county it lacks.",
        discussion: "Example:\n  fieldsync hub export-upstream hub-huangzhong --out /media/usb/")
    @Argument(help: "The county hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "A file, or a folder in which the bundle is named by county code, sequence and date.") var out: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let result = try passphrase.hub(dir).exportUpstream(to: out)
            if output.json { printJSON(ExportJSON(result)) } else {
                print("wrote \(result.path): \(result.header.totalChanges) changes for \(result.recipientName)")
            }
        }
    }
}

struct HubImportUpstream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-upstream",
        abstract: "Apply the provincial hub's return bundle to this county hub.",
        discussion: """
        The county's stations receive what it brings with their next return bundle (fieldsync hub export).

        Example:
          fieldsync hub import-upstream hub-huangzhong /media/usb/return/hub-to-630122-000004-20270301.fsb
        """)
    @Argument(help: "The county hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The return bundle from the provincial hub.") var bundle: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let result = try passphrase.hub(dir).importUpstream(at: bundle)
            if output.json { printJSON(ImportJSON(result)) } else { print(ImportSummary.line(result)) }
        }
    }
}
