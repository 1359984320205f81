import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import XCTest

/// A laptop whose date ran ahead, and the way out (`station clock --repair`, rule M5).
final class ClockRepairTests: SyncTestCase {
    private let year: Int64 = 365 * 24 * 3_600_000

    /// A station wall-clock offset a test can change: the laptop's date going wrong and
    /// being corrected. `@unchecked Sendable`: `offset` is only touched under `lock`.
    final class Offset: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int64 = 0
        var offset: Int64 {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    private func county(_ offset: Offset) -> County? {
        try? County.create(at: folder.sub("county"), hubName: "湟中区民政局",
                           stations: [.init(name: "鲁沙尔镇社工站", township: "630106100"), .init(name: "田家寨镇社工站", township: "630106101")],
                           wallClock: clock.wallClock(),
                           stationClocks: [{ [clock] in UInt64(Int64(clock!.now) + offset.offset) }, clock.wallClock()])
    }

    func testStationAYearAheadIsRefusedRepairedAndConvergesWithoutItsFutureStampsWinning() throws {
        let offset = Offset()
        let county = try XCTUnwrap(county(offset))
        let (fast, other, hub) = (county.stations[0], county.stations[1], county.hub)
        let ids = try addHouseholds(fast, count: 3)
        try county.syncUntilQuiet(stick: folder.sub("s1"))

        // The laptop's date jumps a year ahead; the caseworker keeps working.
        offset.offset = year
        try fast.record(table: "household", id: ids[0], values: ["address": .text("未来地址"), "monthly_income": .integer(999)])
        let added = try addHouseholds(fast, count: 2)
        try fast.delete(table: "household", id: ids[1])
        let early = try fast.export(to: folder.sub("early.fsb"))
        let hubBefore = try snapshot(hub.replica)
        XCTAssertThrowsError(try hub.merge(bundleAt: early.path)) { error in
            guard case let .clockAhead(name, township, _, _) = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "鲁沙尔镇社工站")
            XCTAssertEqual(township, "630106100")
        }
        XCTAssertEqual(try snapshot(hub.replica), hubBefore)
        let skew = try XCTUnwrap(hub.status().peers.first { $0.peer.site == fast.identity.site }?.largestClockSkew)
        XCTAssertGreaterThan(skew.millis, year - 3_600_000)
        let otherSkew = try XCTUnwrap(hub.status().peers.first { $0.peer.site == other.identity.site }?.largestClockSkew)
        XCTAssertLessThan(otherSkew.millis.magnitude, 60_000)

        // Stays refused after the date is corrected: the replica clock is a year ahead.
        try county.deliverReturnBundles(via: folder.sub("back1"))
        offset.offset = 0
        clock.advance(by: 60_000)
        XCTAssertThrowsError(try hub.merge(bundleAt: try fast.export(to: folder.sub("still.fsb")).path))
        let report = try fast.clockReport()
        XCTAssertEqual(report.verdict, .repairNeeded)
        XCTAssertEqual(report.owedInFuture, report.owedChanges)
        XCTAssertEqual(report.owedInFuture, 2 + 2 * 9 + 1)
        XCTAssertGreaterThan(report.replicaMinusWallMillis, year - 3_600_000)
        XCTAssertNotNil(fast.clockWarning(dir: fast.folder.path))

        let repair = try fast.repairClock()
        XCTAssertEqual(repair.restamped, report.owedInFuture)
        let after = try fast.clockReport()
        XCTAssertEqual(after.verdict, .ok)
        XCTAssertEqual(after.owedChanges, report.owedChanges)
        XCTAssertEqual(after.owedInFuture, 0)
        XCTAssertLessThanOrEqual(after.replicaClock.millis, clock.now)
        XCTAssertNil(fast.clockWarning(dir: fast.folder.path))

        // A real edit made later elsewhere wins over the re-stamped one: at the hub, since
        // only the fast station and the county write this township's case (P1).
        clock.advance(by: 60_000)
        try hub.replica.write(table: "household", rowID: ids[0], values: ["address": .text("后来的地址")])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        try assertEachStationMatchesTheHubForItsTownship(county)
        XCTAssertEqual(try fast.replica.row(table: "household", rowID: ids[0])?["address"], .text("后来的地址"))
        XCTAssertEqual(try hub.replica.row(table: "household", rowID: ids[0])?["address"], .text("后来的地址"))
        XCTAssertEqual(try hub.replica.row(table: "household", rowID: ids[0])?["monthly_income"], .integer(999))
        XCTAssertNil(try hub.replica.row(table: "household", rowID: ids[1]))
        for id in added { XCTAssertNotNil(try hub.replica.row(table: "household", rowID: id)) }

        // The stick from before the repair, delivered late, is refused and changes nothing.
        let hubNow = try snapshot(hub.replica)
        XCTAssertThrowsError(try hub.merge(bundleAt: early.path))
        XCTAssertEqual(try snapshot(hub.replica), hubNow)
    }

