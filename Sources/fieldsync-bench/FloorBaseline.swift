import FieldSyncCore
import Foundation
import GRDB
import GRDBSQLite

/// The floor of FieldSync's own records (issue 10): SQLite alone writing the records the
/// merge wrote, with none of FieldSync's code in between (no bundle read, no decoding, no
/// checks, no cell merge; in Swift only a loop binding each record's values, made ready as
/// bytes before the clock starts). It answers a question the peers cannot: how
/// fast could a merge be that writes what FieldSync's merge writes, whatever its code? Those
/// records are what the changeset apply never writes:
///
/// - every change in the log (`fs_log_runs`: each change's canonical record, written
///   against the one before it in its run), which a hub relays to the other stations and
///   re-exports bit-exact;
/// - a version per cell (`fs_cells`), which convergence in any delivery order rests on;
/// - each change filed into its township's feed (`fs_feed_entries`), and each case's
///   township and scopes (`fs_case`, `fs_case_scopes`), which partial replication and
///   transfers rest on;
/// - for a hub today, one synced transaction per station bundle, which each bundle's
///   atomic import and its acknowledgement rest on (a savepoint per bundle inside one
///   transaction per stick would keep the first and delay the second: the per-round replay
///   measures that).
///
/// The records are taken from a replica that really merged the workload, so their number
/// and sizes are exactly the merge's. The floor is optimistic on purpose: it writes each
/// table's records together (the merge interleaves them), it reads and writes an edited row
/// once per transaction by its rowid, it skips the reads the merge makes of a case's
/// township and of the log (the duplicate check), and it writes no conflicts. So a target
/// above the floor's own ratio cannot be met by any code that writes these records; a
/// different encoding of them (a smaller log record, a smaller cell version) has a floor of
/// its own.
enum FloorBaseline {
    /// The tables a bulk merge of new rows writes, beside the user table.
    static let storeTables = ["fs_log_runs", "fs_feed_entries", "fs_case", "fs_case_scopes"]

    enum Failure: Error, CustomStringConvertible {
        /// Records of the merge the floor could not place in one of its transactions: the
        /// floor would write less than the merge did.
        case unplaced(table: String, count: Int)
        /// The merge changed the number of rows of a table the replay does not write.
        case tableChanged(String)
        case sqlite(step: String)

        var description: String {
            switch self {
            case let .unplaced(table, count): "floor: \(count) records of \(table) belong to no transaction of the replay"
            case let .tableChanged(table): "floor: the merge changed the number of rows of \(table), which the replay does not write"
            case let .sqlite(step): "floor: \(step) failed"
            }
        }
    }

    // MARK: New rows

    /// What ``copy(tables:from:to:)`` measured: the whole transaction, each table's
    /// inserts, and the commit (the WAL written and synced).
    struct Copy {
        var seconds = 0.0
        var tables: [(name: String, records: Int, seconds: Double)] = []
        var commitSeconds = 0.0

        /// One line: each table's records and seconds, then the commit's.
        var breakdown: String {
            tables.map { "\($0.name) \($0.records) in " + String(format: "%.2f s", $0.seconds) }.joined(separator: ", ")
                + String(format: ", commit %.2f s", commitSeconds)
        }
    }

