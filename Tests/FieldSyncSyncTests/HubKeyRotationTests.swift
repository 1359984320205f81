import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Hub key rotation (sync-protocol.md "Hub key rotation"): the hub announces new keys in
/// `hub_key`, signed by the old one; each station switches when it imports the
/// announcement, and the hub signs each station's bundles with the key it trusts.
final class HubKeyRotationTests: SyncTestCase {
    /// The key that signed the bundle at `path`.
    func signer(_ path: String) throws -> SigningPublicKey { try UnverifiedBundle.open(path: path).signerKey }

    /// The hub key `station` trusts.
    func trusted(by station: Station) throws -> SigningPublicKey {
        try SigningPublicKey(rawRepresentation: XCTUnwrap(station.hub()).signingKey)
    }

    /// A county of three stations with some cases each, in sync.
    func syncedCounty() throws -> County {
        let county = try makeCounty(stations: 3)
        for station in county.stations { try addHouseholds(station, count: 2) }
        try county.syncUntilQuiet(stick: folder.sub("start"))
        return county
    }

    func returnBundle(_ hub: Hub, for station: Station, _ name: String) throws -> String {
        try hub.returnBundle(for: XCTUnwrap(hub.replica.peer(station.identity.site)), to: folder.sub(name)).path
    }

    func testStationsSwitchToTheAnnouncedKeyAndOneThatImportsLateStillSwitches() throws {
        var county = try syncedCounty()
        let old = county.hub.identity.signingKey.publicKey
        let rotation = try county.hub.rotateKeys()
        let hub = rotation.hub
        let new = hub.identity.signingKey.publicKey
        XCTAssertNotEqual(old, new)
        XCTAssertEqual(rotation.announcement.previousSigningKey, old)
        XCTAssertEqual(rotation.stationsToSwitch, 3)
        county = County(root: county.root, hub: hub, stations: county.stations)

        // The bundle that carries the announcement is signed by the old key, for everyone.
        let first = try county.stations.enumerated().map { i, s in try returnBundle(hub, for: s, "r1-\(i).fsb") }
        for path in first { XCTAssertEqual(try signer(path), old) }
        try county.stations[0].importBundle(at: first[0])
        try county.stations[1].importBundle(at: first[1])
        // Station 2 misses its bundle (the stick stayed in a drawer).
        XCTAssertEqual(try trusted(by: county.stations[0]), new)
        XCTAssertEqual(try trusted(by: county.stations[1]), new)
        XCTAssertEqual(try trusted(by: county.stations[2]), old)
        XCTAssertEqual(try county.stations[0].hub()?.agreementKey, hub.identity.agreementKey.publicKey.rawRepresentation)

        // Station 0 now encrypts to the new key; station 2 still to the old one: the hub opens both.
        try addHouseholds(county.stations[0], count: 1)
        try addHouseholds(county.stations[2], count: 1)
        let up0 = try county.stations[0].export(to: folder.sub("u0.fsb"))
        let up2 = try county.stations[2].export(to: folder.sub("u2.fsb"))
        XCTAssertTrue(up0.header.recipients.contains { $0.key == hub.identity.agreementKey.publicKey })
        XCTAssertFalse(up2.header.recipients.contains { $0.key == hub.identity.agreementKey.publicKey })
        let reopened = try Hub.open(at: hub.folder.path, wallClock: clock.wallClock())
        XCTAssertEqual(try reopened.merge(bundleAt: up0.path).report.applied, up0.header.totalChanges)
        XCTAssertEqual(try reopened.merge(bundleAt: up2.path).report.applied, up2.header.totalChanges)

        // Station 0 showed it switched: its next bundle is signed by the new key. Station 2
        // has not: the old key, and it switches on import, late.
        let second0 = try returnBundle(reopened, for: county.stations[0], "r2-0.fsb")
        let second2 = try returnBundle(reopened, for: county.stations[2], "r2-2.fsb")
        XCTAssertEqual(try signer(second0), new)
        XCTAssertEqual(try signer(second2), old)
        try county.stations[0].importBundle(at: second0)
        try county.stations[2].importBundle(at: second2)
        XCTAssertEqual(try trusted(by: county.stations[2]), new)

        // Station 1 switched but has not said so yet: a bundle signed by the retired key is
        // refused, saying what to do; once the hub has merged its export, it is signed anew.
        let early = try returnBundle(reopened, for: county.stations[1], "r2-1.fsb")
        XCTAssertEqual(try signer(early), old)
        XCTAssertThrowsError(try county.stations[1].importBundle(at: early)) { error in
            guard case SyncError.hubKey(let refusal) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(refusal.reason.contains("export, carry it to the hub"), refusal.reason)
        }
        county = County(root: county.root, hub: reopened, stations: county.stations)
        try county.syncUntilQuiet(stick: folder.sub("after"))
        try assertEachStationMatchesTheHubForItsTownship(county)
        for station in county.stations { XCTAssertEqual(try trusted(by: station), new) }
    }