    func testRepairIsRefusedWhileTheWallClockStillLooksWrongAndChangesNothing() throws {
        let offset = Offset()
        let county = try XCTUnwrap(county(offset))
        let fast = county.stations[0]
        try addHouseholds(fast, count: 1)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        offset.offset = year
        try addHouseholds(fast, count: 1)
        let before = try snapshot(fast.replica)
        XCTAssertEqual(try fast.clockReport().verdict, .wallClockLooksWrong)
        XCTAssertThrowsError(try fast.repairClock()) { error in
            guard case .clockRepairRefused(.wallClockLooksWrong) = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("看来仍不正确"), "\(error)")
            XCTAssertTrue("\(error)".contains("still looks wrong"), "\(error)")
        }
        XCTAssertEqual(try snapshot(fast.replica), before)
        XCTAssertEqual(try fast.replica.lastStamp().millis, clock.now + UInt64(year))
    }

    func testAcknowledgedChangesAheadOfTheClockAreNotRecalledAndTheClockStaysAboveThem() throws {
        let offset = Offset()
        let county = try XCTUnwrap(county(offset))
        let fast = county.stations[0]
        offset.offset = 23 * 3_600_000                         // within the hub's bound: accepted
        try addHouseholds(fast, count: 1)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        offset.offset = 0
        let report = try fast.clockReport()
        XCTAssertEqual(report.owedChanges, 0)
        XCTAssertEqual(report.acknowledgedInFuture, 9)
        XCTAssertTrue(report.advice(dir: "st").joined().contains("cannot be recalled"))
        let last = try fast.replica.lastStamp()
        let repair = try fast.repairClock()
        XCTAssertEqual(repair.restamped, 0)
        XCTAssertEqual(try fast.replica.lastStamp(), last)
    }

    func testRefusalsNameTheSenderByNameAndTownshipNotBySiteID() throws {
        let county = try makeCounty(stations: 2)
        let (station, hub) = (county.stations[0], county.hub)
        try addHouseholds(station, count: 1)
        let bundle = try station.export(to: folder.sub("up.fsb"))
        var peer = try XCTUnwrap(hub.replica.peer(station.identity.site))
        peer.revokedAtMillis = clock.now
        try hub.replica.savePeer(peer)
        XCTAssertThrowsError(try hub.merge(bundleAt: bundle.path)) { error in
            guard case .revokedSigner = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("社工站0 (township 630106100)"), "\(error)")
            XCTAssertFalse("\(error)".contains(station.identity.site.short), "\(error)")
        }
        try addHouseholds(county.stations[1], count: 1)
        try hub.merge(bundleAt: county.stations[1].export(to: folder.sub("up1.fsb")).path)
        let other = try hub.returnBundle(for: XCTUnwrap(hub.replica.peer(county.stations[1].identity.site)), to: folder.sub("down.fsb"))
        XCTAssertThrowsError(try station.importBundle(at: other.path)) { error in
            guard case .notAddressedToUs = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("signed by 湟中区民政局"), "\(error)")
        }
    }

    func testRepairWithoutAnyTimeFromTheHubIsRefusedAndChangesNothing() throws {
        let offset = Offset()
        let county = try XCTUnwrap(county(offset))
        let fast = county.stations[0]
        offset.offset = year
        try addHouseholds(fast, count: 1)
        offset.offset = 0
        XCTAssertEqual(try fast.clockReport().verdict, .noHubTime)
        let before = try snapshot(fast.replica)
        XCTAssertThrowsError(try fast.repairClock()) { error in
            guard case .clockRepairRefused(.noHubTime) = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("Import a return bundle from the hub first"), "\(error)")
        }
        XCTAssertEqual(try snapshot(fast.replica), before)
    }
}
