import FieldSyncCore
import FieldSyncStore
import XCTest

final class OwnChangeRewriteTests: XCTestCase {
    private let year: UInt64 = 365 * 24 * 3_600_000

    /// A station that wrote some rows at the right time, received a hub row, then wrote
    /// more a year in the future (edits, a reviewed edit on top of its own, a delete).
    private func stationWithFutureChanges(clock: TestClock) throws -> (station: Replica, hub: Replica, acknowledged: UInt64) {
        let station = try makeReplica(1, clock: clock)
        let hub = try makeReplica(9, role: .hub, clock: clock)
        try station.write(table: "household", rowID: "h1", values: ["address": .text("a1"), "monthly_income": .integer(100)])
        try station.write(table: "household", rowID: "h2", values: ["address": .text("a2")])
        try apply(try exportAll(station), to: hub)
        let acknowledged = try hub.vector()[station.siteID]
        clock.advance(60_000)
        try hub.write(table: "household", rowID: "h3", values: ["address": .text("hub")])
        try apply(try exportAll(hub, since: try station.vector()), to: station)
        clock.advance(year)
        try station.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(200)])
        try station.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(300), "address": .text("b1")])
        try station.write(table: "household", rowID: "h4", values: ["address": .text("a4")])
        try station.delete(table: "household", rowID: "h2")
        try station.write(table: "visit", rowID: "v1", values: ["household_id": .text("h1"), "note": .text("n")])
        try station.write(table: "sample", rowID: "s1", values: ["r": .real(-0.0), "i": .integer(1)])
        clock.now -= year
        return (station, hub, acknowledged)
    }

    func testRewrittenChangesRebuildTheSameStateAsAFreshReplicaThatReceivedThem() throws {
        let clock = TestClock()
        let (station, _, acknowledged) = try stationWithFutureChanges(clock: clock)
        let futureLast = try station.lastStamp()
        XCTAssertGreaterThan(futureLast.millis, clock.now + year / 2)
        let before = try station.ownChanges(after: acknowledged)
        XCTAssertEqual(before.count, 9)

        var fresh = HybridClock(last: HybridTimestamp(millis: clock.now, counter: 0))
        var remap: [HybridTimestamp: HybridTimestamp] = [:]
        try station.rewriteOwnChanges(after: acknowledged, lowerClockTo: .zero) { changes in
            changes.map { change in
                var c = change
                if remap[change.stamp] == nil { remap[change.stamp] = fresh.tick(wallMillis: clock.now) }
                c.stamp = remap[change.stamp]!
                if let base = c.base, base.site == station.siteID, let moved = remap[base.stamp] { c.base = CellVersion(stamp: moved, site: base.site) }
                return c
            }
        }

        let after = try station.ownChanges(after: acknowledged)
        XCTAssertEqual(after.map(\.sequence), before.map(\.sequence))
        XCTAssertEqual(after.map(\.value), before.map(\.value))
        XCTAssertTrue(after.allSatisfy { $0.stamp.millis <= clock.now })
        XCTAssertEqual(try station.lastStamp(), after.map(\.stamp).max())
        XCTAssertEqual(try station.vector()[station.siteID], 9 + acknowledged)

        // A replica that receives the whole rewritten log from scratch holds the same data.
        let receiver = try makeReplica(7, clock: clock)
        try apply(try exportAll(station), to: receiver)
        XCTAssertEqual(try receiver.digest(), try station.digest())
        XCTAssertNil(try station.row(table: "household", rowID: "h2"))
        XCTAssertEqual(try station.row(table: "household", rowID: "h1")?["monthly_income"], .integer(300))
        XCTAssertEqual(try station.row(table: "household", rowID: "h3")?["address"], .text("hub"))

        // The next local write continues the sequence and stamps from the corrected clock,
        // and a later edit elsewhere now wins over the re-stamped one.
        let next = try station.write(table: "household", rowID: "h4", values: ["address": .text("c4")])
        XCTAssertEqual(next.first?.sequence, 10 + acknowledged)
        XCTAssertLessThan(next.first!.stamp.millis, clock.now + 1000)
        // The rebuilt cell versions are the new ones: a reviewed edit is based on the re-stamped write.
        let income = try station.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(400)])
        XCTAssertEqual(income.first?.base, after.last { $0.rowID == "h1" && $0.column == "monthly_income" }?.version)
        clock.advance(1000)
        try receiver.write(table: "household", rowID: "h1", values: ["address": .text("later")])
        try apply(try exportAll(receiver, since: try station.vector()), to: station)
        XCTAssertEqual(try station.row(table: "household", rowID: "h1")?["address"], .text("later"))
    }

    func testRewriteWithoutAFloorNeverLowersTheClockAndRefusesForeignChanges() throws {
        let clock = TestClock()
        let (station, _, acknowledged) = try stationWithFutureChanges(clock: clock)
        let last = try station.lastStamp()
        try station.rewriteOwnChanges(after: acknowledged) { $0 }
        XCTAssertEqual(try station.lastStamp(), last)
        let digest = try station.digest()
        XCTAssertThrowsError(try station.rewriteOwnChanges(after: acknowledged) { changes in
            changes.map { var c = $0; c.origin = TestSchema.site(5); return c }
        })
        XCTAssertThrowsError(try station.rewriteOwnChanges(after: acknowledged) { changes in
            changes.map { var c = $0; c.sequence = acknowledged; return c }
        })
        XCTAssertEqual(try station.digest(), digest)
        XCTAssertEqual(try station.ownChanges(after: 0).count, Int(acknowledged) + 9)
    }

    /// Random edits, deletes and visits on two replicas that exchange part of their logs,
    /// then a rewrite of the station's unexchanged changes: the rebuilt station equals a
    /// fresh replica given the whole log in export order, and one given it in reverse.
    func testRebuildFromTheLogEqualsMergingItInAnyOrder() throws {
        for seed in UInt64(1)...20 {
            var rng = SeededGenerator(seed: seed)
            let clock = TestClock()
            let station = try makeReplica(1, clock: clock)
            let peer = try makeReplica(2, clock: clock)
            let rows = (0..<5).map { "h\($0)" }
            var exchanged: UInt64 = 0
            for step in 0..<60 {
                let replica = Bool.random(using: &rng) ? station : peer
                let row = rows.randomElement(using: &rng)!
                clock.advance(UInt64.random(in: 0...5, using: &rng))
                switch Int.random(in: 0..<10, using: &rng) {
                case 0:
                    _ = try? replica.delete(table: "household", rowID: row)
                case 1:
                    _ = try? replica.write(table: "visit", rowID: "v\(seed)-\(step)", values: ["household_id": .text(row), "note": .text("n\(step)")])
                default:
                    _ = try? replica.write(table: "household", rowID: row, values: [
                        "address": .text("a\(step)"), "monthly_income": .integer(Int64.random(in: 0...3, using: &rng)),
                    ])
                }
                if step == 30 {
                    try apply(try exportAll(station, since: try peer.vector()), to: peer)
                    try apply(try exportAll(peer, since: try station.vector()), to: station)
                    exchanged = try station.vector()[station.siteID]
                }
            }
            try apply(try exportAll(peer, since: try station.vector()), to: station)
            var fresh = HybridClock(last: HybridTimestamp(millis: clock.now, counter: 0))
            try station.rewriteOwnChanges(after: exchanged) { changes in
                changes.map { var c = $0; c.stamp = fresh.tick(wallMillis: clock.now); c.base = nil; return c }
            }
            let log = try exportAll(station)
            let inOrder = try makeReplica(7, clock: clock)
            try apply(log, to: inOrder)
            let reversed = try makeReplica(8, clock: clock)
            for change in log.reversed() { try apply([change], to: reversed) }
            XCTAssertEqual(try inOrder.digest(), try station.digest(), "seed \(seed)")
            XCTAssertEqual(try reversed.digest(), try station.digest(), "seed \(seed)")
        }
    }
}
