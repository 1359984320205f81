import FieldSyncCore
import GRDB
import GRDBSQLite

/// A write statement executed through SQLite's C API (GRDB's "raw SQLite pointers"), for
/// the few statements a bulk import runs once per change or per row.
///
/// GRDB's `execute(arguments:)` boxes every argument in an existential and converts it to
/// a `DatabaseValue`; at a million changes that costs as much as SQLite itself. Binding
/// directly keeps the merge within a small factor of a raw upsert loop. The statement is
/// prepared by GRDB (`makeStatement`, not the shared cache, so GRDB never sees bindings it
/// did not make) and used only inside the store's own write transactions, on `fs_` tables
/// and user tables that nothing observes.
struct RawStatement {
    let statement: Statement
    let connection: OpaquePointer

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        connection = db.sqliteConnection!
    }

    private var handle: OpaquePointer { statement.sqliteStatement }
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    func bind(_ index: Int32, text: String) {
        var text = text
        _ = text.withUTF8 { utf8 in
            if utf8.isEmpty {
                sqlite3_bind_text(handle, index, "", 0, Self.transient)
            } else {
                utf8.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
            }
        }
    }

    func bind(_ index: Int32, blob: [UInt8]) {
        if blob.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
        } else {
            _ = blob.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
        }
    }

    /// Binds bytes without copying them (`SQLITE_STATIC`): the caller must step or reset
    /// the statement before `bytes` goes out of scope. Saves SQLite a malloc and a copy
    /// per logged change.
    func bind(_ index: Int32, borrowing bytes: UnsafeRawBufferPointer) {
        if bytes.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
        } else {
            sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), nil)
        }
    }

    /// Binds a user value (the store's own NaN / -0.0 bookkeeping lives in RowState).
    func bind(_ index: Int32, _ value: Value) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case let .integer(v): sqlite3_bind_int64(handle, index, v)
        case let .real(v): sqlite3_bind_double(handle, index, v)
        case let .text(v): bind(index, text: v)
        case let .blob(v): bind(index, blob: v)
        }
    }

    /// Steps a query once: true when it produced a row (read it, then call ``reset()``).
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(connection))
            let code = sqlite3_extended_errcode(connection)
            sqlite3_reset(handle)
            throw .database(message: message, code: code)
        }
    }

    func reset() { sqlite3_reset(handle) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// A text column as GRDB reads it (`String(cString:)`), so a value read here is the
    /// value every GRDB read of the same cell gives (digests, exports); nil for NULL.
    func text(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }

    /// A user-table value read back as the column's type, as ``Value/init(_:type:)`` reads
    /// a GRDB `DatabaseValue`: without boxing a `Row` per read, which cost a third of the
    /// hub's steady-state merge (issue 10).
    func value(_ column: Int32, type: ColumnType) -> Value {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER:
            let v = sqlite3_column_int64(handle, column)
            return type == .real ? .real(Double(v)) : .integer(v)
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: return text(column).map(Value.text) ?? .null
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .null
        }
    }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let base = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Runs the statement to completion and resets it; returns the number of rows changed.
    @discardableResult
    func execute() throws(StoreError) -> Int {
        let rc = sqlite3_step(handle)
        guard rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            let code = sqlite3_extended_errcode(connection)
            sqlite3_reset(handle)
            throw .database(message: message, code: code)
        }
        sqlite3_reset(handle)
        return Int(sqlite3_changes(connection))
    }
}
