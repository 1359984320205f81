@testable import FieldSyncBundle
import Crypto
import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// SYSTEM.md properties 3, 4, 7 and 8: bad bundles are refused before anything is written,
/// imports are all or nothing, and re-imports change nothing.
final class ImportSafetyTests: SyncTestCase {
    struct InjectedFailure: Error {}

    func testImportThatFailsPartWayLeavesTheReplicaExactlyAsBefore() throws {
        let county = try makeCounty(stations: 1)
        try addHouseholds(county.stations[0], count: 3_000)   // 27,000 changes: several frames
        let bundle = try county.stations[0].export(to: folder.sub("up.fsb"))
        XCTAssertGreaterThan(bundle.header.frameCount, 2)
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: bundle.path, afterEachBatch: { batch in
            if batch == 2 { throw InjectedFailure() }
        }))
        XCTAssertEqual(try snapshot(county.hub.replica), before)
        // The same file then imports completely.
        let result = try county.hub.merge(bundleAt: bundle.path)
        XCTAssertEqual(result.report.applied, bundle.header.totalChanges)
        XCTAssertEqual(try county.hub.replica.digest(), try county.stations[0].replica.digest())
    }

    /// An import reads the body once, checking each frame as it applies it (one pass,
    /// B25's exception): a frame damaged under a valid signature after several frames were
    /// applied rolls the whole import back, with the error the first pass would have given.
    func testSignedBundleDamagedInItsLastFrameLeavesTheReplicaExactlyAsBefore_B18_B25() throws {
        let county = try makeCounty(stations: 1)
        try addHouseholds(county.stations[0], count: 3_000)   // several frames
        let bundle = try county.stations[0].export(to: folder.sub("up.fsb"))
        XCTAssertGreaterThan(bundle.header.frameCount, 2)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: bundle.path)))
        // Inside the last frame's ciphertext, just before the end marker and the trailer.
        let body = bytes.count - BundleFormat.trailerSize
        bytes[body - 4 - 20] ^= 0x20
        let resigned = Array(bytes.prefix(body))
        let digest = Array(SHA256.hash(data: resigned))
        let path = folder.sub("damaged.fsb")
        try Data(resigned + BundleWriter.trailer(digest: digest, signingKey: county.stations[0].identity.signingKey))
            .write(to: URL(fileURLWithPath: path))
        let before = try snapshot(county.hub.replica)
        var applied = 0
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path, afterEachBatch: { applied = $0 })) { error in
            guard case .bundle(_, .frameAuthenticationFailed(index: bundle.header.frameCount - 1, _))? = error as? SyncError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertGreaterThan(applied, 0, "the frames before the damaged one were applied, then rolled back")
        XCTAssertEqual(try snapshot(county.hub.replica), before)
        let result = try county.hub.merge(bundleAt: bundle.path)
        XCTAssertEqual(result.report.applied, bundle.header.totalChanges)
    }

    func testImportingTheSameBundleTwiceChangesNothingTheSecondTime() throws {
        let county = try makeCounty(stations: 1)
        try addHouseholds(county.stations[0], count: 10)
        let bundle = try county.stations[0].export(to: folder.sub("up.fsb"))
        try county.hub.merge(bundleAt: bundle.path)
        let after = try snapshot(county.hub.replica)
        let again = try county.hub.merge(bundleAt: bundle.path)
        XCTAssertEqual(again.outcome, .alreadyImported)
        XCTAssertEqual(try snapshot(county.hub.replica), after)
    }

    func testTamperedBundleIsRejectedBeforeAnyWrite() throws {
        let county = try makeCounty(stations: 1)
        try addHouseholds(county.stations[0], count: 20)
        let bundle = try county.stations[0].export(to: folder.sub("up.fsb"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle.path))
        let before = try snapshot(county.hub.replica)
        for offset in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            bytes[offset] ^= 0x20
            let path = folder.sub("tampered-\(offset).fsb")
            try bytes.write(to: URL(fileURLWithPath: path))
            bytes[offset] ^= 0x20
            XCTAssertThrowsError(try county.hub.merge(bundleAt: path), "byte \(offset)")
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before)
    }

    func testTruncatedBundleIsRejectedBeforeAnyWrite() throws {
        let county = try makeCounty(stations: 1)
        try addHouseholds(county.stations[0], count: 20)
        let bundle = try county.stations[0].export(to: folder.sub("up.fsb"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bundle.path))
        let before = try snapshot(county.hub.replica)
        for length in [0, 7, 40, 60, bytes.count / 2, bytes.count - 97, bytes.count - 1] {
            let path = folder.sub("cut-\(length).fsb")
            try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try county.hub.merge(bundleAt: path), "length \(length)") { error in
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before)
    }

    func testBundleFromAnUnenrolledKeyIsRejected() throws {
        let county = try makeCounty(stations: 1)
        let stranger = try makeCounty(stations: 1, at: "elsewhere")
        try addHouseholds(stranger.stations[0], count: 5)
        let bundle = try stranger.stations[0].export(to: folder.sub("stranger.fsb"))
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: bundle.path)) { error in
            guard case .unenrolledStation = error as? SyncError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before)
    }

    func testReturnBundleForAnotherStationIsRejected() throws {
        let county = try makeCounty(stations: 2)
        try addHouseholds(county.stations[1], count: 5)
        try county.hub.merge(bundleAt: county.stations[1].export(to: folder.sub("up.fsb")).path)
        let forStation1 = try county.hub.returnBundle(for: XCTUnwrap(county.hub.replica.peer(county.stations[1].identity.site)),
                                                      to: folder.sub("down.fsb"))
        let before = try snapshot(county.stations[0].replica)
        XCTAssertThrowsError(try county.stations[0].importBundle(at: forStation1.path)) { error in
            guard case .notAddressedToUs = error as? SyncError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try snapshot(county.stations[0].replica), before)
    }

    func testStationBundleGivenToAStationIsRefused() throws {
        let county = try makeCounty(stations: 2)
        try addHouseholds(county.stations[0], count: 2)
        let up = try county.stations[0].export(to: folder.sub("up.fsb"))
        XCTAssertThrowsError(try county.stations[1].importBundle(at: up.path)) { error in
            guard case .notFromOurHub = error as? SyncError else { return XCTFail("\(error)") }
        }
    }

    func testChangesStayOwedUntilTheHubAcknowledgesThem() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        try addHouseholds(station, count: 4)
        let owed = try station.status().changesOwed
        XCTAssertEqual(owed, 36)
        let lost = try station.export(to: folder.sub("lost.fsb"))
        _ = lost   // the stick is lost: nothing reaches the hub
        XCTAssertEqual(try station.status().changesOwed, owed, "exporting alone acknowledges nothing")
        let second = try station.export(to: folder.sub("second.fsb"))
        XCTAssertEqual(second.header.totalChanges, owed, "the next export re-sends everything owed")
        try county.hub.merge(bundleAt: second.path)
        let back = try county.hub.exportReturnBundles(to: folder.sub("down"))
        try station.importBundle(at: back[0].path)
        XCTAssertEqual(try station.status().changesOwed, 0)
    }
}

