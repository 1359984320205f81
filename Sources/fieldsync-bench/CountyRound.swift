import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation
import GRDB

/// The county round of issue 7: a county of `stations` townships with `households` each and
/// a year of casework (the sample generator; setup, not timed), then ONE timed round — every
/// station makes `edits` changes to its own cases, exports; the hub merges all; the hub
/// writes every return bundle; every station imports its own.
///
/// It shows that partial replication pays where it should: a station's replica holds only
/// its township (compare its file with the hub's), and a station's return export costs in
/// proportion to that station's part of the county, not to the county (each return export
/// is timed on its own and set against their sum).
struct CountyRound {
    let stations: Int
    let households: Int
    let edits: Int
    let dir: String
    let say: (String) -> Void

    /// What one round measured; printed, and the `--json` answer.
    struct Figures: Encodable {
        var stations = 0, householdsPerStation = 0, editsPerStation = 0
        var setupSeconds = 0.0
        var editSeconds = 0.0, exportSeconds = 0.0, mergeSeconds = 0.0, returnExportSeconds = 0.0, importSeconds = 0.0
        /// Export, merge, return export and import: the round.
        var roundSeconds = 0.0
        var bytesUp = 0, bytesDown = 0
        var hubReplicaBytes = 0
        var stationReplicaBytes: [Int] = []
        /// Each station's return export timed on its own, and the changes it carried.
        var returnExportSecondsEach: [Double] = []
        var returnChangesEach: [Int] = []
        var quiet = false
        var eachStationHoldsItsTownship = false
    }

    func run() throws -> Figures {
        var figures = Figures(stations: stations, householdsPerStation: households, editsPerStation: edits)
        let root = (dir as NSString).appendingPathComponent("county")
        say("county round: \(stations) stations × \(households) households with a year of casework, \(edits) edits per station")
        var county: County?
        var lastShown = 0
        figures.setupSeconds = try FieldSyncBench.measure {
            county = try SampleCounty(root: root, plan: .init(seed: 15, townships: stations, householdsPerTownship: households)) { done, total, what in
                guard done == total || done - lastShown >= max(1, total / 20) else { return }
                lastShown = done
                say("  setup: \(done)/\(total) \(what)")
            }.generateCounty().county
        }
        guard let county else { return figures }
        say(String(format: "  setup (not timed in the round): %.1f s", figures.setupSeconds))

        figures.editSeconds = try FieldSyncBench.measure { try edit(county) }
        let stick = (root as NSString).appendingPathComponent("stick")
        let up = stick + "/up", down = stick + "/down"
        try FileManager.default.createDirectory(atPath: up, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: down, withIntermediateDirectories: true)

        var upPaths: [String] = []
        figures.exportSeconds = try FieldSyncBench.measure {
            for station in county.stations { upPaths.append(try station.export(to: up + "/").path) }
        }
        figures.mergeSeconds = try FieldSyncBench.measure {
            for merged in try county.hub.merge(paths: upPaths) { _ = try merged.result.get() }
        }
        var downPaths: [SiteID: String] = [:]
        for peer in try county.hub.stations() {
            var result: ExportResult?
            let seconds = try FieldSyncBench.measure { result = try county.hub.returnBundle(for: peer, to: down + "/") }
            downPaths[peer.site] = result!.path
            figures.returnExportSecondsEach.append(seconds)
            figures.returnChangesEach.append(result!.header.tableCounts.values.reduce(0, +))
        }
        figures.returnExportSeconds = figures.returnExportSecondsEach.reduce(0, +)
        figures.importSeconds = try FieldSyncBench.measure {
            for station in county.stations { _ = try station.importBundle(at: downPaths[station.identity.site]!) }
        }

        figures.roundSeconds = figures.exportSeconds + figures.mergeSeconds + figures.returnExportSeconds + figures.importSeconds
        figures.bytesUp = upPaths.map(Self.fileSize).reduce(0, +)
        figures.bytesDown = downPaths.values.map(Self.fileSize).reduce(0, +)
        figures.hubReplicaBytes = try Self.replicaSize(county.hub.folder.replicaPath)
        figures.stationReplicaBytes = try county.stations.map { try Self.replicaSize($0.folder.replicaPath) }
        figures.quiet = try county.isQuiet()
        figures.eachStationHoldsItsTownship = try county.stationsMatchTheHub()
        report(figures)
        return figures
    }

