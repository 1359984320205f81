import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Rule K4: a bundle of a revoked key waits for the operator, who accepts it (merged once,
/// every check but the revocation applying) or rejects it (kept, never merged).
final class QuarantineTests: TrustTestCase {
    /// A county whose first station wrote `count` households into a stick it never delivered
    /// before its key was revoked; the stick, quarantined at the hub.
    func quarantinedStick(_ county: County, households count: Int) throws -> (path: String, id: Int64) {
        let laptop = county.stations[0]
        try register(laptop, count)
        let path = try laptop.export(to: stick("up")).path
        try county.hub.revoke(station: "630106100", reason: "lost")
        guard case let .quarantined(_, _, _, id, _)? = trustError({ try county.hub.merge(bundleAt: path) }) else {
            XCTFail("not quarantined")
            return (path, 0)
        }
        return (path, id)
    }

    func testAcceptingAQuarantinedBundleMergesItExactlyOnce() throws {
        let county = try makeCounty()
        let (path, id) = try quarantinedStick(county, households: 2)
        let before = try county.hub.replica.rowIDs(table: "household", limit: nil).count

        let result = try county.hub.acceptQuarantined(id: id, by: "王芳", note: "handed in by the station head")
        XCTAssertEqual(result.outcome, .applied)
        XCTAssertEqual(try county.hub.replica.rowIDs(table: "household", limit: nil).count, before + 2)
        let entry = try XCTUnwrap(county.hub.replica.quarantineEntry(id: id))
        XCTAssertEqual(entry.state, .accepted)
        XCTAssertEqual(entry.decidedBy, "王芳")
        XCTAssertEqual(entry.decidedAtMillis, clock.now)
        let merged = try county.hub.replica.digest()

        guard case .quarantineAlreadyDecided(id, .accepted, _)? = trustError({ try county.hub.acceptQuarantined(id: id) }) else {
            return XCTFail("second accept")
        }
        XCTAssertEqual(try county.hub.merge(bundleAt: path).outcome, .alreadyImported, "the same stick again: already merged")
        XCTAssertEqual(try county.hub.replica.digest(), merged)
        XCTAssertEqual(try county.hub.quarantine().count, 1)
    }

    func testRejectingAQuarantinedBundleKeepsItsFileAndNeverMergesIt() throws {
        let county = try makeCounty()
        let (path, id) = try quarantinedStick(county, households: 1)
        let before = try county.hub.replica.digest()

        let rejected = try county.hub.rejectQuarantined(id: id, by: "王芳", note: "not from the station")
        XCTAssertEqual(rejected.state, .rejected)
        XCTAssertEqual(rejected.note, "not from the station")
        XCTAssertTrue(FileManager.default.fileExists(atPath: county.hub.storedPath(of: rejected)))
        guard case .quarantineAlreadyDecided(id, .rejected, _)? = trustError({ try county.hub.acceptQuarantined(id: id) }) else {
            return XCTFail("accept after reject")
        }
        let again = trustError { try county.hub.merge(bundleAt: path) }
        guard case .quarantined(_, _, _, id, .rejected?)? = again else { return XCTFail("delivered again") }
        XCTAssertTrue("\(again!)".contains("rejected"), "\(again!)")
        XCTAssertEqual(try county.hub.replica.digest(), before)
        XCTAssertEqual(try county.hub.quarantine().map(\.state), [.rejected])
    }

    func testAcceptingLiftsOnlyTheRevocationAndARefusedBundleStaysHeld() throws {
        let county = try makeCounty()
        let laptop = county.stations[0]
        let path = folder.sub("insider.fsb")
        let (sequence, stamp) = try InsiderBundle.next(of: laptop)
        try InsiderBundle.write(from: laptop, changes: [
            .set("rule_parameter", "param:townshipTemporaryCeilingYuan:2026-01-01", "value", .text("999999"),
                 stamp: stamp, origin: laptop.identity.site, sequence: sequence),
        ], to: path)
        try county.hub.revoke(station: "630106100", reason: "lost")
        guard case let .quarantined(_, _, _, id, _)? = trustError({ try county.hub.merge(bundleAt: path) }) else { return XCTFail("held") }
        let before = try county.hub.replica.digest()

        guard case let .acceptRefused(refusedID, .unauthorized)? = trustError({ try county.hub.acceptQuarantined(id: id) }) else {
            return XCTFail("A3 still applies")
        }
        XCTAssertEqual(refusedID, id)
        XCTAssertEqual(try county.hub.replica.quarantineEntry(id: id)?.state, .held)
        XCTAssertEqual(try county.hub.replica.digest(), before)
    }
}
