import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Hub key rotation meeting a replacement laptop (K5) and a station restored from a copy
/// taken before the rotation (S13): the hub signs each station's return bundle with the key
/// its enrollment or its latest bundle shows it holds (H4).
final class HubKeyRotationRecoveryTests: TrustTestCase {
    func signer(_ path: String) throws -> SigningPublicKey { try UnverifiedBundle.open(path: path).signerKey }

    func trusted(by station: Station) throws -> SigningPublicKey {
        try SigningPublicKey(rawRepresentation: XCTUnwrap(station.hub()).signingKey)
    }

    func testAReplacementLaptopEnrolledAfterARotationIsSignedForWithTheKeyItsEnrollmentCarries() throws {
        var county = try makeCounty()
        let lost = county.stations[0]
        try register(lost, 2)
        try trip(county, lost)
        let old = county.hub.identity.signingKey.publicKey
        let hub = try county.hub.rotateKeys().hub
        county = County(root: county.root, hub: hub, stations: county.stations)
        let new = hub.identity.signingKey.publicKey
        try hub.revoke(station: "630106100", reason: "stolen")

        let laptop = try replacementLaptop(for: lost, at: hub)
        XCTAssertEqual(try trusted(by: laptop), new)
        let down = try returnBundle(hub, for: laptop)
        XCTAssertEqual(try signer(down), new, "not the key the lost laptop trusted")
        XCTAssertNotEqual(new, old)
        try laptop.importBundle(at: down)
        try register(laptop, 1)
        XCTAssertEqual(try hub.merge(bundleAt: laptop.export(to: stick("up")).path).outcome, .applied)
        try laptop.importBundle(at: returnBundle(hub, for: laptop))
        XCTAssertEqual(try laptop.replica.digest(), try hub.replica.digest(township: "630106100"))
        XCTAssertEqual(try laptop.replica.rowIDs(table: "household", limit: nil).count, 3)
    }

    /// A stick of the lost laptop, encrypted to the hub key of its day, is held in
    /// quarantine; the hub rotates and a replacement is enrolled; the stick is still read
    /// (listing and accept) with the retired key and merged.
    func testAStickQuarantinedBeforeARotationIsStillReadAndAcceptedAfterIt() throws {
        var county = try makeCounty()
        let lost = county.stations[0]
        try register(lost, 2)
        let exported = try lost.export(to: stick("lost"))
        let held = exported.path
        XCTAssertGreaterThan(exported.header.totalChanges, 0)
        try county.hub.revoke(station: "630106100", reason: "stolen")
        XCTAssertThrowsError(try county.hub.merge(bundleAt: held))
        let hub = try county.hub.rotateKeys().hub
        county = County(root: county.root, hub: hub, stations: county.stations)
        let laptop = try replacementLaptop(for: lost, at: hub)
        let entry = try XCTUnwrap(try hub.quarantine().first)
        XCTAssertEqual(hub.facts(ofQuarantined: entry)?.totalChanges, exported.header.totalChanges, "the listing reads it with the retired key")
        XCTAssertEqual(try hub.acceptQuarantined(id: entry.id).report.applied, exported.header.totalChanges)
        try laptop.importBundle(at: returnBundle(hub, for: laptop))
        XCTAssertEqual(try laptop.replica.rowIDs(table: "household", limit: nil).count, 2, "the lost laptop's work reached the new one")
    }

    func testAStationRestoredFromACopyTakenBeforeTheRotationIsSentTheAnnouncementAgainAndRepaired() throws {
        var county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 2)
        try trip(county, laptop)
        let copy = try backup(laptop, to: "pre-rotation-copy")
        let old = county.hub.identity.signingKey.publicKey
        let hub = try county.hub.rotateKeys().hub
        county = County(root: county.root, hub: hub, stations: county.stations)
        let new = hub.identity.signingKey.publicKey
        try register(laptop, 1)
        try trip(county, laptop)   // imports the announcement and switches
        try trip(county, laptop)   // the hub merges a bundle encrypted to the new key
        XCTAssertEqual(try trusted(by: laptop), new)
        XCTAssertEqual(try signer(returnBundle(hub, for: laptop)), new)

        // The folder is restored from the copy: it trusts the old key and holds no hub_key row.
        let restored = try Station.open(at: copy, wallClock: clock.wallClock())
        XCTAssertEqual(try trusted(by: restored), old)
        try register(restored, 2)
        XCTAssertThrowsError(try hub.merge(bundleAt: restored.export(to: stick("up")).path)) { error in
            XCTAssertTrue("\(error)".contains("restored from an older copy"), "\(error)")
        }
        // Its bundle was encrypted to the old key: the return bundle is signed by it and
        // carries the announcement again (S13 resends the feed), so the station switches.
        let down = try returnBundle(hub, for: restored)
        XCTAssertEqual(try signer(down), old)
        try restored.importBundle(at: down)
        XCTAssertEqual(try trusted(by: restored), new)
        XCTAssertNotNil(try restored.restoreState()?.agreedThrough)
        XCTAssertEqual(try restored.repairRestoredCopy().renamedRows, 2)
        for _ in 0..<3 { try trip(county, restored) }
        XCTAssertEqual(try restored.replica.digest(), try hub.replica.digest(township: "630106100"))
        XCTAssertEqual(try restored.status().changesOwed, 0)
        XCTAssertNil(try restored.restoreState())
        XCTAssertEqual(try hub.replica.rowIDs(table: "household", limit: nil).count, 5, "2 before the copy, 1 after, 2 after the restore")
        XCTAssertEqual(try signer(returnBundle(hub, for: restored)), new)
    }

    func testRotateKeyIsRefusedWhileTheHubIsServedAndWorksOnceTheServerStops() throws {
        let county = try makeCounty()
        let old = county.hub.identity.signingKey.publicKey
        let serving = try XCTUnwrap(HubServeLock.acquire(folder: county.hub.folder))
        XCTAssertNil(try HubServeLock.acquire(folder: county.hub.folder), "one server per hub")
        XCTAssertThrowsError(try county.hub.rotateKeys()) { error in
            XCTAssertTrue("\(error)".contains("hub serve"), "\(error)")
        }
        let reopened = try Hub.open(at: county.hub.folder.path, wallClock: clock.wallClock())
        XCTAssertEqual(reopened.identity.signingKey.publicKey, old, "nothing rotated")
        serving.release()
        XCTAssertNotEqual(try county.hub.rotateKeys().hub.identity.signingKey.publicKey, old)
    }
}