    /// `edits` changes per station on its own households: half home visits through the
    /// casework verb, half a generic write of the household's village.
    private func edit(_ county: County) throws {
        let visitDay = Date(timeIntervalSince1970: 1_767_196_800 + 360 * 86_400)
        for station in county.stations {
            let ids = try station.replica.rowIDs(table: "household", limit: edits)
            let casework = Casework(replica: station.replica, now: { visitDay })
            guard let town = SyntheticNames.townships.first(where: { $0.code == station.identity.township }) else { continue }
            for i in 0..<edits {
                let household = ids[i % ids.count]
                if i % 2 == 0 {
                    try casework.visit(household: household, visitor: "\(town.name)社工", note: "入户走访 home visit (synthetic)", at: visitDay)
                } else {
                    try station.record(table: "household", id: household, values: ["village": .text(town.villages[i % town.villages.count])])
                }
            }
        }
    }

    private func report(_ f: Figures) {
        let sizes = f.stationReplicaBytes.sorted()
        let largest = sizes.last ?? 0, median = sizes.isEmpty ? 0 : sizes[sizes.count / 2]
        let each = f.returnExportSecondsEach.sorted()
        let typical = each.isEmpty ? 0 : each[each.count / 2]
        say(String(format: "  edits (%d per station, not part of the round): %6.2f s", f.editsPerStation, f.editSeconds))
        say(String(format: "  export ×%d:          %6.2f s", f.stations, f.exportSeconds))
        say(String(format: "  hub merge of all %d: %6.2f s", f.stations, f.mergeSeconds))
        say(String(format: "  hub export ×%d:      %6.2f s  (one station's: median %.1f ms, max %.1f ms; %.1f%% of the sum each; %d–%d changes each)",
                   f.stations, f.returnExportSeconds, typical * 1000, (each.last ?? 0) * 1000,
                   f.returnExportSeconds > 0 ? typical / f.returnExportSeconds * 100 : 0,
                   f.returnChangesEach.min() ?? 0, f.returnChangesEach.max() ?? 0))
        say(String(format: "  import ×%d:          %6.2f s", f.stations, f.importSeconds))
        say(String(format: "  round total:         %6.2f s  (target < 10 s)", f.roundSeconds))
        say("  bytes on the stick:  \(f.bytesUp) up + \(f.bytesDown) down = \(f.bytesUp + f.bytesDown)")
        say(String(format: "  replica size:        hub %.1f MB; station median %.1f MB, largest %.1f MB; largest/hub %.3f (target < 0.1)",
                   Double(f.hubReplicaBytes) / 1e6, Double(median) / 1e6, Double(largest) / 1e6,
                   f.hubReplicaBytes > 0 ? Double(largest) / Double(f.hubReplicaBytes) : 0))
        say("  each station's replica (MB): " + f.stationReplicaBytes.map { String(format: "%.1f", Double($0) / 1e6) }.joined(separator: " "))
        say("  after the round: \(f.quiet ? "nothing owed" : "STILL OWED"); \(f.eachStationHoldsItsTownship ? "each station's digest = the hub's for its township" : "A STATION DIFFERS FROM THE HUB")")
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// The replica's bytes on disk once its write-ahead log is folded in (a checkpoint), so
    /// that the figure is the database, not how much log happened to be pending (up to 4 MB).
    static func replicaSize(_ path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        return fileSize(path) + fileSize(path + "-wal")
    }
}
