import FieldSyncCore
import FieldSyncStore
import Foundation
import GRDB
import GRDBSQLite
import XCTest

/// A manual probe of bulk merge throughput against a raw SQLite upsert loop of the same
/// cells, and of export cost on a large log. Not a timed test: it only runs when
/// `FIELDSYNC_PROBE=1` is set, and should be run in release mode; it prints its figures.
final class MergeThroughputProbe: XCTestCase {
    static let columns = (0..<10).map { "c\($0)" }
    static let schema = Schema(name: "fieldsync.probe", version: 1, tables: [
        TableSchema(name: "wide", columns: columns.map { ColumnSchema($0, .integer) }),
    ])

    func testProbeBulkMergeAgainstRawUpsertLoop() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["FIELDSYNC_PROBE"] == "1", "set FIELDSYNC_PROBE=1 to run")
        let rows = Int(ProcessInfo.processInfo.environment["FIELDSYNC_PROBE_ROWS"] ?? "") ?? 100_000
        let origin = TestSchema.site(1)
        let base: UInt64 = 1_800_000_000_000
        var changes: [Change] = []
        changes.reserveCapacity(rows * 10)
        var seq: UInt64 = 0
        for r in 0..<rows {
            let id = "row-\(String(r, radix: 16))-0123456789abcdef"
            for (c, column) in Self.columns.enumerated() {
                seq += 1
                changes.append(.set("wide", id, column, .integer(Int64(r * 10 + c)), stamp: HybridTimestamp(rawValue: (base << 16) + seq), origin: origin, sequence: seq))
            }
        }

        // Baseline: one upsert statement per cell, one transaction.
        let rawPath = temporaryPath("raw")
        let raw = try DatabasePool(path: rawPath)
        try raw.write { db in
            try db.execute(sql: "CREATE TABLE wide(id TEXT PRIMARY KEY, " + Self.columns.map { "\($0) INTEGER" }.joined(separator: ", ") + ")")
        }
        let rawStart = Date()
        try raw.write { db in
            let statements = try Self.columns.map { try db.makeStatement(sql: "INSERT INTO wide(id, \($0)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \($0) = excluded.\($0)") }
            for change in changes {
                guard case let .integer(v) = change.value else { continue }
                try statements[Int(change.column.dropFirst())!].execute(arguments: [change.rowID, v])
            }
        }
        let rawSeconds = Date().timeIntervalSince(rawStart)

        // Second baseline: the same loop binding through SQLite's C API (no GRDB argument boxing).
        let cRaw = try DatabasePool(path: temporaryPath("craw"))
        try cRaw.write { db in
            try db.execute(sql: "CREATE TABLE wide(id TEXT PRIMARY KEY, " + Self.columns.map { "\($0) INTEGER" }.joined(separator: ", ") + ")")
        }
        let cStart = Date()
        try cRaw.write { db in
            let statements = try Self.columns.map { try db.makeStatement(sql: "INSERT INTO wide(id, \($0)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \($0) = excluded.\($0)") }
            let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
            for change in changes {
                guard case let .integer(v) = change.value else { continue }
                let handle = statements[Int(change.column.dropFirst())!].sqliteStatement
                _ = change.rowID.withCString { sqlite3_bind_text(handle, 1, $0, -1, transient) }
                sqlite3_bind_int64(handle, 2, v)
                guard sqlite3_step(handle) == SQLITE_DONE else { throw DatabaseError(message: "step failed") }
                sqlite3_reset(handle)
            }
        }
        let cSeconds = Date().timeIntervalSince(cStart)

        let clock = TestClock(base)
        let hub = try Replica.create(at: temporaryPath("hub"), schema: Self.schema, siteID: TestSchema.site(9), name: "hub", role: .hub, wallClock: clock.closure)
        let start = Date()
        let (_, report) = try hub.importChanges { tx in
            var i = 0
            while i < changes.count {
                let end = min(i + 10_000, changes.count)
                try tx.apply(Array(changes[i..<end]))
                i = end
            }
        }
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(report.applied, changes.count)
        print("probe: \(changes.count) cells; raw upsert loop \(String(format: "%.2f", rawSeconds)) s (\(Int(Double(changes.count) / rawSeconds))/s); replica apply \(String(format: "%.2f", seconds)) s (\(Int(Double(changes.count) / seconds))/s); ratio \(String(format: "%.0f", 100 * rawSeconds / seconds))%; C-API upsert loop \(String(format: "%.2f", cSeconds)) s, ratio \(String(format: "%.0f", 100 * cSeconds / seconds))%")

        // Export of 1,000 new changes from the large log.
        let since = try hub.vector()
        let more = (1...1000).map { k in
            Change.set("wide", "extra-\(k)", "c0", .integer(Int64(k)), stamp: HybridTimestamp(rawValue: (base << 16) + seq + UInt64(k)), origin: origin, sequence: seq + UInt64(k))
        }
        try apply(more, to: hub)
        let exportStart = Date()
        let exported = try exportAll(hub, since: since, batchSize: 500)
        let count = try hub.changeCount(since: since)
        let exportMillis = Date().timeIntervalSince(exportStart) * 1000
        XCTAssertEqual(exported.count, 1000)
        XCTAssertEqual(count, 1000)
        print("probe: export of 1000 changes from a log of \(changes.count + 1000): \(String(format: "%.1f", exportMillis)) ms")
        let digestStart = Date()
        _ = try hub.digest()
        print("probe: digest of \(rows + 1000) rows: \(String(format: "%.2f", Date().timeIntervalSince(digestStart))) s")
    }
}
