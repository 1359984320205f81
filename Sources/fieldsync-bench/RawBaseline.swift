import FieldSyncCore
import FieldSyncStore
import Foundation
import GRDB
import GRDBSQLite

/// The baselines without a sync engine, each writing the workload's cells into an empty
/// `household` table through SQLite's C API, in one transaction, with the same WAL mode and
/// page cache (``open(at:)``). The merge is measured against them in the same run.
enum RawBaseline {
    /// A database opened as every baseline opens it, with the replica's pragmas: GRDB's pool
    /// (WAL, the writer with synchronous FULL), the replica's page cache (``Replica/pageCacheKiB``),
    /// its checkpoint interval (``Replica/walCheckpointPages``) and its WAL size limit.
    static func open(at path: String) throws -> DatabasePool {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(Replica.pageCacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Replica.walCheckpointPages)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Replica.walCheckpointPages * 4_096)")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") } // as the replica's writer
        return pool
    }

    /// The workload's columns as a plain table keyed by the row ID.
    static func createTable(of workload: Workload, in db: Database) throws {
        let defs = workload.columns.map { "\"\($0.name)\" \($0.type.rawValue.uppercased())" }.joined(separator: ", ")
        try db.execute(sql: "CREATE TABLE household(id TEXT PRIMARY KEY, \(defs))")
    }

    /// The per-cell upsert: one prepared `INSERT … ON CONFLICT(id) DO UPDATE` per column, one
    /// step per cell, as a sync engine that writes cell by cell would do at best.
    static func upsert(_ workload: Workload, at path: String) throws {
        let pool = try open(at: path)
        let columns = workload.columns
        try pool.write { db in
            try createTable(of: workload, in: db)
            var statements: [String: Statement] = [:]
            for c in columns {
                statements[c.name] = try db.makeStatement(sql:
                    "INSERT INTO household(id, \"\(c.name)\") VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \"\(c.name)\" = excluded.\"\(c.name)\"")
            }
            for change in workload.changes {
                let handle = statements[change.column]!.sqliteStatement
                bind(.text(change.rowID), to: handle, at: 1)
                bind(change.value, to: handle, at: 2)
                guard sqlite3_step(handle) == SQLITE_DONE else { throw DatabaseError(message: "raw upsert failed") }
                sqlite3_reset(handle)
            }
        }
    }

    /// The limit: the same cells as whole rows, one prepared `INSERT` of all columns per row.
    static func insert(_ workload: Workload, at path: String) throws {
        let pool = try open(at: path)
        try pool.write { db in
            try createTable(of: workload, in: db)
            try insertRows(of: workload, in: db)
        }
    }

    /// One `INSERT` step per row of the workload into the table of ``createTable(of:in:)``;
    /// a column the workload leaves out of a row (its last row, when the count is not a
    /// multiple of the columns) is NULL. Also fills the changeset baseline's source database.
    static func insertRows(of workload: Workload, in db: Database) throws {
        let names = workload.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: workload.columns.count + 1).joined(separator: ", ")
        let statement = try db.makeStatement(sql: "INSERT INTO household(id, \(names)) VALUES (\(placeholders))")
        let handle = statement.sqliteStatement
        let position = Dictionary(uniqueKeysWithValues: workload.columns.enumerated().map { ($1.name, Int32($0 + 2)) })
        // The statement object owns the handle: it must outlive the loop.
        try withExtendedLifetime(statement) { try workload.forEachRow { id, cells in
            bind(.text(id), to: handle, at: 1)
            for cell in cells { bind(cell.value, to: handle, at: position[cell.column]!) }
            guard sqlite3_step(handle) == SQLITE_DONE else { throw DatabaseError(message: "raw insert failed") }
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        } }
    }

    /// One prepared `UPDATE` per column, one step per edit: the steady workload's edits
    /// written into the rows of its base (the changeset baseline's source of updates).
    static func updateCells(_ edits: [Change], columns: [ColumnSchema], in db: Database) throws {
        var statements: [String: Statement] = [:]
        for c in columns {
            statements[c.name] = try db.makeStatement(sql: "UPDATE household SET \"\(c.name)\" = ? WHERE id = ?")
        }
        for edit in edits {
            let handle = statements[edit.column]!.sqliteStatement
            bind(edit.value, to: handle, at: 1)
            bind(.text(edit.rowID), to: handle, at: 2)
            guard sqlite3_step(handle) == SQLITE_DONE else { throw DatabaseError(message: "raw update failed") }
            sqlite3_reset(handle)
        }
    }

    /// Binds a value through the C API, copied by SQLite (`SQLITE_TRANSIENT`).
    static func bind(_ value: Value, to handle: SQLiteStatement, at index: Int32) {
        let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case let .integer(v): sqlite3_bind_int64(handle, index, v)
        case let .real(v): sqlite3_bind_double(handle, index, v)
        case var .text(v):
            _ = v.withUTF8 { u in
                u.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), transient) }
            }
        case let .blob(v): _ = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
        }
    }
}
