import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// A county hub whose folder is lost and restored from a copy taken a little earlier
/// (protocol §4d): the stations hold county acts the restored hub no longer has.
final class HubRestoreTests: TrustTestCase {
    /// The county after the hub's loss: `restored` is the hub reopened from the copy;
    /// `lost` the hub's own change numbers written after the copy, which the stations hold.
    struct Restored {
        let county: County
        let restored: Hub
        let heldAtCopy: UInt64
        let lostThrough: UInt64
        let lostNotices: [String]
    }

    func notice(for station: Station, _ words: String) -> NoticeDraft {
        NoticeDraft(township: station.identity.township!, household: nil, kind: .resolved,
                    detailZh: "县级中心已处理\(words)", detailEn: "the county handled \(words)", reference: nil)
    }

    /// Two stations synced; the hub folder copied; the hub then posts a notice to each
    /// station, which both import; the hub folder is then restored from the copy.
    func restoredCounty() throws -> Restored {
        let county = try makeCounty(stations: 2)
        for station in county.stations {
            try register(station, 1)
            try trip(county, station)
        }
        let copy = folder.sub("hub-backup")
        try FileManager.default.copyItem(atPath: county.hub.folder.path, toPath: copy)
        let site = county.hub.identity.site
        let heldAtCopy = try county.hub.replica.highestLogged(origin: site)
        clock.advance(by: 60_000)
        let lostNotices = try county.stations.map { try county.hub.postNotice(notice(for: $0, "lost")) }
        for station in county.stations { try station.importBundle(at: returnBundle(county.hub, for: station)) }
        let lostThrough = try county.hub.replica.highestLogged(origin: site)
        XCTAssertGreaterThan(lostThrough, heldAtCopy)
        clock.advance(by: 60_000)
        let restored = try Hub.open(at: copy, wallClock: clock.wallClock())
        XCTAssertEqual(try restored.replica.highestLogged(origin: site), heldAtCopy)
        return Restored(county: county, restored: restored, heldAtCopy: heldAtCopy, lostThrough: lostThrough, lostNotices: lostNotices)
    }

    func notices(at station: Station) throws -> Set<String> { Set(try station.replica.rowIDs(table: "notice", limit: nil)) }

    func testAStationRefusesARestoredHubsActThatReusesANumberItHoldsNamingTheHubAndChangingNothing() throws {
        let setup = try restoredCounty()
        let station = setup.county.stations[0]
        try setup.restored.postNotice(notice(for: station, "again"))
        let before = try snapshot(station.replica)
        let down = try returnBundle(setup.restored, for: station)
        XCTAssertThrowsError(try station.importBundle(at: down)) { error in
            guard case let .hubReusedNumber(hub, sequence, _)? = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual(hub, setup.restored.identity.name)
            XCTAssertEqual(sequence, setup.heldAtCopy + 1)
            XCTAssertTrue("\(error)".contains("县级中心") && "\(error)".contains("restored from an older backup"), "\(error)")
        }
        XCTAssertEqual(try snapshot(station.replica), before, "nothing of the bundle applied")
    }

    func testARestoredHubFoundByAStationsBundleHoldsItsOwnWritesUntilTheOthersReportedThenNumbersPastThemAndTellsWhatItLost() throws {
        let setup = try restoredCounty()
        let (hub, station, other) = (setup.restored, setup.county.stations[0], setup.county.stations[1])
        try register(station, 1)
        try hub.merge(bundleAt: station.export(to: stick("up")).path)
        XCTAssertEqual(try hub.lostOwnNumbers(), LostOwnNumbers(low: setup.heldAtCopy + 1, high: setup.lostThrough))
        XCTAssertEqual(try hub.restoreState().awaited.map(\.site), [other.identity.site], "the other station may hold more")
        XCTAssertThrowsError(try hub.postNotice(notice(for: station, "too early"))) { error in
            XCTAssertTrue("\(error)".contains("restored from a backup"), "\(error)")
        }
        try register(other, 1)
        try hub.merge(bundleAt: other.export(to: stick("up")).path)
        XCTAssertEqual(try hub.restoreState().awaited, [])
        XCTAssertGreaterThan(try hub.replica.ownChanges(after: setup.heldAtCopy).map(\.sequence).min() ?? .max, setup.lostThrough,
                             "the merge's own changes are numbered past the lost ones")

        let again = try hub.postNotice(notice(for: station, "again"))
        XCTAssertFalse(setup.lostNotices.contains(again), "a new row id, not a lost act's")
        try station.importBundle(at: returnBundle(hub, for: station))
        try other.importBundle(at: returnBundle(hub, for: other))
        XCTAssertTrue(try notices(at: station).isSuperset(of: [again, setup.lostNotices[0]]))
        XCTAssertTrue(try notices(at: other).contains(setup.lostNotices[1]))
        // The lost acts stay at the stations that received them: the hub does not get them
        // back (A1), and tells their numbers (above).
        XCTAssertTrue(Set(try hub.replica.rowIDs(table: "notice", limit: nil)).isDisjoint(with: setup.lostNotices))
    }

