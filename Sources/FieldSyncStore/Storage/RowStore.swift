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
    private var cellsUpsertStatement: RawStatement?
    private var tableStatements: [String: (select: Statement, upsert: RawStatement)] = [:]

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
                INSERT INTO fs_changes(site_no, seq, arrival, tbl, row_id, kind, col, value, stamp, base_stamp, base_site_no)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
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

    private func statements(_ table: TableCatalog) throws -> (select: Statement, upsert: RawStatement) {
        if let s = tableStatements[table.schema.name] { return s }
        let s = (try db.cachedStatement(sql: table.selectRowSQL), try RawStatement(db, sql: table.upsertRowSQL))
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
        if state.hasCells, let values = try Row.fetchOne(statements(table).select, arguments: [rowID]) {
            for (i, column) in table.schema.columns.enumerated() {
                if let bits = state.cells[i]?.exactReal {
                    state.values[i] = .real(Double(bitPattern: bits))
                } else {
                    state.values[i] = Value(values[i] as DatabaseValue, type: column.type)
                }
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
    func appendToLog(_ change: Change, siteNo: Int64, baseSiteNo: Int64?, arrival: Int64) throws -> Bool {
        let logInsert = try logInsert
        logInsert.bind(1, siteNo)
        logInsert.bind(2, change.sequence.sql)
        logInsert.bind(3, arrival)
        logInsert.bind(4, text: change.table)
        logInsert.bind(5, text: change.rowID)
        logInsert.bind(6, Int64(change.kind.rawValue))
        logInsert.bind(7, text: change.column)
        logInsert.bind(8, blob: change.value.encoded)
        logInsert.bind(9, change.stamp.rawValue.sql)
        logInsert.bind(10, change.base?.stamp.rawValue.sql)
        logInsert.bind(11, baseSiteNo)
        return try logInsert.execute() == 1
    }

    func recordConflict(table: String, rowID: String, column: String, winner: CellState, loser: CellState, atMillis: UInt64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO fs_conflicts(tbl, row_id, col, winner_stamp, winner_site, winner_value, winner_base_stamp, winner_base_site,
                                     loser_stamp, loser_site, loser_value, loser_base_stamp, loser_base_site, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                table, rowID, column,
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
