import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Each merge policy, hand-written, through real stations, bundles and the hub.
final class MergePolicyTests: SyncTestCase {
    /// Each station holds only its own township's cases (P1), so the two concurrent writers
    /// of one case are the station that holds it and the county, which writes case data at
    /// the hub; `other` is a station that never holds the case.
    func testDeleteRacingEditConvergesToDeletedEverywhere() throws {
        let county = try makeCounty(stations: 2)
        let (holder, other) = (county.stations[0], county.stations[1])
        let id = try addHouseholds(holder, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 1_000)
        try holder.record(table: "household", id: id, values: ["address": .text("新地址")])
        clock.advance(by: 1_000)
        try county.hub.replica.delete(table: "household", rowID: id)
        clock.advance(by: 1_000)
        // The edit is later than the delete, and still loses: deletes win in every order.
        try holder.record(table: "household", id: id, values: ["village": .text("西山村")])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        for replica in [county.hub.replica, holder.replica] {
            XCTAssertNil(try replica.row(table: "household", rowID: id))
            XCTAssertTrue(try replica.isDeleted(table: "household", rowID: id))
        }
        XCTAssertNil(try other.replica.row(table: "household", rowID: id), "never held by another township's station")
        try assertEachStationMatchesTheHubForItsTownship(county)
    }

    func testConcurrentIncomeEditsConvergeAndLandInTheHubsConflictQueue() throws {
        let county = try makeCounty(stations: 2)
        let holder = county.stations[0]
        let id = try addHouseholds(holder, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 1_000)
        try holder.record(table: "household", id: id, values: ["monthly_income": .integer(1350)])
        clock.advance(by: 1_000)
        try county.hub.replica.write(table: "household", rowID: id, values: ["monthly_income": .integer(980)])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        for replica in [county.hub.replica, holder.replica] {
            XCTAssertEqual(try replica.row(table: "household", rowID: id)?["monthly_income"], .integer(980), "the later edit wins")
        }
        let conflicts = try county.hub.replica.conflicts(includeResolved: false)
        XCTAssertEqual(conflicts.count, 1)
        XCTAssertEqual(conflicts.first?.column, "monthly_income")
        XCTAssertEqual(Set(conflicts.flatMap { [$0.winner.value, $0.loser.value] }), [.integer(1350), .integer(980)])
        try assertEachStationMatchesTheHubForItsTownship(county)
    }

