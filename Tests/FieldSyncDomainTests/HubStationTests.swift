import FieldSyncDomain
import FieldSyncStore
import FieldSyncTestSupport
import XCTest

/// The county's part of R8 and the hub-only parameters, carried between two in-memory
/// replicas the way bundles carry them (every change not yet seen, applied by merge).
final class HubStationTests: XCTestCase {
    private func sync(from source: Replica, to target: Replica) throws {
        let changes = try source.exportSnapshot { snapshot in
            var all: [Change] = []
            try snapshot.forEachBatch(since: try target.vector(), batchSize: 500) { all += $0 }
            return all
        }
        _ = try target.importChanges { tx in try tx.apply(changes) }
    }

    func testR8CountyDecisionRecordedAtTheHubReachesTheStationAndStopsItsClock() throws {
        let station = try makeCasework()
        let hub = try makeCasework(role: .hub)
        let (h, _) = try station.sampleHousehold()
        let received = moment("2026-07-01T08:00:00+08:00")
        let a = try station.apply(household: h, category: "temporary", channel: "window", amount: "8000", receivedAt: received)
        XCTAssertCaseworkError(.beyondTownshipAuthority(category: "temporary", ceiling: Money(yuan: 3000))) {
            try station.decide(application: a, approve: true, at: moment("2026-07-01T09:00:00+08:00"))
        }
        try sync(from: station.replica, to: hub.replica)
        try hub.decide(application: a, approve: true, level: .county, at: moment("2026-07-01T15:00:00+08:00"))
        try sync(from: hub.replica, to: station.replica)

        XCTAssertEqual(try station.replica.row(table: "application", rowID: a)?["status"], .text("approved"))
        XCTAssertEqual(try station.replica.row(table: "application", rowID: a)?["decided_by"], .text("county"))
        XCTAssertEqual(try station.replica.rowIDs(table: "decision", limit: nil).count, 1)
        XCTAssertEqual(try station.due(at: moment("2026-07-01T21:00:00+08:00")), [], "the county's answer stops the 12-hour clock")
        XCTAssertNoThrow(try station.give(application: a, kind: "cash", amount: "8000", at: moment("2026-07-02T10:00:00+08:00")))
    }

    func testR14ParameterSetAtTheHubReachesTheStationAndAppliesFromItsDate() throws {
        let station = try makeCasework()
        let hub = try makeCasework(role: .hub)
        try hub.setParameter("townshipTemporaryCeilingYuan", effectiveFrom: "2026-07-01", value: "5000")
        try sync(from: hub.replica, to: station.replica)
        let (h, _) = try station.sampleHousehold()
        let a = try station.apply(household: h, category: "temporary", channel: "window", amount: "4000",
                                  receivedAt: moment("2026-06-30T08:00:00+08:00"))
        XCTAssertCaseworkError(.beyondTownshipAuthority(category: "temporary", ceiling: Money(yuan: 3000))) {
            try station.decide(application: a, approve: true, at: moment("2026-06-30T23:59:59+08:00"))
        }
        XCTAssertNoThrow(try station.decide(application: a, approve: true, at: moment("2026-07-01T00:00:00+08:00")))
    }

    /// Decisions are append-only rows, so neither overwrites the other; the application's
    /// reviewed status puts the disagreement in the county's conflict queue.
    func testConcurrentTownshipAndCountyDecisionsBothSurviveAndSurfaceAsAConflict() throws {
        let station = try makeCasework()
        let hub = try makeCasework(role: .hub)
        let (h, _) = try station.sampleHousehold()
        let a = try station.apply(household: h, category: "dibao", channel: "window", receivedAt: moment("2026-07-01T08:00:00+08:00"))
        try station.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: moment("2026-07-01T09:00:00+08:00"))
        try sync(from: station.replica, to: hub.replica)
        try station.decide(application: a, approve: true, at: moment("2026-07-02T09:00:00+08:00"))
        try hub.decide(application: a, approve: false, reasons: "县级复核不予批准", level: .county, at: moment("2026-07-02T10:00:00+08:00"))
        try sync(from: station.replica, to: hub.replica)
        try sync(from: hub.replica, to: station.replica)

        XCTAssertEqual(try hub.replica.rowIDs(table: "decision", limit: nil).count, 2)
        XCTAssertEqual(try station.replica.rowIDs(table: "decision", limit: nil).count, 2)
        let conflicts = try hub.replica.conflicts(includeResolved: false).filter { $0.table == "application" && $0.rowID == a }
        XCTAssertTrue(conflicts.contains { $0.column == "status" }, "\(conflicts.map(\.column))")
        XCTAssertEqual(try hub.replica.row(table: "application", rowID: a)?["status"],
                       try station.replica.row(table: "application", rowID: a)?["status"], "both converge on one value")
    }
}
