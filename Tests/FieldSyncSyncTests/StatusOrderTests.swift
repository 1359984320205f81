import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Issue 7, "status never slides back", through real stations, bundles and the hub: the
/// order of `CaseworkStatusOrder` and the county's precedence (rule M7), one test per
/// transition that may or may not happen concurrently.
final class StatusOrderTests: SyncTestCase {
    /// Casework at a replica, dated by the test clock.
    func casework(_ replica: Replica) -> Casework {
        Casework(replica: replica, now: { [clock] in Date(timeIntervalSince1970: Double(clock!.now) / 1000) })
    }

    /// The test clock's moment, for a record's `at`.
    var now: Date { Date(timeIntervalSince1970: Double(clock.now) / 1000) }

    func up(_ county: County, _ s: Int) throws {
        try county.hub.merge(bundleAt: county.stations[s].export(to: folder.sub("up-\(UUID().uuidString).fsb")).path)
    }

    func down(_ county: County, _ s: Int) throws {
        let station = county.stations[s]
        let peer = try XCTUnwrap(county.hub.replica.peer(station.identity.site))
        try station.importBundle(at: county.hub.returnBundle(for: peer, to: folder.sub("down-\(UUID().uuidString).fsb")).path)
    }

    func replicas(_ county: County) -> [Replica] { [county.hub.replica] + county.stations.map(\.replica) }

    func status(_ replica: Replica, _ application: String) throws -> Value? {
        try replica.row(table: "application", rowID: application)?["status"]
    }

