import FieldSyncCore
import Foundation
import GRDB

/// The storage primitives shared by local writes and remote applies: user rows with their
/// merge state, tombstones, the change log and conflict records. Valid inside one write
/// transaction.
///
/// Statements are prepared once per instance and kept in properties: in a bulk import
/// even looking up GRDB's statement cache (hashing the SQL text) per change shows up.
final class RowStore {
    let db: Database
    private var tombstoneSelectStatement: RawStatement?
    private var runInsertStatement: RawStatement?
    private var runSelectStatement: RawStatement?
    private var tableStatements: [String: (select: RawStatement, upsert: RawStatement)] = [:]
    /// The buffer each log record is encoded into, reused so that logging a change does
    /// not allocate.
    private var recordWriter = ByteWriter(capacity: 256)
    /// The log run each origin's next change may join (``LogRun``), written when the next
    /// change does not join it and by ``flushLog()``. An array searched by origin: a batch
    /// holds a few origins, and a run mutated in place in an array is not copied (in a
    /// dictionary, appending through the optional subscript copied the run's buffers).
    private var openRuns: [LogRun] = []
    /// Single changes read back for duplicate checks: a re-delivered bundle checks one
    /// run's changes one after another.
    private lazy var lookup = LogLookup(db: db)

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

    private var runInsert: RawStatement {
        get throws {
            try prepared(\.runInsertStatement, ChangeLog.insertSQL)
        }
    }

    /// The run that holds or would precede a number: the last starting at or below it.
    private var runSelect: RawStatement {
        get throws {
            try prepared(\.runSelectStatement, "SELECT seq_hi FROM fs_log_runs WHERE site_no = ? AND seq_lo <= ? ORDER BY seq_lo DESC LIMIT 1")
        }
    }

    private var tombstoneSelect: RawStatement {
        get throws { try prepared(\.tombstoneSelectStatement, "SELECT stamp, site_no FROM fs_tombstones WHERE tbl = ? AND row_id = ?") }
    }

    private func statements(_ table: TableCatalog) throws -> (select: RawStatement, upsert: RawStatement) {
        if let s = tableStatements[table.schema.name] { return s }
        let s = (try RawStatement(db, sql: table.selectRowSQL), try RawStatement(db, sql: table.upsertRowSQL))
        tableStatements[table.schema.name] = s
        return s
    }

    /// Loads the merge state of a row, and its current values when it is visible: one read
    /// of the user row (values and cells), or, when there is none, of its tombstone.
    func load(_ table: TableCatalog, _ rowID: String) throws -> RowState {
        var state = RowState(columnCount: table.schema.columns.count)
        let select = try statements(table).select
        select.bind(1, text: rowID)
        if try select.step() {
            defer { select.reset() }
            state.stored = true
            let columns = table.schema.columns
            try RowState.decodeCells(select.blob(Int32(columns.count)), into: &state.cells)
            guard state.hasCells else { return state }
            for (i, column) in columns.enumerated() {
                if let bits = state.cells[i]?.exactReal {
                    state.values[i] = .real(Double(bitPattern: bits))
                } else {
                    state.values[i] = select.value(Int32(i), type: column.type)
                }
            }
            return state
        }
        select.reset()
        let tombstone = try tombstoneSelect
        tombstone.bind(1, text: table.schema.name)
        tombstone.bind(2, text: rowID)
        defer { tombstone.reset() }
        guard try tombstone.step() else { return state }
        state.stored = true
        state.tombStamp = UInt64(sql: tombstone.int64(0))
        state.tombSiteNo = tombstone.int64(1)
        return state
    }

    /// Writes back what changed: the user row with its cells (upsert), or, once the row is
    /// deleted, its tombstone in place of the user row.
    func save(_ table: TableCatalog, _ rowID: String, _ state: RowState) throws {
        if state.tombstoneChanged {
            try db.cachedStatement(sql: table.deleteRowSQL).execute(arguments: [rowID])
            try db.cachedStatement(sql: "INSERT INTO fs_tombstones(tbl, row_id, stamp, site_no) VALUES (?, ?, ?, ?) ON CONFLICT(tbl, row_id) DO UPDATE SET stamp = excluded.stamp, site_no = excluded.site_no")
                .execute(arguments: [table.schema.name, rowID, state.tombStamp!.sql, state.tombSiteNo])
            return
        }
        // A row without a single cell has nothing visible to write (a rebuild's row whose
        // every write lost: none can, against empty cells, but a user row of nulls must
        // never appear from one).
        guard state.valuesChanged || state.cellsChanged, state.hasCells else { return }
        let upsert = try statements(table).upsert
        upsert.bind(1, text: rowID)
        for (i, v) in state.values.enumerated() { upsert.bind(Int32(i + 2), v) }
        upsert.bind(Int32(state.values.count + 2), blob: state.encodeCells())
        try upsert.execute()
    }

