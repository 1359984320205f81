import FieldSyncCore
import Foundation
import GRDB
import GRDBSQLite

/// The baseline: the same cells written by a plain upsert loop through SQLite's C API —
/// one prepared `INSERT … ON CONFLICT(id) DO UPDATE` per column, one transaction, the same
/// WAL mode and page cache as a replica. This is the fastest way to put those cells in
/// SQLite without a sync engine; the merge is measured against it.
enum RawBaseline {
    static func upsert(_ workload: Workload, at path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -65536") }
        let pool = try DatabasePool(path: path, configuration: config)
        let columns = workload.columns
        try pool.write { db in
            let defs = columns.map { "\"\($0.name)\" \($0.type.rawValue.uppercased())" }.joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE household(id TEXT PRIMARY KEY, \(defs))")
            var statements: [String: Statement] = [:]
            for c in columns {
                statements[c.name] = try db.makeStatement(sql:
                    "INSERT INTO household(id, \"\(c.name)\") VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \"\(c.name)\" = excluded.\"\(c.name)\"")
            }
            let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
            for change in workload.changes {
                let handle = statements[change.column]!.sqliteStatement
                var id = change.rowID
                _ = id.withUTF8 { u in
                    u.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, 1, $0.baseAddress, Int32($0.count), transient) }
                }
                switch change.value {
                case .null: sqlite3_bind_null(handle, 2)
                case let .integer(v): sqlite3_bind_int64(handle, 2, v)
                case let .real(v): sqlite3_bind_double(handle, 2, v)
                case var .text(v):
                    _ = v.withUTF8 { u in
                        u.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, 2, $0.baseAddress, Int32($0.count), transient) }
                    }
                case let .blob(v): _ = v.withUnsafeBytes { sqlite3_bind_blob(handle, 2, $0.baseAddress, Int32($0.count), transient) }
                }
                guard sqlite3_step(handle) == SQLITE_DONE else { throw DatabaseError(message: "raw upsert failed") }
                sqlite3_reset(handle)
            }
        }
    }
}
