import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Rule S13: a station laptop restored from an older copy, or copied to a second laptop.
/// A restore ends in a repair that loses nothing on either side and never uses an
/// `(origin, sequence)` or a row id twice; two laptops working as one station end in a
/// refusal, never in a merge of both or a silent divergence.
final class RestoredStationTests: SyncTestCase {
    var households = 0
    /// Registers households with addresses unique in the test, returns their addresses.
    @discardableResult
    func register(_ station: Station, _ count: Int) throws -> [String] {
        try (0..<count).map { _ in
            households += 1
            clock.advance(by: 1_000)
            let address = "阳坡村\(households)号"
            try station.record(table: "household", values: ["township": .text(station.identity.township!), "address": .text(address)])
            return address
        }
    }

    var bundles = 0
    func export(_ station: Station) throws -> String {
        bundles += 1
        return try station.export(to: folder.sub("stick/up-\(bundles).fsb")).path
    }

    func returnBundle(_ county: County, for station: Station) throws -> String {
        bundles += 1
        let peer = try XCTUnwrap(county.hub.replica.peer(station.identity.site))
        return try county.hub.returnBundle(for: peer, to: folder.sub("stick/down-\(bundles).fsb")).path
    }

    /// Export, merge, return, import: one trip of the stick.
    func trip(_ county: County, _ station: Station) throws {
        try county.hub.merge(bundleAt: export(station))
        try station.importBundle(at: returnBundle(county, for: station))
    }

    func addresses(_ replica: Replica) throws -> [String] {
        try replica.rowIDs(table: "household", limit: nil).compactMap {
            if case let .text(a)? = try replica.row(table: "household", rowID: $0)?["address"] { return a } else { return nil }
        }.sorted()
    }

