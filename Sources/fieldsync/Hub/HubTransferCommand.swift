import ArgumentParser
import FieldSyncSync
import Foundation

/// `fieldsync hub transfer`: move a case to another township's station (R9).
struct HubTransfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Move a case (a household and everything of it) to another township's station.",
        discussion: """
        For a family that moves, or an application taken where a residence-permit holder \
        lives (R9). The receiving station's next return bundle carries the whole case \
        history; the giving station's next return bundle removes the case from its laptop (a \
        local removal, not a delete) and both stations get a notice. What the giving station \
        wrote before it learned of the transfer is still merged, in any order; what it writes \
        afterwards is refused. Write return bundles afterwards (fieldsync hub export).

        Example:
          fieldsync hub transfer hub 3f9a0c1e-000007 --to 630106101 --note 迁居县城
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id (a row id, never a name or ID number).") var household: String
    @Option(help: ArgumentHelp("The receiving township's 9-digit code.", valueName: "TOWNSHIP")) var to: String
    @Option(help: "Why (kept with the transfer record; personal data).") var note: String?
    @OptionGroup var output: OutputOptions

    struct TransferJSON: Encodable {
        let household: String, fromTownship: String, toTownship: String, transferID: String
        let changesToSend: Int, receivingStation: String?
    }

    func run() throws {
        try reporting {
            let result = try passphrase.hub(dir).transfer(household: household, to: to, note: note)
            if output.json {
                printJSON(TransferJSON(household: result.household, fromTownship: result.fromTownship, toTownship: result.toTownship,
                                       transferID: result.transferID, changesToSend: result.changesToSend,
                                       receivingStation: result.receivingStation))
                return
            }
            print("已移交 transferred: household \(result.household.escapingControlCharacters) from township \(result.fromTownship) to \(result.toTownship) (record \(result.transferID))")
            print("  \(result.changesToSend) changes of its history go to \(result.receivingStation?.escapingControlCharacters ?? "township \(result.toTownship)") with its next return bundle.")
            if result.receivingStation == nil {
                print("  注意 note: no enrolled station serves township \(result.toTownship) yet; the case waits at the hub until one is enrolled.")
            }
            print("  Next: fieldsync hub export \(dir) --out-dir <folder>")
        }
    }
}
