import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// restore scenarios beyond the single restore the S13 tests cover.
final class RestoreEdgeCaseTests: SyncTestCase {
    func backup(_ station: Station, to name: String) throws -> String {
        let target = folder.sub(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: station.folder.path) {
            try FileManager.default.copyItem(atPath: (station.folder.path as NSString).appendingPathComponent(file),
                                             toPath: (target as NSString).appendingPathComponent(file))
        }
        return target
    }
    var households = 0
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
    func trip(_ county: County, _ station: Station) throws {
        try county.hub.merge(bundleAt: export(station))
        try station.importBundle(at: returnBundle(county, for: station))
    }
    func addresses(_ replica: Replica) throws -> [String] {
        try replica.rowIDs(table: "household", limit: nil).compactMap {
            if case let .text(a)? = try replica.row(table: "household", rowID: $0)?["address"] { return a } else { return nil }
        }.sorted()
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
        XCTAssertEqual(try again.replica.digest(), try county.hub.replica.digest())
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
        XCTAssertEqual(try restored.replica.digest(), try county.hub.replica.digest())
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
        var late = "merged"
        do { try county.hub.merge(bundleAt: preRepair) } catch { late = "\(error)" }
        try register(restored, 1)
        _ = try recover(county, restored)
        XCTAssertEqual(try addresses(county.hub.replica).count, 5)
        XCTAssertEqual(try restored.replica.digest(), try county.hub.replica.digest())
        XCTAssertNil(try restored.restoreState())
    }
}
