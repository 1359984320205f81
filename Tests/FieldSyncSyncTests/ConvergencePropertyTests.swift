import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// SYSTEM.md properties 1–4 over the real loop: three stations and a hub, seeded random
/// inserts, updates and deletes, bundles delivered in random order with duplicates and
/// losses (lost bundles are never delivered; later exports re-send their changes).
final class ConvergencePropertyTests: XCTestCase {
    /// Seeds run in CI; `FIELDSYNC_SEEDS=N` runs more, `FIELDSYNC_SEED=S` replays one.
    var seeds: [UInt64] {
        if let one = ProcessInfo.processInfo.environment["FIELDSYNC_SEED"].flatMap(UInt64.init) { return [one] }
        let n = ProcessInfo.processInfo.environment["FIELDSYNC_SEEDS"].flatMap(UInt64.init) ?? 100
        return Array(0..<n)
    }

    override func setUp() { TestLogging.bootstrap() }

    func testRandomOperationsAndDeliveryConvergeAndEverythingIsAcknowledged() throws {
        for seed in seeds {
            try runScenario(seed: seed)
        }
    }

    func runScenario(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let folder = TemporaryFolder("fieldsync-prop")
        defer { folder.cleanUp() }
        let clock = ManualClock()
        // Laptops disagree about the time by up to a few minutes: within the skew bound.
        let offsets = (0..<3).map { _ in Int64.random(in: -300_000...300_000, using: &rng) }
        let county = try County.create(
            at: folder.path, hubName: "hub",
            stations: (0..<3).map { .init(name: "station \($0)", township: "63010610\($0)") },
            wallClock: clock.wallClock(), stationClocks: offsets.map { clock.wallClock(offset: $0) })
        let stick = folder.sub("stick")
        var toHub: [String] = []      // bundles written, not yet delivered (or delivered and kept for duplicates)
        var toStation: [Int: [String]] = [:]
        var exportCount = 0
        let operations = Int.random(in: 200...320, using: &rng)
        let context = "seed \(seed) (replay with FIELDSYNC_SEED=\(seed))"

        for _ in 0..<operations {
            clock.advance(by: UInt64.random(in: 0...2_000, using: &rng))
            let s = Int.random(in: 0..<3, using: &rng)
            let station = county.stations[s]
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<30:
                try station.record(table: "household", values: [
                    "township": .text(station.identity.township!),
                    "address": .text("村\(Int.random(in: 1...99, using: &rng))号"),
                    "monthly_income": .integer(Int64.random(in: 0...5_000, using: &rng)),
                    "category": .text(["dibao", "tekun", "temporary"].randomElement(using: &rng)!),
                ])
            case 30..<60:
                let ids = try station.replica.rowIDs(table: "household", limit: nil)
                if let id = ids.randomElement(using: &rng) {
                    let column = ["address", "monthly_income", "category", "status"].randomElement(using: &rng)!
                    try station.record(table: "household", id: id, values: [column: randomValue(for: column, &rng)])
                }
            case 60..<65:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    try station.delete(table: "household", id: id)
                }
            case 65..<70:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    try station.record(table: "visit", values: ["household_id": .text(id), "note": .text("访视 \(seed)")])
                }
            case 70..<73:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    let application = try station.record(table: "application", values: [
                        "household_id": .text(id), "category": .text("temporary"), "status": .text("approved"),
                    ]).rowID
                    try station.record(table: "assistance", values: [
                        "application_id": .text(application), "household_id": .text(id), "kind": .text("cash"),
                        "amount_fen": .integer(Int64.random(in: 1...200_000, using: &rng)),
                    ])
                }
            case 73..<75:
                // The hub writes too: county decisions and rule parameters originate there.
                let day = Int.random(in: 1...28, using: &rng)
                try county.hub.replica.write(table: "rule_parameter", rowID: "param:townshipTemporaryCeilingYuan:2027-01-\(day)",
                                             values: ["name": .text("townshipTemporaryCeilingYuan"),
                                                      "effective_from": .text("2027-01-\(day)"),
                                                      "value": .text(String(Int.random(in: 1...9, using: &rng) * 1_000))])
            case 75..<85:
                exportCount += 1
                toHub.append(try station.export(to: stick + "/up\(exportCount).fsb").path)
            case 85..<93:
                // The hub merges some bundles from the stick in random order; some are lost, some come twice.
                toHub.shuffle(using: &rng)
                let take = Int.random(in: 0...toHub.count, using: &rng)
                for path in toHub.prefix(take) where Int.random(in: 0..<10, using: &rng) > 0 {
                    try county.hub.merge(bundleAt: path)
                }
                toHub = Array(toHub.dropFirst(take)) + toHub.prefix(take).filter { _ in Bool.random(using: &rng) }
            default:
                for (i, station) in county.stations.enumerated() where Bool.random(using: &rng) {
                    exportCount += 1
                    toStation[i, default: []].append(try county.hub.returnBundle(for: try XCTUnwrap(county.hub.replica.peer(station.identity.site)),
                                                                                  to: stick + "/down\(exportCount).fsb").path)
                }
                for (i, station) in county.stations.enumerated() {
                    var pending = toStation[i, default: []].shuffled(using: &rng)
                    let take = Int.random(in: 0...pending.count, using: &rng)
                    for path in pending.prefix(take) where Int.random(in: 0..<10, using: &rng) > 0 {
                        try station.importBundle(at: path)
                    }
                    pending = Array(pending.dropFirst(take)) + pending.prefix(take).filter { _ in Bool.random(using: &rng) }
                    toStation[i] = pending
                }
            }
        }
        // Stale bundles still lying around may be delivered late: they must change nothing harmful.
        for path in toHub.shuffled(using: &rng) { try county.hub.merge(bundleAt: path) }

        let rounds = try county.syncUntilQuiet(stick: stick + "/final")
        let hubDigest = try county.hub.replica.digest()
        for station in county.stations {
            XCTAssertEqual(try station.replica.digest(), hubDigest, "\(station.identity.name) diverged, \(context)")
            XCTAssertEqual(try station.status().changesOwed, 0, "\(station.identity.name) still owes changes, \(context)")
            XCTAssertEqual(try station.replica.vector(), try county.hub.replica.vector(), "vectors differ, \(context)")
        }
        XCTAssertLessThanOrEqual(rounds, 2, "quiet should take two rounds at most, \(context)")
        // Replaying every bundle ever written changes nothing once converged.
        for path in try BundleFiles.expand([stick]).filter({ $0.contains("/up") }) { try county.hub.merge(bundleAt: path) }
        XCTAssertEqual(try county.hub.replica.digest(), hubDigest, "replay changed the hub, \(context)")
    }

    func randomValue(for column: String, _ rng: inout SeededGenerator) -> Value {
        if Int.random(in: 0..<8, using: &rng) == 0 { return .null }
        switch column {
        case "monthly_income": return .integer(Int64.random(in: 0...5_000, using: &rng))
        case "address": return .text("第\(Int.random(in: 1...9, using: &rng))社")
        case "category": return .text(["dibao", "tekun", "temporary"].randomElement(using: &rng)!)
        default: return .text(["active", "closed"].randomElement(using: &rng)!)
        }
    }
}
