import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// A county upgrades one laptop at a time: the hub first, stations weeks later
/// (sync-protocol.md §8). Older and newer programs are played by passing an earlier
/// `CaseworkSchema.version(_:)`, or a next version made here, to `open`.
final class SchemaUpgradeSyncTests: SyncTestCase {
    let v2 = CaseworkSchema.version(2)
    let latest = CaseworkSchema.schema
    /// A release that does not exist yet: the latest version plus one table.
    let next = CaseworkSchema.schema.migrating("test: household pets", addingTables: [
        TableSchema(name: "pet", columns: [ColumnSchema("household_id", .text), ColumnSchema("kind", .text)]),
    ])

    /// A county whose hub and stations all run the release of version 2.
    private func countyOnVersion2(stations: Int = 1) throws -> County {
        try County.create(at: folder.sub("county"), hubName: "湟中区民政局",
                          stations: (0..<stations).map { .init(name: "社工站\($0)", township: "63010610\($0)") },
                          schema: v2, wallClock: clock.wallClock())
    }

    /// The hub's laptop gets the new release: the same folder opened with the latest version.
    private func upgradeHub(_ county: County) throws -> Hub {
        try Hub.open(at: county.hub.folder.path, wallClock: clock.wallClock())
    }

    private func transfer(at hub: Hub, household: String) throws {
        try hub.replica.write(table: "case_transfer", rowID: "transfer-1", values: [
            "household_id": .text(household), "from_township": .text("630106100"), "to_township": .text("630106101"),
            "transferred_at": .text("2026-11-29T10:00:00+08:00"), "note": .text("迁居县城"), "decided_by": .text("county"),
        ])
    }

    func testUpgradedHubMergesBundlesFromStationsStillOnVersion2() throws {
        let county = try countyOnVersion2(stations: 2)
        for station in county.stations { try addHouseholds(station, count: 3) }
        let hub = try upgradeHub(county)
        XCTAssertEqual(hub.replica.schema.version, latest.version)
        XCTAssertTrue(FileManager.default.fileExists(atPath: Replica.backupPath(of: hub.folder.replicaPath, version: 2)))
        for (i, station) in county.stations.enumerated() {
            let bundle = try station.export(to: folder.sub("up-\(i).fsb"))
            XCTAssertEqual(bundle.header.schemaVersion, 2)
            XCTAssertEqual(bundle.header.schemaFingerprint, Replica.fingerprint(v2))
            let merged = try hub.merge(bundleAt: bundle.path)
            XCTAssertEqual(merged.report.applied, bundle.header.totalChanges, "every v2 change is a valid v3 change")
            XCTAssertEqual(try hub.schema(of: station.identity.site).version, 2)
        }
        for (i, station) in county.stations.enumerated() {
            let back = try hub.returnBundle(for: try XCTUnwrap(hub.replica.peer(station.identity.site)), to: folder.sub("down-\(i).fsb"))
            XCTAssertEqual(back.header.schemaVersion, 2, "written for the station's version")
            XCTAssertEqual(back.header.schemaFingerprint, Replica.fingerprint(v2))
            // Only the audit events of the hub's two merges (version 5, 7 cells each) wait.
            XCTAssertEqual(back.waitingForUpgrade, ["audit_event": 14])
            try station.importBundle(at: back.path)
            XCTAssertEqual(try station.replica.digest(), try hub.replica.digest(as: v2))
            XCTAssertEqual(try station.status().changesOwed, 0)
        }
    }