    func testRotatingTwiceBeforeAStationSyncsFollowsTheChainOfTwoAnnouncements() throws {
        var county = try syncedCounty()
        let first = county.hub.identity.signingKey.publicKey
        let twice = try county.hub.rotateKeys().hub.rotateKeys()
        XCTAssertEqual(twice.hub.identity.retired.count, 2)
        XCTAssertEqual(twice.hub.identity.retired.first?.signingKey.publicKey, first)
        county = County(root: county.root, hub: twice.hub, stations: county.stations)
        let path = try returnBundle(twice.hub, for: county.stations[0], "r.fsb")
        XCTAssertEqual(try signer(path), first, "signed by the key the station trusts")
        try county.stations[0].importBundle(at: path)
        XCTAssertEqual(try trusted(by: county.stations[0]), twice.hub.identity.signingKey.publicKey)
        try county.syncUntilQuiet(stick: folder.sub("after"))
        try assertEachStationMatchesTheHubForItsTownship(county)
    }

    func testRotationIsAuditedCountyWideWithTheNewKeysFingerprintOnlyAndReachesEveryStation() throws {
        var county = try syncedCounty()
        let site = county.hub.identity.site.hex
        let rotation = try county.hub.rotateKeys()
        let keys = rotation.hub.identity
        let events = try rotation.hub.auditLog.events(action: AuditAction.keyRotated.rawValue)
        XCTAssertEqual(events.count, 1)
        let event = try XCTUnwrap(events.first)
        XCTAssertEqual(event.township, CaseworkScope.countyWide)
        XCTAssertEqual(event.subject, site)
        XCTAssertEqual(event.actorSite, site)
        XCTAssertEqual(event.detail, "key=\(keys.signingKey.publicKey.fingerprint)")
        for secret in [keys.signingKey.rawRepresentation, keys.agreementKey.rawRepresentation] {
            XCTAssertFalse((event.detail ?? "").contains(Hex.encode(secret)), "a private key in the audit log")
            XCTAssertFalse((event.detail ?? "").contains(Data(secret).base64EncodedString()), "a private key in the audit log")
        }

        county = County(root: county.root, hub: rotation.hub, stations: county.stations)
        try county.syncUntilQuiet(stick: folder.sub("after"))
        for station in county.stations {
            XCTAssertEqual(try station.auditLog.events(action: AuditAction.keyRotated.rawValue).map(\.id), [event.id])
        }
    }

    func testAnnouncementNotSignedByTheTrustedKeyRefusesTheWholeBundle() throws {
        let county = try syncedCounty()
        let hub = county.hub
        let attacker = SigningPrivateKey()
        let forged = try HubKeyAnnouncement.make(rowID: "\(hub.identity.site.short)-forged", hubSite: hub.identity.site,
                                                 new: attacker.publicKey, AgreementPrivateKey().publicKey,
                                                 issuedAt: "2026-11-29T10:00:00+08:00", signedBy: attacker)
        // Its own key signed it, and it claims to follow the hub's key.
        let claimed = HubKeyAnnouncement(rowID: forged.rowID, hubSite: forged.hubSite, signingKey: forged.signingKey,
                                         agreementKey: forged.agreementKey, issuedAt: forged.issuedAt,
                                         previousSigningKey: hub.identity.signingKey.publicKey, signature: forged.signature)
        try hub.replica.write(table: "hub_key", rowID: claimed.rowID, values: claimed.values)
        try hub.replica.write(table: "rule_parameter", rowID: "param:x:2027-01-01", values: ["name": .text("x"), "value": .text("1")])
        let station = county.stations[0]
        let before = try snapshot(station.replica)
        let path = try returnBundle(hub, for: station, "forged.fsb")
        XCTAssertThrowsError(try station.importBundle(at: path)) { error in
            guard case SyncError.hubKey(let refusal) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(refusal.reason.contains("not signed by the key it follows"), refusal.reason)
            XCTAssertTrue("\(error)".contains("Nothing of the bundle was applied"))
        }
        XCTAssertEqual(try snapshot(station.replica), before, "nothing applied, not even the rule parameter")
        XCTAssertEqual(try trusted(by: station), hub.identity.signingKey.publicKey)
    }