    /// The change log of the replica at `path`: its runs, and the bytes their changes take
    /// (what the log stores, not counting the B-tree's own keys and pages).
    static func logFootprint(of path: String) throws -> (runs: Int, bytes: Int) {
        try DatabaseQueue(path: path, configuration: readOnly).read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), IFNULL(SUM(length(records)), 0) FROM fs_log_runs")!
            return (row[0], row[1])
        }
    }

    /// New rows: every record of `tables` in the replica at `source` (which merged the
    /// workload), inserted into an empty database of the same tables and indexes, with the
    /// baselines' pragmas, in one transaction: the user table's rows in the order the merge
    /// inserted them (rowid), the feed's in arrival order, the other tables' in key order.
    static func copy(tables: [String], from source: String, to path: String) throws -> Copy {
        let reader = try DatabaseQueue(path: source, configuration: readOnly)
        var contents: [(table: String, columns: [String], records: [Record])] = []
        var schema: [String] = []
        try reader.read { db in
            for table in tables {
                schema += try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC",
                                              arguments: [table])
                let columns = try columns(of: table, db)
                let order = table == "fs_feed_entries" ? " ORDER BY pos" : try isRowidTable(table, db) ? " ORDER BY rowid" : ""
                contents.append((table, columns, try records(db, "SELECT \(list(columns)) FROM \(quote(table))\(order)")))
            }
        }
        try reader.close()
        let pool = try RawBaseline.open(at: path)
        defer { try? pool.close() }
        try pool.write { db in for sql in schema { try db.execute(sql: sql) } }
        var copied = Copy()
        copied.seconds = try FieldSyncBench.measure {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                for (table, columns, records) in contents {
                    let statement = try db.makeStatement(sql: insertSQL(table, columns))
                    let seconds = try FieldSyncBench.measure {
                        for record in records { try insert(record, with: statement.sqliteStatement) }
                    }
                    copied.tables.append((table, records.count, seconds))
                }
                copied.commitSeconds = try FieldSyncBench.measure { try db.execute(sql: "COMMIT") }
            }
        }
        return copied
    }

    // MARK: The steady state

    /// What ``replay(transactions:table:merged:path:warm:)`` measured: all the transactions,
    /// and summed over them, each part.
    struct Replay {
        var seconds = 0.0
        var rowSeconds = 0.0, feedSeconds = 0.0, logSeconds = 0.0, commitSeconds = 0.0
        var transactions = 0, rows = 0, feedEntries = 0, logRuns = 0

        /// The figures for `--json`.
        var json: [String: Any] {
            ["seconds": seconds, "rowSeconds": rowSeconds, "feedSeconds": feedSeconds, "logSeconds": logSeconds,
             "commitSeconds": commitSeconds, "transactions": transactions, "rows": rows, "feedEntries": feedEntries, "logRuns": logRuns]
        }

        /// One line: each part's records and seconds.
        var breakdown: String {
            String(format: "%d rows read and written %.2f s, %d feed entries %.2f s, %d log runs %.2f s, %d commits %.2f s",
                   rows, rowSeconds, feedEntries, feedSeconds, logRuns, logSeconds, transactions, commitSeconds)
        }
    }

    /// One transaction of the replay, made ready before the clock starts.
    private struct Transaction {
        /// Each edited row's id, its last edit's value, and which column that edit set.
        var rows: [(id: Bound, value: Bound, column: Int)] = []
        var feedEntries: [Record] = []
        var logRuns: [Record] = []
    }

    /// The steady state as a hub merges it. On `path`, a copy of the hub file as it was
    /// before the merge: one transaction per element of `transactions` (the edits of a
    /// station bundle, of a round of bundles, or of one import), each reading every edited
    /// row (all its values and its cell versions) and writing it back once with its last
    /// edit's value and the versions it read, then appending the feed entries and log runs
    /// that `merged` (the same hub after the merge) holds for those edits. `warm` first reads
    /// the user table into the page cache (not timed), as a merge into a replica just
    /// filled finds it.
    static func replay(transactions edits: [[Change]], table: String, merged: String, path: String, warm: Bool) throws -> Replay {
        var transactions = edits.map { _ in Transaction() }
        let base = try DatabaseQueue(path: path, configuration: readOnly)
        let (feedEnd, arrivalEnd, userColumns, untouched) = try base.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(pos) FROM fs_feed_entries") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT max(arrival) FROM fs_log_runs") ?? 0,
             try columns(of: table, db),
             try counts(of: ["fs_case", "fs_case_scopes", "fs_tombstones"], db))
        }
        try base.close()
        precondition(userColumns.contains("fs_cells") && userColumns.contains("id"), "not a replica's user table: \(userColumns)")
        let columnIndex = Dictionary(uniqueKeysWithValues: userColumns.enumerated().map { ($1, $0) })
        for (index, transaction) in edits.enumerated() {
            transactions[index].rows = lastEditOfEachRow(transaction).map { (Bound(.text($0.rowID)), Bound($0.value), columnIndex[$0.column]!) }
        }

        let reader = try DatabaseQueue(path: merged, configuration: readOnly)
        try reader.read { db in
            for (table, count) in try counts(of: untouched.keys.sorted(), db) where count != untouched[table] {
                throw Failure.tableChanged(table)
            }
            let siteNumbers = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT site_id, site_no FROM fs_sites").map {
                (SiteID(bytes: [UInt8]($0[0] as Data))!, $0[1] as Int64)
            })
            // Each transaction holds a range of consecutive numbers of each origin it has
            // edits of: a record belongs to the transaction whose range holds its first number.
            var ranges: [Int64: [(low: UInt64, high: UInt64, index: Int)]] = [:]
            for (index, transaction) in edits.enumerated() {
                var own: [SiteID: (low: UInt64, high: UInt64)] = [:]
                for edit in transaction {
                    let range = own[edit.origin]
                    own[edit.origin] = (min(range?.low ?? edit.sequence, edit.sequence), max(range?.high ?? edit.sequence, edit.sequence))
                }
                for (origin, range) in own {
                    if let siteNo = siteNumbers[origin] { ranges[siteNo, default: []].append((range.low, range.high, index)) }
                }
            }
            func transaction(of record: Record) -> Int? {
                // Both tables lead with (…, site_no, seq_lo) as bound below.
                guard case let .integer(siteNo) = record[record.count - 2], case let .integer(low) = record[record.count - 1] else { return nil }
                return ranges[siteNo]?.first { $0.low <= UInt64(bitPattern: low) && UInt64(bitPattern: low) <= $0.high }?.index
            }
            // Every record the merge added, found by its arrival number, not by its origin.
            var unplaced = 0
            for entry in try records(db, "SELECT \(list(feedColumns)), site_no, seq_lo FROM fs_feed_entries WHERE pos > ? ORDER BY pos", [feedEnd]) {
                if let index = transaction(of: entry) { transactions[index].feedEntries.append(Array(entry.dropLast(2))) } else { unplaced += 1 }
            }
            if unplaced > 0 { throw Failure.unplaced(table: "fs_feed_entries", count: unplaced) }
            for run in try records(db, "SELECT \(list(runColumns)), site_no, seq_lo FROM fs_log_runs WHERE arrival > ? ORDER BY arrival", [arrivalEnd]) {
                if let index = transaction(of: run) { transactions[index].logRuns.append(Array(run.dropLast(2))) } else { unplaced += 1 }
            }
            if unplaced > 0 { throw Failure.unplaced(table: "fs_log_runs", count: unplaced) }
        }
        try reader.close()

        let pool = try RawBaseline.open(at: path)
        defer { try? pool.close() }
        var replayed = Replay()
        try pool.writeWithoutTransaction { db in
            // Prepared before the clock starts, as the merge prepares its statements once per import.
            let cells = Int32(userColumns.firstIndex(of: "fs_cells")! + 1)
            let select = try db.makeStatement(sql: "SELECT rowid, \(list(userColumns)) FROM \(quote(table)) WHERE \"id\" = ?")
            let updates = try userColumns.map { column in
                column == "fs_cells" ? nil : try db.makeStatement(sql: "UPDATE \(quote(table)) SET \(quote(column)) = ?1, \"fs_cells\" = ?2 WHERE rowid = ?3")
            }
            let feedInsert = try db.makeStatement(sql: insertSQL("fs_feed_entries", feedColumns))
            let runInsert = try db.makeStatement(sql: insertSQL("fs_log_runs", runColumns))
            if warm { _ = try Data.fetchAll(db, sql: "SELECT fs_cells FROM \(quote(table))") }
            replayed.seconds = try FieldSyncBench.measure {
                for transaction in transactions {
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    replayed.rowSeconds += try FieldSyncBench.measure {
                        for row in transaction.rows {
                            try readAndWrite(row, select: select.sqliteStatement, columns: Int32(userColumns.count) + 1, cellsAt: cells,
                                             update: updates[row.column]!.sqliteStatement)
                        }
                    }
                    replayed.feedSeconds += try FieldSyncBench.measure {
                        for entry in transaction.feedEntries { try insert(entry, with: feedInsert.sqliteStatement) }
                    }
                    replayed.logSeconds += try FieldSyncBench.measure {
                        for run in transaction.logRuns { try insert(run, with: runInsert.sqliteStatement) }
                    }
                    replayed.commitSeconds += try FieldSyncBench.measure { try db.execute(sql: "COMMIT") }
                }
            }
        }
        replayed.transactions = transactions.count
        replayed.rows = transactions.reduce(0) { $0 + $1.rows.count }
        replayed.feedEntries = transactions.reduce(0) { $0 + $1.feedEntries.count }
        replayed.logRuns = transactions.reduce(0) { $0 + $1.logRuns.count }
        return replayed
    }

    /// The feed's and the log's columns as the replay copies them.
    private static let feedColumns = ["scope", "pos", "site_no", "seq_lo", "seq_hi", "case_id", "pinned"]
    private static let runColumns = ["site_no", "seq_lo", "seq_hi", "arrival", "records"]

    /// Each row's last edit, in the order the rows were first edited: the merge holds a row
    /// it merges a second time in one import and writes it once (``ImportRowCache``), so
    /// the floor reads and writes each row once per transaction too.
    private static func lastEditOfEachRow(_ edits: [Change]) -> [Change] {
        var position: [String: Int] = [:]
        var last: [Change] = []
        for edit in edits {
            if let i = position[edit.rowID] { last[i] = edit } else {
                position[edit.rowID] = last.count
                last.append(edit)
            }
        }
        return last
    }

    /// Reads a row's every column, as the merge reads a row before merging into it, then
    /// writes the edited column and the row's cell versions back, by the rowid just read.
    private static func readAndWrite(_ row: (id: Bound, value: Bound, column: Int), select: SQLiteStatement, columns: Int32,
                                     cellsAt cells: Int32, update: SQLiteStatement) throws {
        row.id.bind(to: select, at: 1)
        guard sqlite3_step(select) == SQLITE_ROW else { throw Failure.sqlite(step: "reading an edited row") }
        for i in 1..<columns where i != cells {
            switch sqlite3_column_type(select, i) {
            case SQLITE_INTEGER: _ = sqlite3_column_int64(select, i)
            case SQLITE_FLOAT: _ = sqlite3_column_double(select, i)
            case SQLITE_TEXT: _ = sqlite3_column_text(select, i)
            default: break
            }
        }
        sqlite3_bind_blob(update, 2, sqlite3_column_blob(select, cells), sqlite3_column_bytes(select, cells), transient)
        sqlite3_bind_int64(update, 3, sqlite3_column_int64(select, 0))
        sqlite3_reset(select)
        row.value.bind(to: update, at: 1)
        guard sqlite3_step(update) == SQLITE_DONE else { throw Failure.sqlite(step: "writing an edited row") }
        sqlite3_reset(update)
    }

    // MARK: Records made ready to bind

    /// A value ready to bind: text and blobs as bytes, so that nothing is converted while
    /// the clock runs.
    enum Bound {
        case null, integer(Int64), real(Double), text([UInt8]), blob([UInt8])

        init(_ value: DatabaseValue) {
            switch value.storage {
            case .null: self = .null
            case let .int64(v): self = .integer(v)
            case let .double(v): self = .real(v)
            case let .string(v): self = .text(Array(v.utf8))
            case let .blob(v): self = .blob([UInt8](v))
            }
        }

        init(_ value: Value) {
            switch value {
            case .null: self = .null
            case let .integer(v): self = .integer(v)
            case let .real(v): self = .real(v)
            case let .text(v): self = .text(Array(v.utf8))
            case let .blob(v): self = .blob(v)
            }
        }

        func bind(to handle: SQLiteStatement, at index: Int32) {
            switch self {
            case .null: sqlite3_bind_null(handle, index)
            case let .integer(v): sqlite3_bind_int64(handle, index, v)
            case let .real(v): sqlite3_bind_double(handle, index, v)
            case let .text(bytes):
                bytes.withUnsafeBufferPointer { u in
                    u.withMemoryRebound(to: CChar.self) { _ = sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), transient) }
                }
            case let .blob(bytes): _ = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
            }
        }
    }

    typealias Record = [Bound]

    private static func records(_ db: Database, _ sql: String, _ arguments: StatementArguments = []) throws -> [Record] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in (0..<row.count).map { Bound(row[$0] as DatabaseValue) } }
    }

    private static func insert(_ record: Record, with handle: SQLiteStatement) throws {
        for (i, value) in record.enumerated() { value.bind(to: handle, at: Int32(i + 1)) }
        guard sqlite3_step(handle) == SQLITE_DONE else { throw Failure.sqlite(step: "an insert") }
        sqlite3_reset(handle)
    }

    /// SQLite copies what it is given (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private static var readOnly: Configuration {
        var config = Configuration()
        config.readonly = true
        return config
    }

    private static func columns(of table: String, _ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table]).map { $0[0] as String }
    }

    private static func counts(of tables: [String], _ db: Database) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try tables.map { ($0, try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quote($0))") ?? 0) })
    }

    private static func isRowidTable(_ table: String, _ db: Database) throws -> Bool {
        let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]) ?? ""
        return !sql.uppercased().contains("WITHOUT ROWID")
    }

    private static func insertSQL(_ table: String, _ columns: [String]) -> String {
        "INSERT INTO \(quote(table))(\(list(columns))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    private static func list(_ columns: [String]) -> String { columns.map(quote).joined(separator: ", ") }

    private static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
