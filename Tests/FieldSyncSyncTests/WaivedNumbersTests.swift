import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Rule K8: numbers a lost laptop used but the hub never received are waived once no stick
/// of it waits in quarantine, so the replacement laptop's work is acknowledged and both
/// sides settle; a late stick carrying waived numbers is refused on accept, never skipped.
final class WaivedNumbersTests: TrustTestCase {
    /// Export, merge at `hub`, return, import: how many changes went up and came down.
    @discardableResult
    func round(_ hub: Hub, _ station: Station) throws -> (up: Int, down: Int) {
        let up = try station.export(to: stick("up"))
        try hub.merge(bundleAt: up.path)
        let peer = try XCTUnwrap(hub.replica.peer(station.identity.site))
        let down = try hub.returnBundle(for: peer, to: stick("down"))
        try station.importBundle(at: down.path)
        return (up.header.totalChanges, down.header.totalChanges)
    }

    func account(_ hub: Hub, _ station: Station) throws -> PeerStatus {
        try XCTUnwrap(hub.status().peers.first { $0.peer.site == station.identity.site })
    }

    /// Both sides settled: nothing owed either way, and two more rounds carry the same (no growth).
    /// One round first carries the laptop's audit event of its last import up (rule L4:
    /// an import that applied casework writes one event; syncing events writes none).
    func assertSettled(_ hub: Hub, _ laptop: Station, file: StaticString = #filePath, line: UInt = #line) throws {
        let site = laptop.identity.site
        try round(hub, laptop)
        XCTAssertGreaterThanOrEqual(try hub.replica.vector()[site], try hub.replica.highestLogged(origin: site), "the hub's vector passes the gap",
                                    file: file, line: line)
        XCTAssertEqual(try laptop.replica.vector()[site], try hub.replica.vector()[site], "the laptop's too", file: file, line: line)
        XCTAssertEqual(try laptop.status().changesOwed, 0, "the station owes nothing", file: file, line: line)
        XCTAssertEqual(try account(hub, laptop).overview?.changesStillOwed, 0, "the hub is owed nothing", file: file, line: line)
        let next = try round(hub, laptop), after = try round(hub, laptop)
        XCTAssertEqual(next.up, 0, "nothing re-sent", file: file, line: line)
        XCTAssertEqual(next.down, after.down, "return bundles stop growing", file: file, line: line)
        XCTAssertLessThanOrEqual(after.down, 1, "only the anchor comes back", file: file, line: line)
        XCTAssertEqual(try laptop.replica.digest(), try hub.replica.digest(township: laptop.identity.township!), file: file, line: line)
    }

    func testARejectedStickIsWaivedAndTheReplacementsWorkIsAcknowledgedFromTheNextRound() throws {
        let county = try makeCounty()
        let lost = county.stations[0], site = lost.identity.site
        try register(lost, 2)
        try trip(county, lost)
        let delivered = try county.hub.replica.highestLogged(origin: site)
        try register(lost, 2)
        let late = try lost.export(to: stick("late")).path
        let owed = try lost.replica.highestLogged(origin: site)
        try county.hub.revoke(station: "630106100", reason: "stolen")
        guard case let .quarantined(_, _, _, id, _)? = trustError({ try county.hub.merge(bundleAt: late) }) else { return XCTFail("held") }
        let laptop = try replacementLaptop(for: lost, at: county.hub)
        XCTAssertEqual(try county.hub.replica.waivedRanges(of: site), [], "a stick still waits: nothing is waived")
        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        try register(laptop, 2)

        let before = try round(county.hub, laptop), again = try round(county.hub, laptop)
        XCTAssertEqual(try county.hub.replica.vector()[site], delivered, "the vector stops at the gap while the stick waits")
        XCTAssertGreaterThan(try laptop.status().changesOwed, 0)
        XCTAssertEqual(again.up, before.up, "the new work is re-sent while the stick waits")

        try county.hub.rejectQuarantined(id: id, by: "王芳")
        let replaced = try XCTUnwrap(account(county.hub, laptop).trust?.replaced)
        XCTAssertEqual(replaced.waived.map(\.missing), [owed - delivered])
        XCTAssertEqual(replaced.waived.first?.numbers, (delivered + 1)...owed)
        XCTAssertEqual(replaced.mergedThrough, delivered)
        try round(county.hub, laptop)
        try assertSettled(county.hub, laptop)
        XCTAssertEqual(try laptop.replica.waivedRanges(of: site).map(\.numbers), [(delivered + 1)...owed], "the laptop waived the same numbers")
    }