    func testAnnouncementSignedByItsOwnUnrelatedKeyDoesNotConnectAndIsRefused() throws {
        let county = try syncedCounty()
        let hub = county.hub
        let attacker = SigningPrivateKey(), next = SigningPrivateKey()
        let detached = try HubKeyAnnouncement.make(rowID: "\(hub.identity.site.short)-detached", hubSite: hub.identity.site,
                                                   new: next.publicKey, AgreementPrivateKey().publicKey,
                                                   issuedAt: "2026-11-29T10:00:00+08:00", signedBy: attacker)
        try hub.replica.write(table: "hub_key", rowID: detached.rowID, values: detached.values)
        let station = county.stations[1]
        let before = try snapshot(station.replica)
        XCTAssertThrowsError(try station.importBundle(at: returnBundle(hub, for: station, "detached.fsb"))) { error in
            guard case SyncError.hubKey(let refusal) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(refusal.reason.contains("no announcement follows from the hub key this station trusts"), refusal.reason)
        }
        XCTAssertEqual(try snapshot(station.replica), before)
    }

    func testStationOnTheSchemaBeforeHubKeysKeepsReceivingBundlesSignedByTheKeyItTrusts() throws {
        let v4 = CaseworkSchema.version(4)
        let county = try County.create(at: folder.sub("county"), hubName: "湟中区民政局",
                                       stations: [.init(name: "社工站0", township: "630106100")], schema: v4, wallClock: clock.wallClock())
        try addHouseholds(county.stations[0], count: 2)
        let hub = try Hub.open(at: county.hub.folder.path, wallClock: clock.wallClock())
        try hub.merge(bundleAt: county.stations[0].export(to: folder.sub("u.fsb")).path)
        let old = hub.identity.signingKey.publicKey
        let rotated = try hub.rotateKeys().hub
        let back = try rotated.returnBundle(for: XCTUnwrap(rotated.replica.peer(county.stations[0].identity.site)), to: folder.sub("r.fsb"))
        XCTAssertEqual(back.header.schemaVersion, 4)
        XCTAssertEqual(back.waitingForUpgrade["hub_key"], 6, "the announcement waits for the station's upgrade")
        XCTAssertEqual(try signer(back.path), old)
        try county.stations[0].importBundle(at: back.path)
        XCTAssertEqual(try trusted(by: county.stations[0]), old)
        // Its next bundle, still encrypted to the old key, merges at the rotated hub.
        try addHouseholds(county.stations[0], count: 1)
        let up = try county.stations[0].export(to: folder.sub("u2.fsb"))
        XCTAssertEqual(try rotated.merge(bundleAt: up.path).report.applied, up.header.totalChanges)

        // Weeks later the station upgrades: its first bundle on version 5 has the hub send its
        // feed again, with the announcement it could not hold, still under the old key.
        let upgraded = try Station.open(at: county.stations[0].folder.path, wallClock: clock.wallClock())
        try rotated.merge(bundleAt: upgraded.export(to: folder.sub("u3.fsb")).path)
        let after = try rotated.returnBundle(for: XCTUnwrap(rotated.replica.peer(upgraded.identity.site)), to: folder.sub("r2.fsb"))
        XCTAssertEqual(after.header.schemaVersion, CaseworkSchema.schema.version)
        XCTAssertEqual(after.header.tableCounts["hub_key"], 6)
        XCTAssertEqual(try signer(after.path), old)
        try upgraded.importBundle(at: after.path)
        XCTAssertEqual(try trusted(by: upgraded), rotated.identity.signingKey.publicKey)
        XCTAssertEqual(try upgraded.replica.digest(), try rotated.replica.digest(township: "630106100"))
    }
}
