import FieldSyncCore
import FieldSyncStore
import Foundation
import XCTest

/// Every local write is checked against what a bundle can carry, so nothing the replica
/// accepted can make a later export fail; two processes on one file take turns.
final class InputLimitTests: XCTestCase {
    func testRowIDOverTheNameLimitIsRefusedBeforeAnythingIsWritten() throws {
        let replica = try makeReplica(1)
        for size in [256, 300, 70_000] {
            let id = String(repeating: "r", count: size)
            XCTAssertThrowsError(try replica.write(table: "household", rowID: id, values: ["address": .text("a")])) {
                XCTAssertEqual($0 as? StoreError, .nameTooLong(what: "row id of household", size: size, limit: 255))
                XCTAssertFalse("\($0)".contains(id), "the id is not repeated")
            }
            XCTAssertThrowsError(try replica.delete(table: "household", rowID: id)) {
                XCTAssertEqual($0 as? StoreError, .nameTooLong(what: "row id of household", size: size, limit: 255))
            }
        }
        // A multi-byte id is measured in UTF-8 bytes: 86 × 3 = 258.
        XCTAssertThrowsError(try replica.write(table: "household", rowID: String(repeating: "户", count: 86), values: ["address": .text("a")]))
        XCTAssertThrowsError(try replica.write(table: String(repeating: "t", count: 70_000), rowID: "h", values: [:])) {
            XCTAssertEqual($0 as? StoreError, .nameTooLong(what: "table name", size: 70_000, limit: 255))
        }
        XCTAssertThrowsError(try replica.write(table: "household", rowID: "h", values: [String(repeating: "c", count: 70_000): .null])) {
            XCTAssertEqual($0 as? StoreError, .nameTooLong(what: "column name of household", size: 70_000, limit: 255))
        }
        let first = try replica.write(table: "household", rowID: String(repeating: "r", count: 255), values: ["address": .text("a")])
        XCTAssertEqual(first.first?.sequence, 1, "nothing was logged by the refused writes")
    }

    func testTextAndBlobOverWhatABundleFrameCarriesAreRefusedAndTheLimitItselfExports() throws {
        let replica = try makeReplica(1)
        let limit = Change.maxWritableValueLength
        XCTAssertThrowsError(try replica.write(table: "sample", rowID: "s", values: ["t": .text(String(repeating: "x", count: limit + 1))])) {
            XCTAssertEqual($0 as? StoreError, .valueTooLong(table: "sample", column: "t", size: limit + 1, limit: limit))
        }
        XCTAssertThrowsError(try replica.write(table: "sample", rowID: "s", values: ["b": .blob([UInt8](repeating: 1, count: 2 << 20))])) {
            XCTAssertEqual($0 as? StoreError, .valueTooLong(table: "sample", column: "b", size: 2 << 20, limit: limit))
        }
        let id = String(repeating: "s", count: 255)
        try replica.write(table: "sample", rowID: id, values: ["b": .blob([UInt8](repeating: 1, count: limit))])
        for change in try exportAll(replica) {
            var w = ByteWriter()
            change.encode(into: &w)
            XCTAssertLessThanOrEqual(w.bytes.count, Change.maxRecordSize, "the largest accepted record fits a frame")
        }
    }

    func testShortStringOverItsPrefixThrowsInsteadOfTrapping() {
        var w = ByteWriter()
        XCTAssertThrowsError(try w.checkedShortString(String(repeating: "n", count: 70_000), "station name")) {
            XCTAssertEqual($0 as? EncodingTooLong, EncodingTooLong(what: "station name", size: 70_000, limit: 65_535))
        }
        XCTAssertEqual(w.bytes.count, 0)
    }

    func testASecondWriterWaitsForAnotherConnectionsWriteTransactionAndKeepsItsWrite() throws {
        let path = temporaryPath()
        let clock = TestClock()
        let first = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: clock.closure)
        let second = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        let holding = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? first.importChanges { _ in
                holding.signal()
                Thread.sleep(forTimeInterval: 1)
            }
            done.signal()
        }
        holding.wait()
        let start = Date()
        try second.write(table: "household", rowID: "h1", values: ["address": .text("a")])
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.5, "the write waited for the other transaction")
        done.wait()
        XCTAssertEqual(try first.row(table: "household", rowID: "h1")?["address"], .text("a"))
    }

    func testAWriterThatWaitsPastTheBusyTimeoutIsToldTheFileIsInUseAndWritesNothing() throws {
        let path = temporaryPath()
        let clock = TestClock()
        let first = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: clock.closure)
        setenv("FIELDSYNC_BUSY_TIMEOUT", "0.2", 1)
        defer { unsetenv("FIELDSYNC_BUSY_TIMEOUT") }
        let second = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? first.importChanges { _ in
                holding.signal()
                release.wait()
            }
            done.signal()
        }
        holding.wait()
        XCTAssertThrowsError(try second.write(table: "household", rowID: "h1", values: ["address": .text("a")])) {
            XCTAssertEqual($0 as? StoreError, .busy)
            XCTAssertTrue("\($0)".contains("in use by another FieldSync command"))
        }
        release.signal()
        done.wait()
        XCTAssertNil(try second.row(table: "household", rowID: "h1"))
        try second.write(table: "household", rowID: "h1", values: ["address": .text("a")])
    }

    func testReplicaFileAndItsWALAreCreatedPrivateToTheOwner() throws {
        let path = temporaryPath()
        let replica = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "s", role: .station, wallClock: TestClock().closure)
        try replica.write(table: "household", rowID: "h1", values: ["address": .text("a")])
        for file in [path, path + "-wal", path + "-shm"] {
            var st = stat()
            XCTAssertEqual(stat(file, &st), 0, file)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, file)
        }
    }

    func testExportNumberIsUsedUpOnlyWhenTheExportIsRecorded() throws {
        let replica = try makeReplica(1)
        XCTAssertEqual(try replica.upcomingExportSequence(), 1)
        XCTAssertEqual(try replica.upcomingExportSequence(), 1, "asking does not use it up")
        let record = BundleRecord(bundleID: Array(repeating: 1, count: 16), peer: TestSchema.site(2), createdStamp: .zero,
                                  atMillis: 1, changeCount: 0, fileName: "x.fsb")
        try replica.recordExport(record, sequence: 1)
        XCTAssertEqual(try replica.upcomingExportSequence(), 2)
        _ = try replica.nextExportSequence() // an older program reserved 2 and died before writing
        XCTAssertEqual(try replica.upcomingExportSequence(), 2, "a number no bundle was written under is given again")
    }
}
