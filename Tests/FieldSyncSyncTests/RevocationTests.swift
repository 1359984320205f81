import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Rules K1–K3: a revoked key stops being trusted for what comes after; what it delivered
/// before stays; it is never enrolled again and nothing is encrypted to it.
final class RevocationTests: TrustTestCase {
    func testRevokedStationsBundleIsQuarantinedNotMergedAndTheErrorNamesTheStationAndRevocation() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 2)
        try trip(county, laptop)
        let merged = try county.hub.replica.digest()
        try register(laptop, 1)
        let late = try laptop.export(to: stick("up")).path

        let revocation = try county.hub.revoke(station: "630106100", reason: "laptop stolen", by: "王芳")
        XCTAssertTrue(revocation.newlyRevoked)
        let error = trustError { try county.hub.merge(bundleAt: late) }
        guard case let .quarantined(file, station, key, id, earlier)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, (late as NSString).lastPathComponent)
        XCTAssertTrue(station.contains("社工站0") && station.contains("630106100"), station)
        XCTAssertEqual(key.status, .revoked)
        XCTAssertEqual(key.reason, "laptop stolen")
        XCTAssertNil(earlier)
        for word in ["社工站0", "revoked on", "laptop stolen", "#\(id)", "--accept \(id)"] {
            XCTAssertTrue("\(error!)".contains(word), "\(word): \(error!)")
        }
        XCTAssertFalse("\(error!)".contains("阳坡村"), "no case data in the refusal")
        XCTAssertEqual(try county.hub.replica.digest(), merged, "nothing of it merged; what came before stays")
        let entry = try XCTUnwrap(county.hub.quarantine().first)
        XCTAssertEqual(entry.state, .held)
        let copy = county.hub.storedPath(of: entry)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (copy as NSString).deletingLastPathComponent), ["\(Hex.encode(entry.bundleID)).fsb"], "named by the bundle, not by the entry's number")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: copy)), try Data(contentsOf: URL(fileURLWithPath: late)))
    }

    func testTheSameRevokedBundleDeliveredTwiceIsOneQuarantineEntry() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        try register(laptop, 1)
        let late = try laptop.export(to: stick("up")).path
        let renamed = folder.sub("other-stick/renamed.fsb")
        try FileManager.default.createDirectory(atPath: folder.sub("other-stick"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: late, toPath: renamed)
        try county.hub.revoke(station: laptop.identity.site.short, reason: "lost")

        let first = trustError { try county.hub.merge(bundleAt: late) }
        let second = trustError { try county.hub.merge(bundleAt: renamed) }
        guard case let .quarantined(_, _, _, id, nil)? = first, case .quarantined(_, _, _, id, .held?)? = second else {
            return XCTFail("\(String(describing: first)) / \(String(describing: second))")
        }
        XCTAssertEqual(try county.hub.quarantine().count, 1)
    }

    func testReEnrollingARevokedKeyIsRefusedAndKeepsItRevoked() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        let request = folder.sub("again-request.json")
        try EnrollmentRequest.write(for: laptop.identity, atMillis: clock.now, to: request)
        try county.hub.revoke(station: "社工站0", reason: "lost")

        guard case .keyNotTrusted? = trustError({ try county.hub.enroll(EnrollmentRequest.read(from: request), out: folder.sub("e.json")) }) else {
            return XCTFail("refusal")
        }
        XCTAssertNotNil(try county.hub.replica.peer(laptop.identity.site)?.revokedAtMillis, "still revoked")
        XCTAssertEqual(try county.hub.replica.key(laptop.identity.signingKey.publicKey.rawRepresentation)?.status, .revoked)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("e.json")))
    }

    func testNoReturnBundleIsWrittenForARevokedStation() throws {
        let county = try makeCounty()
        let lost = county.stations[0]
        let peer = try XCTUnwrap(county.hub.replica.peer(lost.identity.site))
        try county.hub.revoke(station: lost.identity.site.hex, reason: "lost")

        guard case .revokedRecipient? = trustError({ _ = try county.hub.returnBundle(for: peer, to: folder.sub("down/x.fsb")) }) else {
            return XCTFail("refusal")
        }
        let written = try county.hub.exportReturnBundles(to: folder.sub("down"))
        XCTAssertEqual(written.map(\.recipientSite), [county.stations[1].identity.site])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("down/x.fsb")))
    }

    func testRevokingTwiceChangesNothingAndSaysSo() throws {
        let county = try makeCounty()
        let first = try county.hub.revoke(station: "630106100", reason: "lost", by: "王芳")
        clock.advance(by: 60_000)
        let second = try county.hub.revoke(station: "630106100", reason: "stolen after all", by: "李明")
        XCTAssertFalse(second.newlyRevoked)
        XCTAssertEqual(second.key, first.key, "date, reason and operator of the first revocation kept")
        XCTAssertTrue(second.summary.contains("already revoked"), second.summary)
    }

    func testAStationNamedByNothingKnownIsRefusedAndNothingIsRevoked() throws {
        let county = try makeCounty()
        guard case .unknownStation? = trustError({ try county.hub.revoke(station: "630199999", reason: "lost") }) else {
            return XCTFail("unknown")
        }
        XCTAssertTrue(try county.hub.stations().allSatisfy { $0.revokedAtMillis == nil })
    }
}
