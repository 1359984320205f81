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

    func status(_ replica: Replica, _ application: String) throws -> Value? {
        try replica.row(table: "application", rowID: application)?["status"]
    }

    /// A transfer race over `household`, a case of station 0. Station 0 (the giver) runs
    /// `giver` and its bundle stays on a stick; the county transfers the case to station 1
    /// (the taker), which receives it without the stick's changes and, later by the clock,
    /// runs `taker`. Returns both bundles, neither merged yet: the caller picks the order.
    func transferRace(_ county: County, household: String, name: String,
                      giver: () throws -> Void, taker: () throws -> Void) throws -> (late: String, taker: String) {
        clock.advance(by: 60_000)
        try giver()
        let late = try county.stations[0].export(to: folder.sub("\(name)-late.fsb")).path
        clock.advance(by: 60_000)
        try county.hub.transfer(household: household, to: county.stations[1].identity.township!)
        try county.deliverReturnBundles(via: folder.sub("\(name)-transfer"))
        XCTAssertNil(try county.stations[0].replica.row(table: "household", rowID: household), "the giver let the case go")
        clock.advance(by: 60_000)
        try taker()
        return (late, try county.stations[1].export(to: folder.sub("\(name)-taker.fsb")).path)
    }

    /// A temporary-assistance application within township authority, at station `s`, of
    /// `household` (a new one when nil).
    func application(_ county: County, _ s: Int, household: String? = nil) throws -> String {
        let station = county.stations[s]
        let household = try household ?? addHouseholds(station, count: 1)[0]
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
        for replica in [county.hub.replica, county.stations[0].replica] {
            XCTAssertEqual(try status(replica, a), .text("approved"))
            XCTAssertEqual(try replica.row(table: "application", rowID: a)?["decided_by"], .text("county"))
        }
        let review = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == a && $0.column == "status" }
        XCTAssertEqual(review.map(\.kind), [.overruled])
        XCTAssertEqual(review.first?.winner.value, .text("approved"))
        XCTAssertEqual(review.first?.loser.value, .text("checking"))
        XCTAssertEqual(review.first?.loser.version.site, county.stations[0].identity.site)
        try county.syncUntilQuiet(stick: folder.sub("quiet")) // the hub learns the station's feed position
        try assertEachStationMatchesTheHubForItsTownship(county)
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
    /// station, and on a third replica that receives both decisions at once (station 1,
    /// when the case is transferred to it afterwards), whichever clock was ahead.
    func testCountyDecisionTakesPrecedenceOverAConcurrentTownshipDecisionWhateverTheClocks() throws {
        for countyDecidesFirst in [true, false] {
            let county = try makeCounty(stations: 2, at: "county-\(countyDecidesFirst)")
            let h = try addHouseholds(county.stations[0], count: 1)[0]
            let a = try application(county, 0, household: h)
            try up(county, 0)
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
            for replica in [county.hub.replica, county.stations[0].replica] {
                XCTAssertEqual(try status(replica, a), .text("rejected"), "county decided first: \(countyDecidesFirst)")
                XCTAssertEqual(try replica.row(table: "application", rowID: a)?["decided_by"], .text("county"))
            }
            let review = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == a && $0.column == "status" }
            XCTAssertEqual(review.map(\.kind), [countyDecidesFirst ? .overruled : .concurrent])
            XCTAssertEqual(review.first?.winner.value, .text("rejected"))
            XCTAssertEqual(review.first?.loser.value, .text("approved"))
            XCTAssertEqual(review.first?.loser.version.site, county.stations[0].identity.site)
            // The deciding township is told of its status edit: overruled when the county's
            // decision was earlier by the clock (the township's later write lost by rank),
            // under review when it was later (the township's write was the earlier of two).
            let township = Value.text(county.stations[0].identity.township!)
            let notices = try self.notices(county.stations[0].replica).filter { $0["township"] == township && $0["subject_row"] == .text(a) }
            let aboutStatus = notices.filter { $0["subject_column"] == .text("status") }
            XCTAssertEqual(aboutStatus.map { $0["kind"] }, [.text((countyDecidesFirst ? NoticeKind.overruled : .underReview).rawValue)],
                           "county decided first: \(countyDecidesFirst)")
            XCTAssertEqual(aboutStatus.first?["reference"], review.first.map { .text(String($0.id)) })
            let conflictsOfA = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == a }
            XCTAssertEqual(notices.map { $0["reference"] }, conflictsOfA.map { .text(String($0.id)) }, "one notice per field, none twice")
            try county.syncUntilQuiet(stick: folder.sub("quiet-\(countyDecidesFirst)")) // the hub learns the station's feed position
            try assertEachStationMatchesTheHubForItsTownship(county)

            // A third replica: station 1 receives the case's whole history, both decisions in one bundle.
            clock.advance(by: 60_000)
            try county.hub.transfer(household: h, to: county.stations[1].identity.township!)
            try county.syncUntilQuiet(stick: folder.sub("transfer-\(countyDecidesFirst)"))
            XCTAssertNil(try county.stations[0].replica.row(table: "application", rowID: a))
            for replica in [county.hub.replica, county.stations[1].replica] {
                XCTAssertEqual(try status(replica, a), .text("rejected"), "county decided first: \(countyDecidesFirst)")
                XCTAssertEqual(try replica.row(table: "application", rowID: a)?["decided_by"], .text("county"))
            }
            try assertEachStationMatchesTheHubForItsTownship(county)
        }
    }

    /// Every move to a later stage is a plain write: station 1, which received the case
    /// (applications at each earlier stage) by a transfer, moves each forward, and the hub
    /// takes every move with nothing to review.
    func testEveryForwardTransitionOfAnApplicationStatusIsAllowed() throws {
        let county = try makeCounty(stations: 2)
        let household = try addHouseholds(county.stations[0], count: 1)[0]
        let moves = try forwardPairs.map { pair in (pair, try application(county, 0, status: pair.from, household: household)) }
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 60_000)
        try county.hub.transfer(household: household, to: county.stations[1].identity.township!)
        try county.deliverReturnBundles(via: folder.sub("transfer"))
        clock.advance(by: 60_000)
        for (pair, a) in moves {
            XCTAssertEqual(try status(county.stations[1].replica, a), .text(pair.from.rawValue), "received with the case")
            XCTAssertNoThrow(try county.stations[1].record(table: "application", id: a, values: ["status": .text(pair.to.rawValue)]),
                             "\(pair.from) → \(pair.to)")
        }
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        for replica in [county.hub.replica, county.stations[1].replica] {
            for (pair, a) in moves { XCTAssertEqual(try status(replica, a), .text(pair.to.rawValue), "\(pair.from) → \(pair.to)") }
        }
        XCTAssertEqual(try county.hub.replica.conflicts(includeResolved: false), [])
        try assertEachStationMatchesTheHubForItsTownship(county)
    }

    /// A transfer race on every application of one case: station 0 moves each forward and
    /// its bundle stays on a stick; station 1, which received the case by a transfer still
    /// at "received", moves each to an earlier stage later by the clock. The later stage
    /// holds, in both arrival orders at the hub, and each stale write is in the review
    /// queue. (Nothing moves an application to "received", its first stage: only its
    /// creation writes it.)
    func testEveryBackwardTransitionByAStaleWriterIsOverruledInBothArrivalOrders() throws {
        let backward = forwardPairs.filter { $0.from != .received }.map { (later: $0.to, earlier: $0.from) }
        for staleArrivesFirst in [false, true] {
            let county = try makeCounty(stations: 2, at: "county-\(staleArrivesFirst)")
            let household = try addHouseholds(county.stations[0], count: 1)[0]
            let moves = try backward.map { pair in (pair, try application(county, 0, status: .received, household: household)) }
            try county.syncUntilQuiet(stick: folder.sub("s1-\(staleArrivesFirst)"))
            let race = try transferRace(county, household: household, name: "race-\(staleArrivesFirst)", giver: {
                for (pair, a) in moves { try county.stations[0].record(table: "application", id: a, values: ["status": .text(pair.later.rawValue)]) }
            }, taker: {
                for (pair, a) in moves { try county.stations[1].record(table: "application", id: a, values: ["status": .text(pair.earlier.rawValue)]) }
            })
            for bundle in staleArrivesFirst ? [race.taker, race.late] : [race.late, race.taker] { try county.hub.merge(bundleAt: bundle) }
            try county.syncUntilQuiet(stick: folder.sub("s2-\(staleArrivesFirst)"))
            let review = try county.hub.replica.conflicts(includeResolved: false)
            for (pair, a) in moves {
                for replica in [county.hub.replica, county.stations[1].replica] {
                    XCTAssertEqual(try status(replica, a), .text(pair.later.rawValue), "\(pair.later) ← \(pair.earlier)")
                }
                let found = review.filter { $0.rowID == a }
                XCTAssertEqual(found.map(\.kind), [.overruled], "\(pair.later) ← \(pair.earlier)")
                XCTAssertEqual(found.first?.loser.value, .text(pair.earlier.rawValue))
                XCTAssertEqual(found.first?.loser.version.site, county.stations[1].identity.site)
                XCTAssertGreaterThan(try XCTUnwrap(found.first?.loser.version), try XCTUnwrap(found.first?.winner.version),
                                     "the stale write was the later by the clock")
            }
            try assertEachStationMatchesTheHubForItsTownship(county)
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

    /// A transfer race: station 0 changes a household's income (a reviewed field) and its
    /// bundle stays on a stick; station 1 receives the case by a transfer and deletes the
    /// household. Station 0's laptop clock runs ten minutes ahead, so its edit is the later
    /// by the clock. The edit is lost to the delete, and the hub's queue says so, in both
    /// arrival orders.
    func testAnIncomeEditLostToAConcurrentDeleteLandsInTheHubsReviewQueue() throws {
        for editArrivesFirst in [true, false] {
            let county = try makeCounty(stations: 2, offsets: [600_000, 0], at: "county-\(editArrivesFirst)")
            let h = try addHouseholds(county.stations[0], count: 1)[0]
            try county.syncUntilQuiet(stick: folder.sub("s1-\(editArrivesFirst)"))
            let race = try transferRace(county, household: h, name: "race-\(editArrivesFirst)", giver: {
                try county.stations[0].record(table: "household", id: h, values: ["monthly_income": .integer(1350)])
            }, taker: {
                try county.stations[1].delete(table: "household", id: h)
            })
            for bundle in editArrivesFirst ? [race.late, race.taker] : [race.taker, race.late] { try county.hub.merge(bundleAt: bundle) }
            let review = try county.hub.replica.conflicts(includeResolved: false).filter { $0.rowID == h }
            XCTAssertEqual(review.map(\.kind), [.lostToDelete])
            XCTAssertEqual(review.first?.column, "monthly_income")
            XCTAssertEqual(review.first?.winner.value, .null)
            XCTAssertEqual(review.first?.winner.version.site, county.stations[1].identity.site)
            XCTAssertEqual(review.first?.loser.value, .integer(1350))
            XCTAssertEqual(review.first?.loser.version.site, county.stations[0].identity.site)
            XCTAssertGreaterThan(try XCTUnwrap(review.first?.loser.version), try XCTUnwrap(review.first?.winner.version),
                                 "the lost edit was the later by the clock")
            XCTAssertTrue(try county.hub.replica.isDeleted(table: "household", rowID: h))
            let notices = try self.notices(county.hub.replica).filter { $0["kind"] == .text(NoticeKind.overruled.rawValue) }
            XCTAssertEqual(notices.map { $0["township"] }, [.text(county.stations[0].identity.township!)], "to the station that edited")
            XCTAssertEqual(notices.first?["household_id"], .text(h))
            XCTAssertEqual(notices.first?["subject_column"], .text("monthly_income"))
            try county.syncUntilQuiet(stick: folder.sub("s2-\(editArrivesFirst)"))
            try assertEachStationMatchesTheHubForItsTownship(county)
        }
    }
}
