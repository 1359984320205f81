import FieldSyncCore
import Foundation
import GRDB

/// The storage primitives shared by local writes and remote applies: row merge state,
/// user rows, the change log and conflict records. Valid inside one write transaction.
///
/// Statements are prepared once per instance and kept in properties: in a bulk import
/// even looking up GRDB's statement cache (hashing the SQL text) per change shows up.
final class RowStore {
    let db: Database
    private var logInsertStatement: RawStatement?
    private var rowSelectStatement: RawStatement?
    private var logSelectStatement: RawStatement?
    private var cellsUpsertStatement: RawStatement?
    private var tableStatements: [String: (select: RawStatement, upsert: RawStatement)] = [:]
    /// The buffer each log record is encoded into, reused so that logging a change does
    /// not allocate.
    private var recordWriter = ByteWriter(capacity: 256)
    private var logInsertManyStatement: RawStatement?
    /// Log entries known to be new (see ``appendNewToLog(_:siteNo:arrival:)``), waiting to
    /// be written by one multi-row INSERT: keys, and their records back to back in
    /// `pendingRecords` (entry i ends at `pendingEnds[i]`).
    private var pendingKeys: [(siteNo: Int64, seq: Int64, arrival: Int64)] = []
    private var pendingEnds: [Int] = []
    private var pendingRecords = ByteWriter(capacity: RowStore.logRowsPerStatement * 128)

    /// Rows per multi-row log INSERT: 64 × 4 = 256 parameters, well under SQLite's limit;
    /// past a few dozen rows the per-statement overhead is already amortised.
    static let logRowsPerStatement = 64

    init(db: Database) {
        self.db = db
    }

    /// Prepares on first use, so a read (``Replica/row(table:rowID:)``) prepares only what it runs.
    private func prepared(_ slot: ReferenceWritableKeyPath<RowStore, RawStatement?>, _ sql: String) throws -> RawStatement {
        if let statement = self[keyPath: slot] { return statement }
        let statement = try RawStatement(db, sql: sql)
        self[keyPath: slot] = statement
        return statement
    }