/// Frames are cut by size, so a row's changes can straddle two frames of a bundle.
final class FrameBoundaryTests: SyncTestCase {
    /// A station bundle whose every record is in a frame of its own: each new row (a
    /// household, an append-only visit) arrives in pieces, and must still be merged as the
    /// whole row it is — not refused as a new row missing its required fields, nor as a
    /// change to an existing record.
    func testRowsSplitAcrossFramesAreMergedWhole() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let household = try addHouseholds(station, count: 1)[0]
        try station.record(table: "visit", values: ["household_id": .text(household), "visited_at": .text("2026-11-29T09:00:00+08:00"),
                                                    "visitor": .text("李芳"), "note": .text("入户")])
        let peer = try XCTUnwrap(station.hub())
        let path = folder.sub("one-record-per-frame.fsb")
        let header = try station.replica.exportSnapshot { snapshot in
            let draft = BundleDraft(kind: .stationToHub, sender: station.identity.site, senderName: station.identity.name,
                                    created: try station.replica.issueStamp(), schemaName: station.replica.schema.name,
                                    schemaVersion: station.replica.schema.version, schemaFingerprint: station.replica.schemaFingerprint,
                                    recipients: [BundleRecipient(site: peer.site, key: try AgreementPublicKey(rawRepresentation: peer.agreementKey))],
                                    senderVector: try snapshot.vector(), assumedVector: .empty, acknowledgement: nil,
                                    tableCounts: try snapshot.counts(since: .empty, only: station.identity.site))
            let writer = try BundleWriter(path: path, draft: draft, signingKey: station.identity.signingKey, frameTarget: 1)
            try snapshot.forEachBatch(since: .empty, only: station.identity.site, batchSize: 100) { try writer.append(contentsOf: $0) }
            return try writer.finish()
        }
        XCTAssertEqual(header.frameCount, header.totalChanges, "one record per frame")
        let merged = try county.hub.merge(bundleAt: path)
        XCTAssertEqual(merged.report.applied, header.totalChanges)
        XCTAssertEqual(try county.hub.replica.digest(township: station.identity.township!), try station.replica.digest())
    }
}