    func assertConverged(_ county: County, _ station: Station, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try station.replica.digest(), try hubDigest(county, of: station), "digests differ", file: file, line: line)
        XCTAssertEqual(try station.status().changesOwed, 0, file: file, line: line)
        XCTAssertNil(try station.restoreState(), file: file, line: line)
    }

    /// The hub's digest of what `station` holds: its township's scope (P1).
    func hubDigest(_ county: County, of station: Station) throws -> String {
        try county.hub.replica.digest(township: XCTUnwrap(station.identity.township))
    }

    func testAStationRestoredFromAnOlderCopyIsRepairedAndLosesNothingOnEitherSide() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        let shared = try register(laptop, 2)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "backup")
        let madeAfterBackup = try register(laptop, 3)
        try trip(county, laptop)

        // The laptop is restored from the copy and the caseworker keeps working.
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        let madeAfterRestore = try register(restored, 2)
        // Its bundle reuses numbers the hub holds with other content: refused, nothing applied.
        let before = try county.hub.replica.digest()
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(restored))) { error in
            XCTAssertTrue("\(error)".contains("restored from an older copy"), "\(error)")
            XCTAssertTrue("\(error)".contains("社工站0"), "\(error)")
        }
        XCTAssertEqual(try county.hub.replica.digest(), before)
        // The next return bundle locates where the histories part; the station says so.
        try restored.importBundle(at: returnBundle(county, for: restored))
        let state = try XCTUnwrap(restored.restoreState())
        XCTAssertNotNil(state.agreedThrough)
        XCTAssertTrue(state.notice.contains("station repair"))
        let repair = try restored.repairRestoredCopy()
        XCTAssertEqual(repair.renamedRows, 2, "both households made after the restore get new ids")
        try trip(county, restored)
        try trip(county, restored)
        try trip(county, restored)   // the audit event of the last import (L4)
        try assertConverged(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica), (shared + madeAfterBackup + madeAfterRestore).sorted(), "every household, once each")
        // It holds every change the hub holds of the stations (only this one wrote any) and
        // its feed through the hub's position, one more entry of its vector (P6); the hub
        // knows so. Of the hub's own changes (its audit events) it holds those addressed to
        // its township: its vector counts them up to the first addressed to the other one.
        var expected = try county.hub.replica.vector().entries
        expected[FeedSite.of(hub: county.hub.identity.site, township: restored.identity.township!)] =
            try county.hub.replica.exportSnapshot { try $0.feedPosition() }
        let hubSite = county.hub.identity.site
        XCTAssertLessThan(try restored.replica.vector()[hubSite], expected[hubSite] ?? 0)
        expected[hubSite] = try restored.replica.vector()[hubSite]
        XCTAssertEqual(try restored.replica.vector(), VersionVector(expected))
        XCTAssertEqual(try county.hub.replica.peer(restored.identity.site)?.knownVector, try restored.replica.vector())
        // The other station converges too, and the restored one keeps working normally.
        try trip(county, county.stations[1])
        try register(restored, 1)
        try trip(county, restored)
        try assertConverged(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 8)
    }

    /// A laptop restored from a copy taken before a case was transferred away works on the
    /// case again until it learns of the transfer a second time, and releases it again. The
    /// hub saw the restore (A2), so that second release explains the edits made before it
    /// (P5): they reach the receiving station, and nothing is refused for good.
    func testARestoredStationsEditOfACaseTransferredAwayAfterItsCopyReachesTheReceivingStation() throws {
        let county = try makeCounty()
        let (laptop, taker) = (county.stations[0], county.stations[1])
        _ = try register(laptop, 1)
        let household = try XCTUnwrap(laptop.replica.rowIDs(table: "household", limit: nil).first)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "backup")
        try county.hub.transfer(household: household, to: taker.identity.township!)
        try trip(county, laptop)   // learns of the transfer: lets the case go, releases it
        try trip(county, laptop)   // the release reaches the hub
        XCTAssertNil(try laptop.replica.row(table: "household", rowID: household))

        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        try restored.record(table: "household", id: household, values: ["village": .text("新村")])
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(restored)))   // A2: restored from a copy
        try restored.importBundle(at: returnBundle(county, for: restored))
        _ = try restored.repairRestoredCopy()
        for _ in 0..<3 { try trip(county, restored) }
        try assertConverged(county, restored)
        try trip(county, taker)
        XCTAssertEqual(try taker.replica.row(table: "household", rowID: household)?["village"], .text("新村"))
        XCTAssertEqual(try taker.replica.digest(), try hubDigest(county, of: taker))
    }

    func testACopyTakenBeforeTheStationsFirstChangeIsRepairedToo() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        let copy = try backup(laptop, to: "empty-backup")
        try register(laptop, 2)
        try trip(county, laptop)
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        try register(restored, 2)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(restored)))
        try restored.importBundle(at: returnBundle(county, for: restored))
        XCTAssertEqual(try restored.restoreState()?.agreedThrough, 0, "the histories part at the very first change")
        XCTAssertEqual(try restored.repairRestoredCopy().renamedRows, 2, "every row of the copy gets a new id")
        try trip(county, restored)
        try trip(county, restored)
        try assertConverged(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 4)
    }

    func testARestoredStationThatImportsBeforeExportingIsToldAndRepairedAfterOneTrip() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 1)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "backup")
        try register(laptop, 4)
        try trip(county, laptop)
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        try register(restored, 1)
        // It imports first: the anchor change differs, so it knows something is wrong but not where.
        try restored.importBundle(at: returnBundle(county, for: restored))
        XCTAssertNil(try XCTUnwrap(restored.restoreState()).agreedThrough)
        XCTAssertThrowsError(try restored.repairRestoredCopy()) { XCTAssertTrue("\($0)".contains("export")) }
        // It still owes its work; the hub's copy of its own changes was held back, not taken.
        XCTAssertGreaterThan(try restored.status().changesOwed, 0)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(restored)))
        try restored.importBundle(at: returnBundle(county, for: restored))
        XCTAssertNotNil(try restored.restoreState()?.agreedThrough)
        try restored.repairRestoredCopy()
        try trip(county, restored)
        try trip(county, restored)
        try assertConverged(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 6)
    }

    func testARestoredStationWithNoNewWorkTakesBackItsOwnChangesWithoutARepair() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 2)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "backup")
        try register(laptop, 2)
        try trip(county, laptop)
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        try restored.importBundle(at: returnBundle(county, for: restored))
        // Its bundle carries nothing new; the hub now knows what it lacks and sends it.
        try trip(county, restored)
        try trip(county, restored)
        try assertConverged(county, restored)
        XCTAssertEqual(try addresses(restored.replica).count, 4)
        // New rows never take the id of a row made before the restore.
        try register(restored, 1)
        try trip(county, restored)
        try assertConverged(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 5)
    }

    func testTwoLaptopsWorkingAsOneStationAreRefusedNotMerged() throws {
        let county = try makeCounty()
        let first = county.stations[0]
        try register(first, 1)
        try trip(county, first)
        let second = try Station.open(at: try backup(first, to: "second-laptop"), wallClock: clock.wallClock())
        try register(first, 2)
        try register(second, 2)
        try trip(county, first)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(second)))
        try second.importBundle(at: returnBundle(county, for: second))
        XCTAssertTrue(try XCTUnwrap(second.restoreState()).notice.contains("another laptop"))
        // Nobody repairs; both keep working. The first laptop syncs as usual, the second is refused every time.
        try register(first, 1)
        try register(second, 1)
        try trip(county, first)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(second)))
        try assertConverged(county, first)
        XCTAssertEqual(try addresses(county.hub.replica).count, 4, "nothing of the second laptop was merged")
    }

    func testASecondLaptopThatWasRepairedAsIfRestoredIsRefusedForGoodOnceTheFirstSpeaksAgain() throws {
        let county = try makeCounty()
        let first = county.stations[0]
        try register(first, 1)
        try trip(county, first)
        let second = try Station.open(at: try backup(first, to: "second-laptop"), wallClock: clock.wallClock())
        try register(first, 1)
        try register(second, 1)
        try trip(county, first)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(second)))
        try second.importBundle(at: returnBundle(county, for: second))
        try second.repairRestoredCopy()   // wrongly taken for a restore
        try trip(county, second)
        // The first laptop, still working, now parts from the hub's history after the repair point.
        try register(first, 1)
        let before = try county.hub.replica.digest()
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(first))) { error in
            XCTAssertTrue("\(error)".contains("two laptops"), "\(error)")
        }
        XCTAssertThrowsError(try county.hub.merge(bundleAt: export(first)))
        XCTAssertEqual(try county.hub.replica.digest(), before)
    }

    /// Follows the README's way out as far as it goes: export (refused), import, repair, trips.
    func recover(_ county: County, _ station: Station) throws -> [String] {
        var log: [String] = []
        for round in 0..<4 {
            do { try county.hub.merge(bundleAt: export(station)); log.append("r\(round) merge ok") }
            catch { log.append("r\(round) merge refused: \(error)") }
            try station.importBundle(at: returnBundle(county, for: station))
            if let state = try station.restoreState() {
                log.append("r\(round) restoreState agreed=\(String(describing: state.agreedThrough))")
                do { _ = try station.repairRestoredCopy(); log.append("r\(round) repaired") }
                catch { log.append("r\(round) repair refused: \(error)") }
            }
        }
        return log
    }

    /// Restored once (repaired, fine), then restored again from a copy taken after the first repair.
    func testAStationRestoredTwiceIsRepairedTwiceAndLosesNothing() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 1)
        try trip(county, laptop)
        let copy1 = try backup(laptop, to: "backup1")
        try register(laptop, 2)
        try trip(county, laptop)
        let restored = try Station.open(at: copy1, wallClock: clock.wallClock())
        try register(restored, 1)
        _ = try recover(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 4)
        // A second backup, more work synced, and the second backup put back.
        let copy2 = try backup(restored, to: "backup2")
        try register(restored, 2)
        try trip(county, restored)
        let again = try Station.open(at: copy2, wallClock: clock.wallClock())
        try register(again, 1)
        _ = try recover(county, again)
        XCTAssertEqual(try addresses(county.hub.replica).count, 7, "the household made after the second restore reaches the hub")
        XCTAssertEqual(try again.replica.digest(), try hubDigest(county, of: again))
        XCTAssertNil(try again.restoreState())
    }

    /// A stick exported before the restore (its work exists only on that stick) delivered after the restored laptop synced.
    func testAStickFromBeforeTheRestoreDeliveredLateIsTakenBackAtTheStation() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 1)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "backup")
        try register(laptop, 2)
        let lateStick = try export(laptop)          // stays in a drawer
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        try register(restored, 1)
        try trip(county, restored)                   // new numbers for the hub: merged
        var late = "merged"
        do { try county.hub.merge(bundleAt: lateStick) } catch { late = "\(error)" }
        XCTAssertTrue(late.contains("import it at the station"), late)
        // The caseworker imports the stick at the station: its work is taken back as new changes.
        let taken = try restored.recoverOwnExport(at: lateStick)
        XCTAssertEqual(taken.renamedRows, 2)
        XCTAssertEqual(try restored.recoverOwnExport(at: lateStick).recovered, 0, "taking it back twice takes nothing")
        _ = try recover(county, restored)
        try register(restored, 1)
        _ = try recover(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 5, "the late stick's two households and the restored laptop's two")
        XCTAssertEqual(try restored.replica.digest(), try hubDigest(county, of: restored))
    }

    /// A bundle exported after the restore but before the repair, delivered after the repair, then a second restore.
    func testAStickFromBeforeTheRepairDeliveredLateChangesNothingAndWorkContinues() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 1)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "backup")
        try register(laptop, 2)
        try trip(county, laptop)
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        try register(restored, 1)
        let preRepair = try export(restored)
        _ = try recover(county, restored)
        // The copy's own bundle from before its repair: already taken, under new numbers.
        XCTAssertThrowsError(try county.hub.merge(bundleAt: preRepair))
        try register(restored, 1)
        _ = try recover(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 5)
        XCTAssertEqual(try restored.replica.digest(), try hubDigest(county, of: restored))
        XCTAssertNil(try restored.restoreState())
    }
}
