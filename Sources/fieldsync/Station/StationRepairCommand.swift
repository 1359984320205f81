import ArgumentParser
import FieldSyncSync
import Foundation

/// `fieldsync station repair DIR`: the way out for a laptop restored from an older copy (S13).
struct StationRepair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Repair a station restored from an older copy: renumber its new work after the hub's, keep everything.",
        discussion: """
        When a station's replica was restored from a backup, the work done on it since \
        reuses change numbers (and row ids) that the hub already holds from before the \
        restore. The hub refuses such a bundle, and the station's next import locates where \
        the two histories part; `station import` and `station status` then say so. This \
        command renumbers the changes made on this copy after that point to follow every \
        number the hub holds, gives the rows they created new ids (references follow), and \
        owes them to the hub again; the next return bundle brings the hub's copy of the \
        station's other changes. Nothing is lost on either side.

        Do NOT repair when another laptop is working as this station: stop using one of \
        them (the hub refuses the second laptop's bundles).

        Example:
          fieldsync station repair st-lushaer
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let repair = try passphrase.station(dir).repairRestoredCopy()
            if output.json {
                printJSON(RepairJSON(renumbered: repair.renumbered, renamedRows: repair.renamedRows, toReceive: repair.toReceive))
            } else {
                print("已修复 repaired: \(repair.renumbered) changes renumbered, \(repair.renamedRows) rows given new ids; "
                      + "export now, and import the hub's next return bundle to receive \(repair.toReceive) changes of this station it holds.")
            }
        }
    }
}

struct RecoveredJSON: Encodable {
    let recovered: Int
    let renamedRows: Int
}

struct RepairJSON: Encodable {
    let renumbered: Int
    let renamedRows: Int
    let toReceive: UInt64
}

/// One line on stderr (never in --json stdout) while a station's own history disagrees
/// with the hub's copy of it: what happened and what to do.
func warnIfRestored(_ station: Station) {
    if let state = try? station.restoreState() {
        FileHandle.standardError.write(Data((state.notice + "\n").utf8))
    }
}
