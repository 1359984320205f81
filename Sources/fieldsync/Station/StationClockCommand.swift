import ArgumentParser
import FieldSyncCore
import FieldSyncSync
import Foundation

/// `fieldsync station clock`: the station's clocks, and the way out when the laptop's date
/// ran ahead (`--repair`).
struct StationClockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Show the wall clock, the replica clock and the hub's time; --repair re-stamps changes stamped in the future.",
        discussion: """
        A laptop whose date ran ahead stamps its changes in the future, and the hub refuses \
        them (more than 24 hours ahead). Correct the date, import the hub's latest return \
        bundle, then --repair gives every change the hub has not acknowledged that is \
        stamped after the wall clock a fresh stamp (values and sequence numbers kept), sets \
        the replica clock back and rebuilds the rows, in one transaction. Export again \
        afterwards and discard bundles exported before the repair.

        Example:
          fieldsync station clock st-lushaer
          fieldsync station clock st-lushaer --repair
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Flag(help: "Re-stamp the unacknowledged changes stamped in the future (refused while the wall clock looks wrong).")
    var repair = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let station = try passphrase.station(dir)
            var repaired: StationClockRepair?
            if repair { repaired = try station.repairClock() }
            let report = try station.clockReport()
            if output.json {
                printJSON(ClockJSON(report, repair: repaired, dir: dir))
                return
            }
            if let repaired {
                print("已重新打时间戳 re-stamped: \(repaired.restamped) changes; replica clock \(ISOTime.format(millis: repaired.replicaClockBefore.millis)) → \(ISOTime.format(millis: repaired.replicaClockAfter.millis))")
            }
            ClockText.print(report, dir: dir)
        }
    }
}

enum ClockText {
    static func signed(_ millis: Int64) -> String {
        (millis < 0 ? "-" : "+") + StationClock.span(millis.magnitude)
    }

    static func print(_ r: StationClockReport, dir: String) {
        Swift.print("本机时钟 wall clock:           \(ISOTime.format(millis: r.wallMillis))")
        Swift.print("副本时钟 replica clock:        \(ISOTime.format(millis: r.replicaClock.millis))  (\(signed(r.replicaMinusWallMillis)) from the wall clock)")
        if let hub = r.lastHubTime {
            Swift.print("县中心时间 last hub time:      \(ISOTime.format(millis: hub.millis))  (\(r.lastHubBundle.map(\.escapingControlCharacters) ?? ""); wall clock \(signed(r.wallMinusHubMillis!)))")
        } else {
            Swift.print("县中心时间 last hub time:      never (no return bundle imported)")
        }
        Swift.print("未确认修改 owed changes:       \(r.owedChanges), stamped in the future: \(r.owedInFuture)")
        Swift.print("已确认且超前 acknowledged ahead: \(r.acknowledgedInFuture)")
        for line in r.advice(dir: dir) { Swift.print(line) }
    }
}

struct ClockJSON: Encodable {
    struct RepairJSON: Encodable { let restamped: Int, replicaClockBefore: String, replicaClockAfter: String }
    let wallClock: String, replicaClock: String, lastHubTime: String?, lastHubBundle: String?
    let replicaMinusWallMillis: Int64, wallMinusHubMillis: Int64?
    let acknowledged: UInt64, owedChanges: Int, owedInFuture: Int, acknowledgedInFuture: Int
    let verdict: String, advice: [String], repair: RepairJSON?
    init(_ r: StationClockReport, repair: StationClockRepair?, dir: String) {
        wallClock = ISOTime.format(millis: r.wallMillis); replicaClock = r.replicaClock.description
        lastHubTime = r.lastHubTime?.description; lastHubBundle = r.lastHubBundle
        replicaMinusWallMillis = r.replicaMinusWallMillis; wallMinusHubMillis = r.wallMinusHubMillis
        acknowledged = r.acknowledged; owedChanges = r.owedChanges; owedInFuture = r.owedInFuture
        acknowledgedInFuture = r.acknowledgedInFuture; verdict = r.verdict.rawValue; advice = r.advice(dir: dir)
        self.repair = repair.map { RepairJSON(restamped: $0.restamped, replicaClockBefore: $0.replicaClockBefore.description,
                                               replicaClockAfter: $0.replicaClockAfter.description) }
    }
}

/// The clock warning every station command prints first (one line on standard error,
/// never on standard output, so `--json` stays clean). Every command under `station`
/// with a station folder argument gets it, found by walking the command tree, so a new
/// command cannot forget it.
enum StationClockWarning {
    static func emit(for command: ParsableCommand) {
        guard isStationCommand(type(of: command)), let dir = folder(of: command),
              let options = passphrase(of: command),
              let station = try? options.station(dir), let line = station.clockWarning(dir: dir) else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func isStationCommand(_ type: ParsableCommand.Type) -> Bool {
        func walk(_ t: ParsableCommand.Type) -> Bool {
            t.configuration.subcommands.contains { $0 == type || walk($0) }
        }
        return type != StationInit.self && walk(StationCommand.self)
    }

    /// The `--passphrase-file` option of a command (every station verb that opens its
    /// folder has it); the passphrase it resolves is kept for the command itself.
    private static func passphrase(of command: ParsableCommand) -> PassphraseOptions? {
        for child in Mirror(reflecting: command).children where child.label == "_passphrase" {
            if let group = child.value as? OptionGroup<PassphraseOptions> { return group.wrappedValue }
        }
        return nil
    }

    /// The `dir` argument of a command (every station verb names its folder so).
    private static func folder(of command: ParsableCommand) -> String? {
        for child in Mirror(reflecting: command).children where child.label == "_dir" {
            if let argument = child.value as? Argument<String> { return argument.wrappedValue }
        }
        return nil
    }
}
