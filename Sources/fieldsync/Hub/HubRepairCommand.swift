import ArgumentParser
import FieldSyncCore
import FieldSyncSync
import Foundation

/// `fieldsync hub repair HUB`: declare a hub restored from a backup (protocol §4d, HR3).
struct HubRepair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Declare the hub restored from a backup: it writes nothing of its own until every station has reported how far it had numbered.",
        discussion: """
        Run it right after copying the hub folder back from a backup, BEFORE enrolling, \
        resolving, deciding, posting, revoking or rotating keys. A restored hub does not \
        know how far it had numbered its own changes, rows and feed positions; the stations \
        do. From now on the hub refuses every write of its own until it has merged a bundle \
        of every enrolled station (their next exports, as usual); each merge numbers the \
        hub past what that station holds, so no number is used twice. Running it again \
        while the hub waits changes nothing and shows which stations are still awaited, and \
        the hub's own changes written after the backup that the stations hold (they are not \
        sent back: re-enter those acts); once every station has reported, running it again \
        declares a new restore.

        Without this command, the first merged bundle showing that a station holds own \
        changes of the hub it has not numbered yet starts the same hold.

        `--release` lifts the hold before every station has reported, for a station that \
        will never send again (its lost laptop is revoked): a number that station holds may \
        then be reused, and its next return bundle refused.

        Example:
          fieldsync hub repair hub-huangzhong
          fieldsync hub merge hub-huangzhong /media/usb/in
          fieldsync hub repair hub-huangzhong --json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @Flag(help: "Lift the hold before every station has reported.") var release = false
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    struct RepairJSON: Encodable {
        let writesHeld: Bool
        let awaited: [AwaitedJSON]
        let lostOwnChangesFrom: UInt64?
        let lostOwnChangesThrough: UInt64?
    }

    struct AwaitedJSON: Encodable {
        let site: String, name: String, township: String?
    }

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let state = release ? try hub.releaseRestoreHold() : try hub.declareRestored()
            if output.json {
                printJSON(RepairJSON(writesHeld: !state.awaited.isEmpty,
                                     awaited: state.awaited.map { AwaitedJSON(site: $0.site.hex, name: $0.name, township: $0.township) },
                                     lostOwnChangesFrom: state.lost?.low, lostOwnChangesThrough: state.lost?.high))
                return
            }
            if state.awaited.isEmpty {
                print("本中心可以写入 the hub writes again: no station is awaited.")
            } else {
                print("等待以下工作站的数据包 awaiting a bundle of \(state.awaited.count) station(s); the hub writes nothing of its own until then:")
                for peer in state.awaited { print("  \(peer.township ?? "-")  \(peer.shownName)") }
            }
            if let lost = state.lost {
                print("工作站持有本中心备份之后写入的第 \(lost.low)–\(lost.high) 号修改，本中心已没有；请重新办理这些事项 / "
                      + "stations hold the hub's own changes \(lost.low)–\(lost.high), written after the backup; the hub no longer has them: re-enter those acts (see `fieldsync audit` at the stations).")
            }
        }
    }
}