    func testCaseTransferWaitsForAStationOnVersion2AndReachesItOnceItUpgrades() throws {
        let county = try countyOnVersion2()
        let ids = try addHouseholds(county.stations[0], count: 2)
        let hub = try upgradeHub(county)
        try hub.merge(bundleAt: try county.stations[0].export(to: folder.sub("up-1.fsb")).path)
        try transfer(at: hub, household: ids[0])
        // A later change from the hub that version 2 can hold.
        try hub.replica.write(table: "rule_parameter", rowID: "param:x:2027-01-01", values: ["name": .text("x"), "value": .text("1")])
        let peer = try XCTUnwrap(hub.replica.peer(county.stations[0].identity.site))

        let back = try hub.returnBundle(for: peer, to: folder.sub("down-1.fsb"))
        XCTAssertEqual(back.header.schemaVersion, 2)
        XCTAssertNil(back.header.tableCounts["case_transfer"], "nothing the station cannot hold is sent")
        XCTAssertEqual(back.header.tableCounts["rule_parameter"], 2)
        // The transfer record waits, and the audit event of the merge (version 5, 7 cells).
        XCTAssertEqual(back.waitingForUpgrade, ["case_transfer": 6, "audit_event": 7])
        let notice = try XCTUnwrap(back.upgradeNotice)
        XCTAssertTrue(notice.contains("13 changes (audit_event, case_transfer) wait until 社工站0 upgrades FieldSync"), notice)
        XCTAssertFalse(notice.contains("迁居县城"), "no case data in an operator message")
        let status = try XCTUnwrap(hub.status().peers.first)
        XCTAssertEqual(status.schemaVersion, 2)
        XCTAssertEqual(status.waitingForUpgradeCount, 13)
        XCTAssertEqual(status.upgradeNotice, notice)

        let station = county.stations[0]
        let imported = try station.importBundle(at: back.path)
        XCTAssertEqual(imported.report.applied, 2)
        XCTAssertEqual(try station.replica.row(table: "rule_parameter", rowID: "param:x:2027-01-01")?["value"], .text("1"))
        XCTAssertEqual(try station.replica.digest(), try hub.replica.digest(as: v2), "equal on everything version 2 holds")
        XCTAssertEqual(try hub.replica.rowIDs(table: "case_transfer", limit: nil), ["transfer-1"], "kept at the hub")
        // S5: the held-back change leaves a gap in the station's vector for the hub, so the
        // later hub changes are sent again until the station upgrades.
        try hub.merge(bundleAt: try station.export(to: folder.sub("up-2.fsb")).path)
        let again = try hub.returnBundle(for: try XCTUnwrap(hub.replica.peer(station.identity.site)), to: folder.sub("down-2.fsb"))
        XCTAssertEqual(again.header.tableCounts["rule_parameter"], 2)
        // Two re-sent parameter changes, and the anchor: the station's own last change (S13).
        XCTAssertEqual(try station.importBundle(at: again.path).report.duplicate, 3)

        // Weeks later the station's laptop gets the new release.
        let upgraded = try Station.open(at: station.folder.path, wallClock: clock.wallClock())
        XCTAssertEqual(upgraded.replica.schema.version, latest.version)
        XCTAssertTrue(FileManager.default.fileExists(atPath: Replica.backupPath(of: upgraded.folder.replicaPath, version: 2)))
        XCTAssertEqual(try upgraded.replica.digest(as: v2), try hub.replica.digest(as: v2))
        try hub.merge(bundleAt: try upgraded.export(to: folder.sub("up-3.fsb")).path)
        XCTAssertEqual(try hub.schema(of: upgraded.identity.site).version, latest.version, "learned from the station's upgraded bundle")
        let after = try hub.returnBundle(for: try XCTUnwrap(hub.replica.peer(upgraded.identity.site)), to: folder.sub("down-3.fsb"))
        XCTAssertEqual(after.header.schemaVersion, latest.version)
        XCTAssertEqual(after.header.tableCounts["case_transfer"], 6)
        XCTAssertTrue(after.waitingForUpgrade.isEmpty)
        XCTAssertNil(after.upgradeNotice)
        try upgraded.importBundle(at: after.path)
        XCTAssertEqual(try upgraded.replica.row(table: "case_transfer", rowID: "transfer-1")?["to_township"], .text("630106101"))
        XCTAssertEqual(try upgraded.replica.digest(), try hub.replica.digest(), "converged on everything")
        try hub.merge(bundleAt: try upgraded.export(to: folder.sub("up-4.fsb")).path)
        let quiet = try XCTUnwrap(hub.status().peers.first)
        XCTAssertEqual(quiet.changesPending, 0)
        XCTAssertEqual(quiet.waitingForUpgradeCount, 0)
    }