    func testADeclaredRestoredHubWritesNothingUntilEveryStationReportedThenNumbersPastThemAllAndEveryReturnBundleIsTaken() throws {
        let setup = try restoredCounty()
        let (hub, first, second) = (setup.restored, setup.county.stations[0], setup.county.stations[1])
        XCTAssertEqual(Set(try hub.declareRestored().awaited.map(\.site)), [first.identity.site, second.identity.site])
        XCTAssertThrowsError(try hub.postNotice(notice(for: first, "too early"))) { error in
            XCTAssertTrue("\(error)".contains("restored from a backup") && "\(error)".contains("备份"), "\(error)")
        }
        try register(first, 1)
        try hub.merge(bundleAt: first.export(to: stick("up")).path)
        XCTAssertEqual(try hub.restoreState().awaited.map(\.site), [second.identity.site])
        XCTAssertThrowsError(try hub.postNotice(notice(for: second, "still too early")))
        XCTAssertEqual(try hub.replica.highestLogged(origin: hub.identity.site), setup.heldAtCopy, "the merge recorded no event of its own")

        try hub.merge(bundleAt: second.export(to: stick("up")).path)
        let state = try hub.restoreState()
        XCTAssertEqual(state.awaited, [])
        XCTAssertEqual(state.lost, LostOwnNumbers(low: setup.heldAtCopy + 1, high: setup.lostThrough))
        let again = try setup.county.stations.map { try hub.postNotice(notice(for: $0, "again")) }
        XCTAssertGreaterThan(try hub.replica.ownChanges(after: setup.heldAtCopy).map(\.sequence).min() ?? 0, setup.lostThrough)
        for (i, station) in [first, second].enumerated() {
            try station.importBundle(at: returnBundle(hub, for: station))
            XCTAssertTrue(try notices(at: station).isSuperset(of: [again[i], setup.lostNotices[i]]), "\(i)")
            XCTAssertNil(try station.restoreState())
        }
        // Another round: nothing refused, nothing reused.
        for station in [first, second] { try trip(County(root: setup.county.root, hub: hub, stations: setup.county.stations), station) }
    }

    func testReleasingTheHoldLetsTheRestoredHubWriteBeforeAStationThatWillNotReport() throws {
        let setup = try restoredCounty()
        let hub = setup.restored
        try hub.declareRestored()
        XCTAssertEqual(try hub.releaseRestoreHold().awaited, [])
        XCTAssertNoThrow(try hub.postNotice(notice(for: setup.county.stations[0], "released")))
    }

    /// A laptop stolen while the restored hub waits for its stations is cut off at once:
    /// the key registry numbers nothing a station holds; only the audit event waits.
    func testARevocationTakesEffectWhileTheRestoredHubHoldsItsOwnWrites() throws {
        let setup = try restoredCounty()
        let (hub, lost) = (setup.restored, setup.county.stations[0])
        try hub.declareRestored()
        let revocation = try hub.revoke(station: lost.identity.township!, reason: "stolen")
        XCTAssertTrue(revocation.newlyRevoked)
        XCTAssertTrue(revocation.auditEventWithheld)
        XCTAssertTrue(revocation.summary.contains("not in the audit log"), revocation.summary)
        XCTAssertEqual(try hub.replica.highestLogged(origin: hub.identity.site), setup.heldAtCopy, "no change of the hub's own")
        try register(lost, 1)
        XCTAssertThrowsError(try hub.merge(bundleAt: lost.export(to: stick("up")).path)) { error in
            guard case .trust(.quarantined)? = error as? SyncError else { return XCTFail("\(error)") }
        }
    }
}