    /// Appends a change to the log; returns false when (origin, sequence) is already there.
    ///
    /// The log holds the change's canonical record; `baseSiteNo` is not stored (the record
    /// carries the base site itself) and is accepted so callers intern the base either way.
    /// Writes the open runs first, so the duplicate check sees them. The change is a run of
    /// its own: this path takes changes that may fill a gap, and a station's local writes.
    func appendToLog(_ change: Change, siteNo: Int64, baseSiteNo: Int64?, arrival: Int64) throws -> Bool {
        try flushLog()
        let select = try runSelect
        select.bind(1, siteNo)
        select.bind(2, change.sequence.sql)
        let covered = try select.step() && UInt64(sql: select.int64(0)) >= change.sequence
        select.reset()
        if covered { return false }
        recordWriter.removeAll()
        change.encode(into: &recordWriter)
        let run = try recordWriter.bytes.withUnsafeBytes { record in
            try LogRun(siteNo: siteNo, sequence: change.sequence, arrival: arrival, record: record)
        }
        try write(run)
        return true
    }

    /// Logs a change the caller has proven absent from the log (its sequence is above the
    /// highest logged from its origin): it joins its origin's open run when it can, so a
    /// batch writes a row per run, not per change. ``flushLog()`` must run before the
    /// transaction reads the log or ends.
    func appendNewToLog(_ change: Change, siteNo: Int64, arrival: Int64) throws {
        recordWriter.removeAll()
        change.encode(into: &recordWriter)
        try recordWriter.bytes.withUnsafeBytes { (record: UnsafeRawBufferPointer) throws -> Void in
            guard let i = openRuns.firstIndex(where: { $0.siteNo == siteNo }) else {
                openRuns.append(try LogRun(siteNo: siteNo, sequence: change.sequence, arrival: arrival, record: record))
                return
            }
            if openRuns[i].append(sequence: change.sequence, arrival: arrival, record: record) { return }
            let next = try LogRun(siteNo: siteNo, sequence: change.sequence, arrival: arrival, record: record)
            try write(openRuns[i])
            openRuns[i] = next
        }
    }

    /// Forgets the runs open and not yet written: after a savepoint rolled back the
    /// changes they hold.
    func discardOpenRuns() { openRuns.removeAll(keepingCapacity: true) }

    /// Forgets the log entries read for duplicate checks: the log may have changed since.
    func forgetReadLog() { lookup.forget() }

    /// Writes the open runs.
    func flushLog() throws {
        guard !openRuns.isEmpty else { return }
        for run in openRuns { try write(run) }
        openRuns.removeAll(keepingCapacity: true)
    }

    private func write(_ run: LogRun) throws {
        lookup.forget()
        let insert = try runInsert
        insert.bind(1, run.siteNo)
        insert.bind(2, run.low.sql)
        insert.bind(3, run.high.sql)
        insert.bind(4, run.firstArrival)
        insert.bind(5, blob: run.bytes)
        // Only changes proven absent are written (``ChangeLog/insert(_:_:)``).
        try insert.execute()
    }

    /// Throws ``StoreError/reusedSequence(origin:sequence:)`` unless the log holds exactly
    /// `change` under its (origin, sequence): a held number with other content is not a
    /// duplicate but a number used twice, and counting it as a duplicate would drop one
    /// of the two changes silently on this replica only.
    func requireSameAsLogged(_ change: Change, siteNo: Int64) throws {
        try flushLog()
        recordWriter.removeAll()
        change.encode(into: &recordWriter)
        guard let logged = try lookup.record(siteNo: siteNo, sequence: change.sequence), logged.elementsEqual(recordWriter.bytes) else {
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