    private var logInsert: RawStatement {
        get throws {
            try prepared(\.logInsertStatement, """
                INSERT INTO fs_changes(site_no, seq, arrival, record) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
        }
    }

    private var logInsertMany: RawStatement {
        get throws {
            // Checked before building the SQL text, which would otherwise be joined anew
            // for every batch.
            if let statement = logInsertManyStatement { return statement }
            let rows = Array(repeating: "(?, ?, ?, ?)", count: Self.logRowsPerStatement).joined(separator: ", ")
            // No conflict clause: only changes proven new are batched, so a conflict here
            // would be a bug, and must fail loudly rather than drop a change.
            return try prepared(\.logInsertManyStatement, "INSERT INTO fs_changes(site_no, seq, arrival, record) VALUES \(rows)")
        }
    }

    private var rowSelect: RawStatement {
        get throws { try prepared(\.rowSelectStatement, "SELECT cells, tomb_stamp, tomb_site_no FROM fs_rows WHERE tbl = ? AND row_id = ?") }
    }

    private var cellsUpsert: RawStatement {
        get throws {
            try prepared(\.cellsUpsertStatement, "INSERT INTO fs_rows(tbl, row_id, cells) VALUES (?, ?, ?) ON CONFLICT(tbl, row_id) DO UPDATE SET cells = excluded.cells")
        }
    }

    private func statements(_ table: TableCatalog) throws -> (select: RawStatement, upsert: RawStatement) {
        if let s = tableStatements[table.schema.name] { return s }
        let s = (try RawStatement(db, sql: table.selectRowSQL), try RawStatement(db, sql: table.upsertRowSQL))
        tableStatements[table.schema.name] = s
        return s
    }

    /// Loads the merge state of a row, and its current values when it is visible.
    func load(_ table: TableCatalog, _ rowID: String) throws -> RowState {
        var state = RowState(columnCount: table.schema.columns.count)
        let rowSelect = try rowSelect
        rowSelect.bind(1, text: table.schema.name)
        rowSelect.bind(2, text: rowID)
        guard try rowSelect.step() else {
            rowSelect.reset()
            return state
        }
        state.stored = true
        if !rowSelect.isNull(1) {
            state.tombStamp = UInt64(sql: rowSelect.int64(1))
            state.tombSiteNo = rowSelect.int64(2)
            rowSelect.reset()
            return state
        }
        let cells = rowSelect.blob(0)
        rowSelect.reset()
        try RowState.decodeCells(cells, into: &state.cells)
        guard state.hasCells else { return state }
        let select = try statements(table).select
        select.bind(1, text: rowID)
        defer { select.reset() }
        guard try select.step() else { return state }
        for (i, column) in table.schema.columns.enumerated() {
            if let bits = state.cells[i]?.exactReal {
                state.values[i] = .real(Double(bitPattern: bits))
            } else {
                state.values[i] = select.value(Int32(i), type: column.type)
            }
        }
        return state
    }

    /// Writes back what changed: the user row (upsert, or delete once tombstoned) and the
    /// merge record.
    func save(_ table: TableCatalog, _ rowID: String, _ state: RowState) throws {
        if state.tombstoneChanged {
            try db.cachedStatement(sql: table.deleteRowSQL).execute(arguments: [rowID])
            try db.cachedStatement(sql: "INSERT INTO fs_rows(tbl, row_id, cells, tomb_stamp, tomb_site_no) VALUES (?, ?, x'', ?, ?) ON CONFLICT(tbl, row_id) DO UPDATE SET cells = x'', tomb_stamp = excluded.tomb_stamp, tomb_site_no = excluded.tomb_site_no")
                .execute(arguments: [table.schema.name, rowID, state.tombStamp!.sql, state.tombSiteNo])
            return
        }
        if state.valuesChanged {
            let upsert = try statements(table).upsert
            upsert.bind(1, text: rowID)
            for (i, v) in state.values.enumerated() { upsert.bind(Int32(i + 2), v) }
            try upsert.execute()
        }
        if state.cellsChanged {
            let cellsUpsert = try cellsUpsert
            cellsUpsert.bind(1, text: table.schema.name)
            cellsUpsert.bind(2, text: rowID)
            cellsUpsert.bind(3, blob: state.encodeCells())
            try cellsUpsert.execute()
        }
    }

    /// Appends a change to the log; returns false when (origin, sequence) is already there.
    ///
    /// The log holds the change's canonical record; `baseSiteNo` is not stored (the record
    /// carries the base site itself) and is accepted so callers intern the base either way.
    /// Writes any pending batched entries first, so the duplicate check sees them.
    func appendToLog(_ change: Change, siteNo: Int64, baseSiteNo: Int64?, arrival: Int64) throws -> Bool {
        try flushLog()
        let logInsert = try logInsert
        logInsert.bind(1, siteNo)
        logInsert.bind(2, change.sequence.sql)
        logInsert.bind(3, arrival)
        recordWriter.removeAll()
        change.encode(into: &recordWriter)
        return try recordWriter.bytes.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> Bool in
            logInsert.bind(4, borrowing: bytes)
            return try logInsert.execute() == 1
        }
    }

    /// Queues a change the caller has proven absent from the log (its sequence is above
    /// the highest logged from its origin), to be inserted with others in one statement.
    /// ``flushLog()`` must run before the transaction reads the log or ends.
    func appendNewToLog(_ change: Change, siteNo: Int64, arrival: Int64) throws {
        pendingKeys.append((siteNo, change.sequence.sql, arrival))
        change.encode(into: &pendingRecords)
        pendingEnds.append(pendingRecords.bytes.count)
        if pendingKeys.count == Self.logRowsPerStatement { try flushLog() }
    }

    /// Writes the queued log entries: a full batch with the multi-row statement, a
    /// shorter tail one row at a time.
    func flushLog() throws {
        guard !pendingKeys.isEmpty else { return }
        defer {
            pendingKeys.removeAll(keepingCapacity: true)
            pendingEnds.removeAll(keepingCapacity: true)
            pendingRecords.removeAll()
        }
        let full = pendingKeys.count == Self.logRowsPerStatement
        let statement = full ? try logInsertMany : try logInsert
        let keys = pendingKeys, ends = pendingEnds
        try pendingRecords.bytes.withUnsafeBytes { (records: UnsafeRawBufferPointer) throws -> Void in
            var start = 0
            for i in keys.indices {
                let base = full ? Int32(i * 4) : 0
                statement.bind(base + 1, keys[i].siteNo)
                statement.bind(base + 2, keys[i].seq)
                statement.bind(base + 3, keys[i].arrival)
                statement.bind(base + 4, borrowing: UnsafeRawBufferPointer(rebasing: records[start..<ends[i]]))
                start = ends[i]
                if !full, try statement.execute() != 1 {
                    throw StoreError.corrupt(reason: "a change proven new was already in the log")
                }
            }
            if full { try statement.execute() }
        }
    }

    /// Throws ``StoreError/reusedSequence(origin:sequence:)`` unless the log holds exactly
    /// `change` under its (origin, sequence): a held number with other content is not a
    /// duplicate but a number used twice, and counting it as a duplicate would drop one
    /// of the two changes silently on this replica only.
    func requireSameAsLogged(_ change: Change, siteNo: Int64) throws {
        try flushLog()
        let select = try prepared(\.logSelectStatement, "SELECT record FROM fs_changes WHERE site_no = ? AND seq = ?")
        select.bind(1, siteNo)
        select.bind(2, change.sequence.sql)
        defer { select.reset() }
        recordWriter.removeAll()
        change.encode(into: &recordWriter)
        guard try select.step(), select.blob(0) == recordWriter.bytes else {
            throw StoreError.reusedSequence(origin: change.origin, sequence: change.sequence)
        }
    }

    /// Records a conflict for review. For ``ConflictKind/lostToDelete`` the winner is the
    /// delete: its version and the value null.
    func recordConflict(table: String, rowID: String, column: String, kind: ConflictKind, winner: CellState, loser: CellState,
                        atMillis: UInt64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO fs_conflicts(tbl, row_id, col, kind, winner_stamp, winner_site, winner_value, winner_base_stamp, winner_base_site,
                                     loser_stamp, loser_site, loser_value, loser_base_stamp, loser_base_site, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                table, rowID, column, kind.rawValue,
                winner.version.stamp.rawValue.sql, Data(winner.version.site.bytes), Data(winner.value.encoded),
                winner.base?.stamp.rawValue.sql, winner.base.map { Data($0.site.bytes) },
                loser.version.stamp.rawValue.sql, Data(loser.version.site.bytes), Data(loser.value.encoded),
                loser.base?.stamp.rawValue.sql, loser.base.map { Data($0.site.bytes) },
                atMillis.sql,
            ])
    }
}

extension CellEntry {
    func version(_ sites: SiteDirectory) throws -> CellVersion {
        CellVersion(stamp: HybridTimestamp(rawValue: stamp), site: try sites.site(siteNo))
    }

    func base(_ sites: SiteDirectory) throws -> CellVersion? {
        baseSiteNo == 0 ? nil : CellVersion(stamp: HybridTimestamp(rawValue: baseStamp), site: try sites.site(baseSiteNo))
    }
}
