import FieldSyncCore
@testable import FieldSyncStore
import GRDB
import XCTest

final class ReplicaFileTests: XCTestCase {
    /// Commits stay in the WAL until it holds ``Replica/walCheckpointPages`` pages (a hub's
    /// bundle imports are not each copied back into the file), each synced when made, and
    /// closing the replica copies them back: the file alone, copied after the last command
    /// ended, holds everything.
    func testCommitsWaitInTheWALSyncedAndAClosedFileHoldsThemAlone() throws {
        let path = temporaryPath()
        let clock = TestClock()
        do {
            let replica = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station,
                                             wallClock: clock.closure)
            // About 12 MiB in twelve commits: past SQLite's default of 1,000 pages, after
            // which a commit copies the WAL back and the next starts it again.
            let big = String(repeating: "阳坡村", count: 58_000)
            for i in 0..<12 { try replica.write(table: "household", rowID: "h\(i)", values: ["address": .text("\(i) " + big)]) }
            let (frames, synchronous, interval) = try replica.writer.writeWithoutTransaction { db in
                (try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")![1] as Int,
                 try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint"))
            }
            // Each commit writes about 270 pages (the row and its change in the log): all twelve
            // are about 3,200. With SQLite's default the WAL would hold at most 1,000 and
            // the last commit's pages, having been copied back and started again.
            XCTAssertGreaterThan(frames, 2_500, "every commit still in the WAL")
            XCTAssertEqual(synchronous, 2, "FULL: each commit synced")
            XCTAssertEqual(interval, Replica.walCheckpointPages)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"), "closing copies the WAL back and removes it")
        let copy = temporaryPath()
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let reopened = try Replica.open(at: copy, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(try reopened.row(table: "household", rowID: "h11")?["address"], .text("11 " + String(repeating: "阳坡村", count: 58_000)))
    }

    func testCreateRefusesAnExistingFileAndOpenRefusesAMissingOne() throws {
        let path = temporaryPath()
        let clock = TestClock()
        _ = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: clock.closure)
        XCTAssertThrowsError(try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: clock.closure)) {
            XCTAssertEqual($0 as? StoreError, .fileExists(path: path))
        }
        let missing = path + ".missing"
        XCTAssertThrowsError(try Replica.open(at: missing, schema: TestSchema.schema, wallClock: clock.closure)) {
            XCTAssertEqual($0 as? StoreError, .fileMissing(path: missing))
        }
    }

    func testOpeningUnderAnotherSchemaIsRefused() throws {
        let path = temporaryPath()
        let clock = TestClock()
        _ = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: clock.closure)
        XCTAssertThrowsError(try Replica.open(at: path, schema: TestSchema.otherVersion, wallClock: clock.closure)) {
            XCTAssertEqual($0 as? StoreError, .schemaMismatch(storedName: "fieldsync.test", storedVersion: 1, expectedName: "fieldsync.test", expectedVersion: 2))
        }
        let altered = Schema(name: "fieldsync.test", version: 1, tables: [TableSchema(name: "household", columns: [ColumnSchema("address", .text)])])
        XCTAssertThrowsError(try Replica.open(at: path, schema: altered, wallClock: clock.closure)) {
            XCTAssertEqual($0 as? StoreError, .schemaFingerprintMismatch(name: "fieldsync.test", version: 1))
        }
    }

    func testReopenedReplicaKeepsIdentityDataClockAndSequence() throws {
        let path = temporaryPath()
        let clock = TestClock()
        var digest = ""
        var lastStamp = HybridTimestamp.zero
        do {
            let replica = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(7), name: "鲁沙尔镇", role: .station, wallClock: clock.closure)
            XCTAssertEqual(replica.schemaFingerprint.count, 32)
            lastStamp = try replica.write(table: "household", rowID: "h1", values: ["address": .text("a")])[0].stamp
            digest = try replica.digest()
        }
        clock.now -= 3_600_000 // the laptop's clock went back an hour
        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(reopened.siteID, TestSchema.site(7))
        XCTAssertEqual(reopened.name, "鲁沙尔镇")
        XCTAssertEqual(reopened.role, .station)
        XCTAssertEqual(try reopened.digest(), digest)
        XCTAssertEqual(try reopened.row(table: "household", rowID: "h1")?["address"], .text("a"))
        let next = try reopened.write(table: "household", rowID: "h1", values: ["address": .text("b")])[0]
        XCTAssertEqual(next.sequence, 2)
        XCTAssertGreaterThan(next.stamp, lastStamp)
    }

    func testPeersBundlesAndSettingsPersist() throws {
        let replica = try makeReplica(1)
        let site = TestSchema.site(2)
        var peer = Peer(site: site, name: "hub", role: .hub, township: nil, signingKey: [1, 2], agreementKey: [3, 4],
                        enrolledAtMillis: 10, revokedAtMillis: nil, knownVector: VersionVector([site: 4]))
        try replica.savePeer(peer)
        XCTAssertEqual(try replica.peer(site), peer)
        XCTAssertEqual(try replica.knownVector(of: site), VersionVector([site: 4]))
        _ = try replica.importChanges { tx in try tx.mergeKnownVector(VersionVector([site: 2, TestSchema.site(3): 1]), of: site) }
        XCTAssertEqual(try replica.knownVector(of: site), VersionVector([site: 4, TestSchema.site(3): 1]))
        peer.revokedAtMillis = 99
        peer.knownVector = VersionVector([site: 5])
        try replica.savePeer(peer)
        XCTAssertEqual(try replica.peers(), [peer])
        XCTAssertNil(try replica.peer(TestSchema.site(8)))
        XCTAssertEqual(try replica.knownVector(of: TestSchema.site(8)), .empty)

        let records = (1...3).map { BundleRecord(bundleID: [UInt8($0)], peer: site, createdStamp: HybridTimestamp(rawValue: UInt64($0)), atMillis: UInt64($0), changeCount: $0, fileName: "b\($0).fsb") }
        for r in records { try replica.recordExport(r) }
        XCTAssertEqual(try replica.exportedBundles(limit: 2), [records[2], records[1]])
        XCTAssertThrowsError(try replica.recordExport(records[0]))
        _ = try replica.importChanges { tx in try tx.recordImport(records[0]) }
        XCTAssertTrue(try replica.hasImported(bundleID: [1]))
        XCTAssertFalse(try replica.hasImported(bundleID: [2]))
        XCTAssertEqual(try replica.importedBundles(limit: 10), [records[0]])

        XCTAssertNil(try replica.setting("k"))
        try replica.setSetting("k", "v")
        XCTAssertEqual(try replica.setting("k"), "v")
        try replica.setSetting("k", nil)
        XCTAssertNil(try replica.setting("k"))
        XCTAssertEqual(try (0..<3).map { _ in try replica.nextExportSequence() }, [1, 2, 3])
    }
}
