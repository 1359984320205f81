import FieldSyncCore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// One replica file per released schema is kept under `PriorReplicas/` (as cr-sqlite keeps
/// `prior-dbs/`), so that a release that changes the store or the schema must still open
/// what stations have on their laptops. Schema version 2 is the first release.
final class PriorReplicaTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("PriorReplicas")

    /// The station 630106100 of `Samples/small-county` (seed 1), written by schema version 2.
    func testSchemaVersion2StationReplicaOpensWithItsDataAndStaysWritable() throws {
        TestLogging.bootstrap()
        let temp = TemporaryFolder("fieldsync-prior")
        defer { temp.cleanUp() }
        let dir = temp.sub("station")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let node = NodeFolder(dir)
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("schema-v2-station-630106100.sqlite"),
                                         to: URL(fileURLWithPath: node.replicaPath))
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("schema-v2-station-630106100.identity.json"),
                                         to: URL(fileURLWithPath: node.identityPath))
        let station = try Station.open(at: dir)
        XCTAssertEqual(try station.replica.digest(), "e7acb1f2708c0a93de4ac6bbc61fc5705a13e1f88ac4b3c3da83814e67b14449")
        XCTAssertEqual(try station.status().changesOwed, 0)
        XCTAssertEqual(try station.replica.rowIDs(table: "household", limit: nil).count, 24)
        let before = try station.replica.changeCount(since: .empty)
        try station.record(table: "household", values: ["township": .text("630106100"), "village": .text("阳坡村")])
        XCTAssertEqual(try station.replica.changeCount(since: .empty), before + 2)
        XCTAssertEqual(try station.status().changesOwed, 2)
    }
}