    func assertConverged(_ county: County, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Set(try replicas(county).map { try $0.digest() }).count, 1, "every replica has the same digest", file: file, line: line)
    }

    /// A temporary-assistance application within township authority, at station `s`.
    func application(_ county: County, _ s: Int) throws -> String {
        let station = county.stations[s]
        let household = try addHouseholds(station, count: 1)[0]
        clock.advance(by: 60_000)
        return try casework(station.replica).apply(household: household, category: "temporary", channel: "window",
                                                   amount: "2000", receivedAt: now)
    }

    /// An application row of station `s` holding `status`, written as a generic record.
    func application(_ county: County, _ s: Int, status: ApplicationStatus, household: String) throws -> String {
        try county.stations[s].record(table: "application", values: [
            "household_id": .text(household), "category": .text("temporary"), "channel": .text("window"),
            "status": .text(status.rawValue),
        ]).rowID
    }

    /// Each pair of statuses of different stages, earlier stage first.
    var forwardPairs: [(from: ApplicationStatus, to: ApplicationStatus)] {
        let stages = CaseworkStatusOrder.application
        return stages.indices.flatMap { i in
            stages[(i + 1)...].joined().flatMap { to in stages[i].map { (from: $0, to: to) } }
        }
    }

    func testStaleTownshipEditAfterCountyApprovalHoldsApprovedAndLandsInReview() throws {
        let county = try makeCounty(stations: 1)
        let a = try application(county, 0)
        try up(county, 0)
        clock.advance(by: 60_000)
        try casework(county.hub.replica).decide(application: a, approve: true, level: .county, at: now)
        // The station has not seen the approval: its check moves "received" to "checking", later by the clock.
        clock.advance(by: 60_000)
        try casework(county.stations[0].replica).recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: now)
        XCTAssertEqual(try status(county.stations[0].replica, a), .text("checking"))
        try up(county, 0)
        try down(county, 0)
        for replica in replicas(county) {
            XCTAssertEqual(try status(replica, a), .text("approved"))
            XCTAssertEqual(try replica.row(table: "application", rowID: a)?["decided_by"], .text("county"))
        }
        let review = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == a && $0.column == "status" }
        XCTAssertEqual(review.map(\.kind), [.overruled])
        XCTAssertEqual(review.first?.winner.value, .text("approved"))
        XCTAssertEqual(review.first?.loser.value, .text("checking"))
        XCTAssertEqual(review.first?.loser.version.site, county.stations[0].identity.site)
        try assertConverged(county)
        // The township learns it from the hub's notice, which names the field but no value.
        let notices = try self.notices(county.stations[0].replica)
        XCTAssertEqual(notices.count, 1)
        XCTAssertEqual(notices.first?["township"], .text(county.stations[0].identity.township!))
        XCTAssertEqual(notices.first?["kind"], .text(NoticeKind.overruled.rawValue))
        XCTAssertEqual(notices.first?["subject_row"], .text(a))
        XCTAssertEqual(notices.first?["subject_column"], .text("status"))
        XCTAssertEqual(notices.first?["household_id"], try county.hub.replica.row(table: "application", rowID: a)?["household_id"])
        XCTAssertFalse("\(notices.first?["detail"] ?? .null)".contains("checking"), "a notice carries no value")
    }

    /// The notices a replica holds.
    func notices(_ replica: Replica) throws -> [[String: Value]] {
        try replica.rowIDs(table: "notice", limit: nil).compactMap { try replica.row(table: "notice", rowID: $0) }
    }

    /// The township approves and the county rejects the same application, each without
    /// having seen the other; the county's decision holds on the hub, on the deciding
    /// station and on a third replica, whichever clock was ahead.
    func testCountyDecisionTakesPrecedenceOverAConcurrentTownshipDecisionWhateverTheClocks() throws {
        for countyDecidesFirst in [true, false] {
            let county = try makeCounty(stations: 2, at: "county-\(countyDecidesFirst)")
            let a = try application(county, 0)
            try up(county, 0)
            try down(county, 1)
            let decisions = [
                { try self.casework(county.hub.replica).decide(application: a, approve: false, reasons: "县级复核不予批准",
                                                                level: .county, at: self.now) },
                { try self.casework(county.stations[0].replica).decide(application: a, approve: true, at: self.now) },
            ]
            for decide in countyDecidesFirst ? decisions : decisions.reversed() {
                clock.advance(by: 60_000)
                _ = try decide()
            }
            try up(county, 0) // accepted, not refused: the station decided honestly, offline
            try down(county, 0)
            try down(county, 1)
            for replica in replicas(county) {
                XCTAssertEqual(try status(replica, a), .text("rejected"), "county decided first: \(countyDecidesFirst)")
                XCTAssertEqual(try replica.row(table: "application", rowID: a)?["decided_by"], .text("county"))
            }
            let review = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == a && $0.column == "status" }
            XCTAssertEqual(review.map(\.kind), [countyDecidesFirst ? .overruled : .concurrent])
            XCTAssertEqual(review.first?.winner.value, .text("rejected"))
            XCTAssertEqual(review.first?.loser.value, .text("approved"))
            try assertConverged(county)
            // One notice tells the deciding township that the county's decision stands.
            let township = Value.text(county.stations[0].identity.township!)
            let notices = try self.notices(county.stations[0].replica).filter { $0["township"] == township }
            XCTAssertEqual(notices.map { $0["subject_row"] }, [.text(a)], "county decided first: \(countyDecidesFirst)")
            XCTAssertEqual(notices.first?["kind"], .text(NoticeKind.overruled.rawValue))
        }
    }

    func testEveryForwardTransitionOfAnApplicationStatusIsAllowed() throws {
        let county = try makeCounty(stations: 2)
        let household = try addHouseholds(county.stations[0], count: 1)[0]
        let moves = try forwardPairs.map { pair in (pair, try application(county, 0, status: pair.from, household: household)) }
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 60_000)
        for (pair, a) in moves {
            XCTAssertNoThrow(try county.stations[1].record(table: "application", id: a, values: ["status": .text(pair.to.rawValue)]),
                             "\(pair.from) → \(pair.to)")
        }
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        for replica in replicas(county) {
            for (pair, a) in moves { XCTAssertEqual(try status(replica, a), .text(pair.to.rawValue), "\(pair.from) → \(pair.to)") }
        }
        XCTAssertEqual(try county.hub.replica.conflicts(includeResolved: false), [])
        try assertConverged(county)
    }

    /// Station 0 moves each application forward; station 1, still at "received", moves it
    /// to an earlier stage later by the clock. The later stage holds everywhere, in both
    /// arrival orders at the hub, and each stale write is in the review queue. (Nothing
    /// moves an application to "received", its first stage: only its creation writes it.)
    func testEveryBackwardTransitionByAStaleWriterIsOverruledInBothArrivalOrders() throws {
        let backward = forwardPairs.filter { $0.from != .received }.map { (later: $0.to, earlier: $0.from) }
        for staleArrivesFirst in [false, true] {
            let county = try makeCounty(stations: 2, at: "county-\(staleArrivesFirst)")
            let household = try addHouseholds(county.stations[0], count: 1)[0]
            let moves = try backward.map { pair in (pair, try application(county, 0, status: .received, household: household)) }
            try county.syncUntilQuiet(stick: folder.sub("s1-\(staleArrivesFirst)"))
            clock.advance(by: 60_000)
            for (pair, a) in moves { try county.stations[0].record(table: "application", id: a, values: ["status": .text(pair.later.rawValue)]) }
            clock.advance(by: 60_000)
            for (pair, a) in moves { try county.stations[1].record(table: "application", id: a, values: ["status": .text(pair.earlier.rawValue)]) }
            for s in staleArrivesFirst ? [1, 0] : [0, 1] { try up(county, s) }
            try down(county, 0)
            try down(county, 1)
            let review = try county.hub.replica.conflicts(includeResolved: false)
            for (pair, a) in moves {
                for replica in replicas(county) {
                    XCTAssertEqual(try status(replica, a), .text(pair.later.rawValue), "\(pair.later) ← \(pair.earlier)")
                }
                let found = review.filter { $0.rowID == a }
                XCTAssertEqual(found.map(\.kind), [.overruled], "\(pair.later) ← \(pair.earlier)")
                XCTAssertEqual(found.first?.loser.value, .text(pair.earlier.rawValue))
                XCTAssertEqual(found.first?.loser.version.site, county.stations[1].identity.site)
            }
            try assertConverged(county)
        }
    }

    /// With a total order a status never moves back, not even by a writer who saw it:
    /// the station's program refuses, naming the field, and stores nothing.
    func testAWriterWhoSawALaterStatusCannotMoveItBack() throws {
        let county = try makeCounty(stations: 1)
        let household = try addHouseholds(county.stations[0], count: 1)[0]
        let a = try application(county, 0, status: .approved, household: household)
        let owed = try county.stations[0].replica.changeCount(since: .empty)
        XCTAssertThrowsError(try county.stations[0].record(table: "application", id: a, values: ["status": .text("checking")])) { error in
            XCTAssertTrue("\(error)".contains("M7 status order"), "\(error)")
            XCTAssertTrue("\(error)".contains("application.status"), "\(error)")
        }
        XCTAssertEqual(try status(county.stations[0].replica, a), .text("approved"))
        XCTAssertEqual(try county.stations[0].replica.changeCount(since: .empty), owed)
    }

    /// Delete wins over everything (M2): a station that had not seen the county's decision
    /// still may not delete the decided application, so its bundle is refused (A4).
    func testAStationsDeleteOfACountyDecidedApplicationIsStillRefused() throws {
        let county = try makeCounty(stations: 1)
        let a = try application(county, 0)
        try up(county, 0)
        clock.advance(by: 60_000)
        try casework(county.hub.replica).decide(application: a, approve: true, level: .county, at: now)
        clock.advance(by: 60_000)
        try county.stations[0].delete(table: "application", id: a)
        XCTAssertThrowsError(try up(county, 0)) { XCTAssertTrue("\($0)".contains("A4"), "\($0)") }
        XCTAssertEqual(try status(county.hub.replica, a), .text("approved"))
    }

    /// Station 1 deletes a household; station 0, not having seen it, then changes its
    /// income (a reviewed field). The edit is lost to the delete, and the hub's queue
    /// says so, in both arrival orders.
    func testAnIncomeEditLostToAConcurrentDeleteLandsInTheHubsReviewQueue() throws {
        for editArrivesFirst in [true, false] {
            let county = try makeCounty(stations: 2, at: "county-\(editArrivesFirst)")
            let h = try addHouseholds(county.stations[0], count: 1)[0]
            try county.syncUntilQuiet(stick: folder.sub("s1-\(editArrivesFirst)"))
            clock.advance(by: 60_000)
            try county.stations[1].delete(table: "household", id: h)
            clock.advance(by: 60_000)
            try county.stations[0].record(table: "household", id: h, values: ["monthly_income": .integer(1350)])
            for s in editArrivesFirst ? [0, 1] : [1, 0] { try up(county, s) }
            let review = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == h }
            XCTAssertEqual(review.map(\.kind), [.lostToDelete])
            XCTAssertEqual(review.first?.column, "monthly_income")
            XCTAssertEqual(review.first?.winner.value, .null)
            XCTAssertEqual(review.first?.winner.version.site, county.stations[1].identity.site)
            XCTAssertEqual(review.first?.loser.value, .integer(1350))
            XCTAssertTrue(try county.hub.replica.isDeleted(table: "household", rowID: h))
            let notices = try self.notices(county.hub.replica)
            XCTAssertEqual(notices.map { $0["township"] }, [.text(county.stations[0].identity.township!)], "to the station that edited")
            XCTAssertEqual(notices.first?["household_id"], .text(h))
            XCTAssertEqual(notices.first?["subject_column"], .text("monthly_income"))
        }
    }
}