    func testSequentialEditsOfAReviewedFieldAreNotConflicts() throws {
        let county = try makeCounty(stations: 2)
        let holder = county.stations[0]
        let id = try addHouseholds(holder, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try county.hub.replica.write(table: "household", rowID: id, values: ["monthly_income": .integer(1500)])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        try holder.record(table: "household", id: id, values: ["monthly_income": .integer(1600)])
        try county.syncUntilQuiet(stick: folder.sub("s3"))
        try county.hub.replica.write(table: "household", rowID: id, values: ["monthly_income": .integer(1700)])
        try county.syncUntilQuiet(stick: folder.sub("s4"))
        XCTAssertEqual(try holder.replica.row(table: "household", rowID: id)?["monthly_income"], .integer(1700))
        XCTAssertEqual(try county.hub.replica.conflicts(includeResolved: true).count, 0)
    }

    /// Two stations write visits to one case only across a transfer: the giving station's
    /// visit, made before it learned of the transfer, races the receiving station's.
    func testVisitsFromTwoStationsMergeAsAUnionAndCannotBeEdited() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let id = try addHouseholds(giver, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let v0 = try giver.record(table: "visit", values: ["household_id": .text(id), "note": .text("入户")]).rowID
        let late = try giver.export(to: folder.sub("late.fsb"))   // still in the caseworker's bag
        try county.hub.transfer(household: id, to: taker.identity.township!, note: "迁居")
        try county.deliverReturnBundles(via: folder.sub("d1"))
        let v1 = try taker.record(table: "visit", values: ["household_id": .text(id), "note": .text("电话回访")]).rowID
        try county.hub.merge(bundleAt: late.path)
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        for replica in [county.hub.replica, taker.replica] {
            XCTAssertEqual(Set(try replica.rowIDs(table: "visit", limit: nil)), [v0, v1])
        }
        XCTAssertEqual(try giver.replica.rowIDs(table: "visit", limit: nil), [], "the case left with its visits")
        // Refused because a visit is append-only, though the case is the taker's own now.
        XCTAssertThrowsError(try taker.record(table: "visit", id: v0, values: ["note": .text("改")])) { error in
            guard case .store(.appendOnlyRowCannotChange) = error as? SyncError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try taker.delete(table: "visit", id: v0)) { error in
            guard case .store(.appendOnlyDelete) = error as? SyncError else { return XCTFail("\(error)") }
        }
        try assertEachStationMatchesTheHubForItsTownship(county)
    }

    func testStampFarInTheFutureIsRefusedAndNamesTheStation() throws {
        let day: Int64 = 24 * 3_600_000
        let county = try makeCounty(stations: 1, offsets: [day + 60_000])   // a laptop a day and a minute ahead
        try addHouseholds(county.stations[0], count: 2)
        let bundle = try county.stations[0].export(to: folder.sub("up.fsb"))
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: bundle.path)) { error in
            guard case let .clockAhead(name, township, _, .remoteStampTooFarAhead(site, _, _, _)) = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual(site, county.stations[0].identity.site)
            XCTAssertEqual(name, "社工站0")
            XCTAssertEqual(township, "630106100")
            // Named by name and township, as an operator knows it, not by a site-id prefix.
            XCTAssertTrue("\(error)".contains("社工站0"), "\(error)")
            XCTAssertTrue("\(error)".contains("630106100"), "\(error)")
            XCTAssertFalse("\(error)".contains(county.stations[0].identity.site.short), "\(error)")
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before)
    }

    /// The fast station holds the case; the county registers it and edits it at the hub,
    /// whose clock is right, so nothing but the station's fast clock decides who wins.
    func testStampWithinTheBoundIsAcceptedAndMergeStaysDeterministic() throws {
        let county = try makeCounty(stations: 2, offsets: [23 * 3_600_000, 0])   // 23 hours ahead: allowed
        let fast = county.stations[0]
        let id = "\(county.hub.identity.site.short)-000001"
        try county.hub.replica.write(table: "household", rowID: id, values: [
            "township": .text(fast.identity.township!), "address": .text("阳坡村1号"), "hukou": .text("rural")])
        try county.deliverReturnBundles(via: folder.sub("d1"))
        try fast.record(table: "household", id: id, values: ["address": .text("A")])
        clock.advance(by: 60_000)
        try county.hub.replica.write(table: "household", rowID: id, values: ["address": .text("B")])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        // The fast clock wins over an edit made a minute later (it is within the bound), and
        // it does so everywhere.
        for replica in [county.hub.replica, fast.replica] {
            XCTAssertEqual(try replica.row(table: "household", rowID: id)?["address"], .text("A"))
        }
        try assertEachStationMatchesTheHubForItsTownship(county)
    }

    func testHubRestoredFromBackupIsSentEverythingAgain() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        try addHouseholds(station, count: 3)
        let backup = folder.sub("hub-backup")
        try FileManager.default.copyItem(atPath: county.hub.folder.path, toPath: backup)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertEqual(try station.status().changesOwed, 0)
        // The hub's disk dies; it is restored from the backup taken before it merged anything.
        let restored = try Hub.open(at: backup, wallClock: clock.wallClock())
        clock.advance(by: 10_000)
        try addHouseholds(station, count: 1)
        let up = try station.export(to: folder.sub("after-restore.fsb"))
        try restored.merge(bundleAt: up.path)
        // The hub holds the new changes but not the old ones: the acknowledgement stops at the gap.
        XCTAssertEqual(try restored.replica.vector()[station.identity.site], 0)
        clock.advance(by: 10_000)
        let back = try restored.exportReturnBundles(to: folder.sub("down"))
        try station.importBundle(at: back[0].path)
        XCTAssertEqual(try station.status().changesOwed, try station.replica.changeCount(since: .empty, only: station.identity.site),
                       "everything of its own is owed again")
        clock.advance(by: 10_000)
        try restored.merge(bundleAt: station.export(to: folder.sub("resend.fsb")).path)
        XCTAssertEqual(try restored.replica.digest(), try station.replica.digest())
    }
}
