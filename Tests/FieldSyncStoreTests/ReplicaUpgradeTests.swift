import FieldSyncCore
import FieldSyncStore
import Foundation
import XCTest

/// Opening a replica file of an earlier schema version upgrades it in place: a backup
/// first, then one transaction that only adds tables and columns.
final class ReplicaUpgradeTests: XCTestCase {
    /// Version 2 of the test schema: a new table and a new column at the end of `household`.
    static let version2 = TestSchema.schema.migrating("v2 transfers and notes",
                                                      addingTables: [TableSchema(name: "transfer", kind: .appendOnly, columns: [ColumnSchema("to_code", .text)])],
                                                      addingColumns: ["household": [ColumnSchema("note", .text, personal: true)]])

    private func makeVersion1File(_ clock: TestClock) throws -> (path: String, digest: String, changes: Int) {
        let path = temporaryPath()
        let replica = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: clock.closure)
        try replica.write(table: "household", rowID: "h1", values: ["address": .text("阳坡村"), "monthly_income": .integer(900)])
        try replica.write(table: "sample", rowID: "s1", values: ["r": .real(-0.0), "b": .blob([0, 1])])
        try replica.write(table: "visit", rowID: "v1", values: ["household_id": .text("h1")])
        return (path, try replica.digest(), try replica.changeCount(since: .empty))
    }

    func testOlderFileIsBackedUpOwnerOnlyThenUpgradedKeepingEveryRowAndStaysWritable() throws {
        let clock = TestClock()
        let (path, digest, changes) = try makeVersion1File(clock)
        let upgraded = try Replica.open(at: path, schema: Self.version2, wallClock: clock.closure)
        XCTAssertEqual(upgraded.schema.version, 2)
        XCTAssertEqual(upgraded.upgradedFromVersion, 1)
        XCTAssertEqual(try upgraded.digest(as: TestSchema.schema), digest, "every row and value of version 1 kept")
        XCTAssertEqual(try upgraded.changeCount(since: .empty), changes)
        try upgraded.write(table: "household", rowID: "h1", values: ["note": .text("x")])
        try upgraded.write(table: "transfer", rowID: "t1", values: ["to_code": .text("630106101")])
        XCTAssertEqual(try upgraded.row(table: "household", rowID: "h1")?["monthly_income"], .integer(900))

        let backup = Replica.backupPath(of: path, version: 1)
        let mode = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600, "the backup holds personal data: owner only")
        let old = try Replica.open(at: backup, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(try old.digest(), digest)
        XCTAssertEqual(try old.changeCount(since: .empty), changes)

        // Reopening the upgraded file changes nothing more.
        let again = try Replica.open(at: path, schema: Self.version2, wallClock: clock.closure)
        XCTAssertEqual(try again.digest(), try upgraded.digest())
        XCTAssertNil(again.upgradedFromVersion)
    }

    func testUpgradeThatFailsPartWayLeavesTheFileExactlyAsItWas() throws {
        let clock = TestClock()
        let (path, digest, changes) = try makeVersion1File(clock)
        // The second new table's name is reserved by SQLite, so its CREATE fails after the
        // first table was created in the same transaction.
        let broken = TestSchema.schema.migrating("v2 broken", addingTables: [
            TableSchema(name: "transfer", columns: [ColumnSchema("to_code", .text)]),
            TableSchema(name: "sqlite_transfer", columns: [ColumnSchema("to_code", .text)]),
        ])
        XCTAssertThrowsError(try Replica.open(at: path, schema: broken, wallClock: clock.closure))
        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(reopened.schema.version, 1, "still version 1 with version 1's fingerprint")
        XCTAssertEqual(try reopened.digest(), digest)
        XCTAssertEqual(try reopened.changeCount(since: .empty), changes)
        // No half-made table was left behind: a correct upgrade creates `transfer` again.
        XCTAssertNoThrow(try Replica.open(at: path, schema: Self.version2, wallClock: clock.closure))
    }

    func testNewerFileIsRefusedWithAMessageToUpgradeAndLeftUnchanged() throws {
        let clock = TestClock()
        let (path, _, _) = try makeVersion1File(clock)
        let upgraded = try Replica.open(at: path, schema: Self.version2, wallClock: clock.closure)
        let digest = try upgraded.digest()
        XCTAssertThrowsError(try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)) {
            XCTAssertEqual($0 as? StoreError, .newerSchema(path: path, fileVersion: 2, programVersion: 1))
            XCTAssertTrue("\($0)".contains("Upgrade FieldSync on this computer"), "\($0)")
        }
        XCTAssertEqual(try Replica.open(at: path, schema: Self.version2, wallClock: clock.closure).digest(), digest)
    }

    func testFileOfAVersionThatWasAlteredWithoutANewVersionIsRefused() throws {
        let clock = TestClock()
        let (path, _, _) = try makeVersion1File(clock)
        // A "version 2" whose version 1 differs from the file's (one column fewer).
        let altered = Schema(name: "fieldsync.test", version: 1, tables: [TableSchema(name: "household", columns: [ColumnSchema("address", .text)])])
            .migrating("v2", addingTables: [TableSchema(name: "transfer", columns: [ColumnSchema("to_code", .text)])])
        XCTAssertThrowsError(try Replica.open(at: path, schema: altered, wallClock: clock.closure)) {
            XCTAssertEqual($0 as? StoreError, .schemaFingerprintMismatch(name: "fieldsync.test", version: 1))
            XCTAssertTrue("\($0)".contains("The file was not changed"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: Replica.backupPath(of: path, version: 1)), "refused before any copy")
    }
}