    func testStationOnANewerVersionIsRefusedByTheHubWithAMessageToUpgradeTheHub() throws {
        let county = try makeCounty(stations: 1)
        let station = try Station.open(at: county.stations[0].folder.path, schema: next, wallClock: clock.wallClock())
        // A newer program declares the authority of its new table; the store write stands for it.
        try Replica.open(at: station.folder.replicaPath, schema: next, wallClock: clock.wallClock())
            .write(table: "pet", rowID: "\(station.identity.site.short)-000001", values: ["kind": .text("yak")])
        let bundle = try station.export(to: folder.sub("up.fsb"))
        XCTAssertEqual(bundle.header.schemaVersion, next.version)
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: bundle.path)) { error in
            guard case let SyncError.schemaNewer(_, theirs, ours, receiver)? = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual([theirs, ours], [next.version, latest.version])
            XCTAssertEqual(receiver, .hub)
            XCTAssertTrue("\(error)".contains("Upgrade FieldSync on the hub"), "\(error)")
            XCTAssertTrue("\(error)".contains("Nothing was applied"), "\(error)")
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before)
        XCTAssertEqual(try county.hub.schema(of: station.identity.site).version, latest.version, "a refused bundle teaches the hub nothing")
    }

    func testStationRefusesAReturnBundleOfANewerVersionWithAMessageToUpgradeTheStation() throws {
        let county = try makeCounty(stations: 1)
        let hub = try Hub.open(at: county.hub.folder.path, schema: next, wallClock: clock.wallClock())
        try hub.replica.write(table: "pet", rowID: "p1", values: ["kind": .text("yak")])
        // The hub was told (wrongly: a reinstalled laptop) that the station runs the next version.
        try hub.noteSchemaVersion(next.version, of: county.stations[0].identity.site)
        let back = try hub.returnBundle(for: try XCTUnwrap(hub.stations().first), to: folder.sub("down.fsb"))
        XCTAssertEqual(back.header.schemaVersion, next.version)
        let station = county.stations[0]
        let before = try snapshot(station.replica)
        XCTAssertThrowsError(try station.importBundle(at: back.path)) { error in
            XCTAssertTrue("\(error)".contains("Upgrade FieldSync on this station"), "\(error)")
        }
        XCTAssertEqual(try snapshot(station.replica), before)
    }

    /// The version a request names is outside its signature, and a station taken to run a
    /// version before scoping is sent every township's cases (the upgrade window of stations
    /// enrolled before the hub scoped). A hub that scopes holds a station it enrolls to
    /// scoping: one on an older FieldSync, or whose request says so (or says nothing), is told
    /// to upgrade by its first return bundle and is never sent the county.
    func testAStationAScopingHubEnrollsIsHeldToScopingWhateverItsRequestSays() throws {
        let hub = try Hub.initialize(at: folder.sub("hub"), name: "湟中区民政局", wallClock: clock.wallClock())
        let station = try Station.initialize(at: folder.sub("st"), name: "社工站", township: "630106100", schema: v2,
                                             requestPath: folder.sub("req.json"), wallClock: clock.wallClock())
        var request = try EnrollmentRequest.read(from: folder.sub("req.json"))
        XCTAssertEqual(request.schemaVersion, 2)
        for claimed in [2, nil] {
            request.schemaVersion = claimed
            try hub.enroll(request, out: folder.sub("enrollment.json"))
            XCTAssertEqual(try hub.schema(of: station.identity.site).version, Scoping.firstScopedVersion)
        }
        try station.join(Enrollment.read(from: folder.sub("enrollment.json")))
        try hub.replica.write(table: "household", rowID: "h-other", values: ["township": .text("630106101"), "head_name": .text("卓玛")])
        let back = try hub.returnBundle(for: try XCTUnwrap(hub.stations().first), to: folder.sub("down.fsb"))
        XCTAssertEqual(back.header.schemaVersion, Scoping.firstScopedVersion)
        XCTAssertThrowsError(try station.importBundle(at: back.path)) { error in
            XCTAssertTrue("\(error)".contains("Upgrade FieldSync on this station"), "\(error)")
        }
        XCTAssertNil(try station.replica.row(table: "household", rowID: "h-other"))
    }

    func testAnOldBundleMergedLateDoesNotMoveAStationBackToAnEarlierVersion() throws {
        let county = try countyOnVersion2()
        try addHouseholds(county.stations[0], count: 1)
        let old = try county.stations[0].export(to: folder.sub("old.fsb"))
        let hub = try upgradeHub(county)
        let upgraded = try Station.open(at: county.stations[0].folder.path, wallClock: clock.wallClock())
        try hub.merge(bundleAt: try upgraded.export(to: folder.sub("new.fsb")).path)
        try hub.merge(bundleAt: old.path)
        XCTAssertEqual(try hub.schema(of: upgraded.identity.site).version, latest.version)
    }

    func testBundleThatNamesAnOlderVersionButCarriesANewerTableIsRefused() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        // The store under a modified program: no authority between it and the file.
        try Replica.open(at: station.folder.replicaPath, schema: station.replica.schema, wallClock: clock.wallClock())
            .write(table: "case_transfer", rowID: "\(station.identity.site.short)-000001", values: ["household_id": .text("h")])
        // Written for version 2 without leaving out what version 2 lacks: a false header.
        let peer = try XCTUnwrap(station.hub())
        let path = folder.sub("forged.fsb")
        let draft = try station.replica.exportSnapshot { snapshot in
            BundleDraft(kind: .stationToHub, sender: station.identity.site, senderName: station.identity.name,
                        created: try station.replica.issueStamp(), schemaName: v2.name, schemaVersion: 2,
                        schemaFingerprint: Replica.fingerprint(v2),
                        recipients: [BundleRecipient(site: peer.site, key: try AgreementPublicKey(rawRepresentation: peer.agreementKey))],
                        senderVector: try snapshot.vector(), assumedVector: .empty, acknowledgement: nil,
                        tableCounts: try snapshot.counts(since: .empty))
        }
        let writer = try BundleWriter(path: path, draft: draft, signingKey: station.identity.signingKey)
        try station.replica.exportSnapshot { snapshot in try snapshot.forEachBatch(since: .empty, batchSize: 100) { try writer.append(contentsOf: $0) } }
        _ = try writer.finish()
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path)) { error in
            guard case let SyncError.schemaMismatch(_, theirs, ours)? = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual([theirs, ours], [2, latest.version])
            XCTAssertTrue("\(error)".contains("Nothing was applied"), "\(error)")
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before)
    }
}