    func testAStickOfTheLostLaptopArrivingAfterItsNumbersWereWaivedIsRefusedOnAcceptNamingTheWaiver() throws {
        let county = try makeCounty()
        let lost = county.stations[0], site = lost.identity.site
        try register(lost, 2)
        try trip(county, lost)
        try register(lost, 2)
        let late = try lost.export(to: stick("late")).path
        try county.hub.revoke(station: "630106100", reason: "stolen")
        guard case let .quarantined(_, _, _, first, _)? = trustError({ try county.hub.merge(bundleAt: late) }) else { return XCTFail("held") }
        let laptop = try replacementLaptop(for: lost, at: county.hub)
        try county.hub.rejectQuarantined(id: first)
        let waived = try XCTUnwrap(county.hub.replica.waivedRanges(of: site).first)

        // Another stick the old laptop wrote, carrying the same undelivered changes, turns up.
        let later = try lost.export(to: stick("later")).path
        guard case let .quarantined(_, _, _, second, _)? = trustError({ try county.hub.merge(bundleAt: later) }) else { return XCTFail("held") }
        let digest = try county.hub.replica.digest()
        guard case let .acceptWaived(id, changes, at)? = trustError({ try county.hub.acceptQuarantined(id: second) }) else {
            return XCTFail("refused naming the waiver")
        }
        XCTAssertEqual(id, second)
        XCTAssertEqual(UInt64(changes), waived.missing)
        XCTAssertEqual(at, waived.waivedAtMillis)
        XCTAssertTrue("\(TrustError.acceptWaived(id: id, changes: changes, waivedAtMillis: at))".contains("waived on \(ISOTime.format(millis: at))"))
        XCTAssertEqual(try county.hub.replica.digest(), digest, "nothing merged, nothing skipped as already held")
        XCTAssertEqual(try county.hub.replica.quarantineEntry(id: second)?.state, .held)
        try county.hub.rejectQuarantined(id: second)
        XCTAssertEqual(try county.hub.replica.waivedRanges(of: site).count, 1, "nothing more to waive")
        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        try assertSettled(county.hub, laptop)
    }

    func testALaptopStolenWithWorkTheHubNeverHeldIsWaivedAtTheReplacementsEnrollment() throws {
        let county = try makeCounty()
        let lost = county.stations[0], site = lost.identity.site
        try register(lost, 2)
        try trip(county, lost)
        let backup = folder.sub("hub-backup")
        try FileManager.default.copyItem(atPath: county.hub.folder.path, toPath: backup)
        try register(lost, 2)
        try trip(county, lost)
        // The hub's disk dies; restored from the backup, it merges the laptop's next stick,
        // which carries only what the laptop believes the hub lacks. Then the laptop is
        // stolen with the work the restored hub never held: no stick of it exists.
        let hub = try Hub.open(at: backup, wallClock: clock.wallClock())
        try register(lost, 1)
        let last = try lost.export(to: stick("up"))
        try hub.merge(bundleAt: last.path)
        let held = try hub.replica.vector()[site]
        let claimed = try lost.replica.highestLogged(origin: site)
        XCTAssertLessThan(held, try hub.replica.highestLogged(origin: site), "a gap the stolen laptop can never fill")
        // The stick showed the hub lost its own changes: it writes again (the revocation)
        // once the other station has reported too (§4d, HR3).
        try hub.merge(bundleAt: county.stations[1].export(to: stick("up")).path)
        try hub.revoke(station: "630106100", reason: "stolen")

        let laptop = try replacementLaptop(for: lost, at: hub)
        XCTAssertTrue(try hub.quarantine().isEmpty)
        let waived = try XCTUnwrap(hub.replica.waivedRanges(of: site).first, "waived at the enrollment")
        XCTAssertEqual(waived.numbers.upperBound, claimed)
        XCTAssertEqual(waived.missing, claimed - held - UInt64(last.header.totalChanges), "all but the last stick's changes")
        try laptop.importBundle(at: returnBundle(hub, for: laptop))
        try register(laptop, 2)
        XCTAssertGreaterThan(try round(hub, laptop).up, 0)
        try assertSettled(hub, laptop)
    }

    func testAcceptingTheEarlierStickAndRejectingTheLaterWaivesOnlyWhatNoAcceptedStickCarried() throws {
        let county = try makeCounty()
        let lost = county.stations[0], site = lost.identity.site
        try register(lost, 1)
        try trip(county, lost)
        let kept = try register(lost, 1)
        let earlier = try lost.export(to: stick("earlier")).path
        let accepted = try lost.replica.highestLogged(origin: site)
        try register(lost, 1)
        let later = try lost.export(to: stick("later")).path
        let owed = try lost.replica.highestLogged(origin: site)
        try county.hub.revoke(station: "630106100", reason: "lost")
        guard case let .quarantined(_, _, _, a, _)? = trustError({ try county.hub.merge(bundleAt: earlier) }),
              case let .quarantined(_, _, _, b, _)? = trustError({ try county.hub.merge(bundleAt: later) }) else { return XCTFail("held") }
        let laptop = try replacementLaptop(for: lost, at: county.hub)

        XCTAssertEqual(try county.hub.acceptQuarantined(id: a).outcome, .applied)
        XCTAssertEqual(try county.hub.replica.waivedRanges(of: site), [], "a stick still waits")
        XCTAssertNotNil(try county.hub.replica.row(table: "household", rowID: kept[0]))
        try county.hub.rejectQuarantined(id: b)
        XCTAssertEqual(try county.hub.replica.waivedRanges(of: site).map(\.numbers), [(accepted + 1)...owed])
        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        try register(laptop, 1)
        try round(county.hub, laptop)
        try assertSettled(county.hub, laptop)
        XCTAssertNotNil(try laptop.replica.row(table: "household", rowID: kept[0]), "the accepted stick's work reaches the new laptop")
    }
}
