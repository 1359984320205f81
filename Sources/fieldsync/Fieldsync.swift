import ArgumentParser
import Foundation
import Logging

/// `fieldsync`: the one command-line program. Each verb is a small struct that parses its
/// arguments and calls the libraries; no business logic lives here.
@main
struct Fieldsync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync",
        abstract: "Offline sync of social-assistance case files between township stations and the county hub.",
        discussion: """
        Start with the demo, which builds a county (a hub and three stations), edits cases \
        offline, carries bundles in shuffled order with losses and duplicates, and shows \
        that every replica converges:

          fieldsync demo

        A caseworker's day: fieldsync station household add …, apply, check, decide, give, due DIR
        A station's day:  fieldsync station export DIR --out /media/usb/, fieldsync station import DIR FILE, fieldsync station status DIR
        The hub's day:    fieldsync hub merge HUB /media/usb, fieldsync hub export HUB --out-dir /media/usb/return
        In the browser:   fieldsync station ui DIR (the caseworker's workbench), fieldsync hub ui HUB (the review desk)
        """,
        version: "0.1.0",
        subcommands: [StationCommand.self, HubCommand.self, KeyCommand.self, BundleCommand.self, DigestCommand.self, DemoCommand.self,
                      SampleCommand.self, SchemaCommand.self, AuditCommand.self]
    )

    static func main() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: ProcessEnvironment.value("FIELDSYNC_LOG") ?? "") ?? .warning
            return handler
        }
        if let message = ArgumentEncoding.firstInvalid(ArgumentEncoding.processArguments) {
            FileHandle.standardError.write(Data(message.utf8))
            exit(withError: ExitCode(1))
        }
        do {
            var command = try parseAsRoot()
            StationClockWarning.emit(for: command)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
