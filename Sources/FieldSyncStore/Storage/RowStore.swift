import FieldSyncCore
import Foundation
import GRDB

/// The storage primitives shared by local writes and remote applies: row merge state,
/// user rows, the change log and conflict records. Valid inside one write transaction.
struct RowStore {
    let db: Database

    /// Loads the merge state of a row, and its current values when it is visible.
    func load(_ table: TableCatalog, _ rowID: String) throws -> RowState {
        var state = RowState(columnCount: table.schema.columns.count)
        let stmt = try db.cachedStatement(sql: "SELECT cells, tomb_stamp, tomb_site_no FROM fs_rows WHERE tbl = ? AND row_id = ?")
        guard let row = try Row.fetchOne(stmt, arguments: [table.schema.name, rowID]) else { return state }
        state.stored = true
        if let tomb: Int64 = row[1] {
            state.tombStamp = UInt64(sql: tomb)
            state.tombSiteNo = row[2]
            return state
        }
        try RowState.decodeCells([UInt8](row[0] as Data), into: &state.cells)
        if state.hasCells, let values = try Row.fetchOne(db.cachedStatement(sql: table.selectRowSQL), arguments: [rowID]) {
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
            var arguments: [DatabaseValue] = [rowID.databaseValue]
            arguments.reserveCapacity(state.values.count + 1)
            for v in state.values { arguments.append(v.databaseValue) }
            try db.cachedStatement(sql: table.upsertRowSQL).execute(arguments: StatementArguments(arguments))
        }
        if state.cellsChanged {
            try db.cachedStatement(sql: "INSERT INTO fs_rows(tbl, row_id, cells) VALUES (?, ?, ?) ON CONFLICT(tbl, row_id) DO UPDATE SET cells = excluded.cells")
                .execute(arguments: [table.schema.name, rowID, Data(state.encodeCells())])
        }
    }

    /// Appends a change to the log; returns false when (origin, sequence) is already there.
    func appendToLog(_ change: Change, siteNo: Int64, baseSiteNo: Int64?, arrival: Int64) throws -> Bool {
        let stmt = try db.cachedStatement(sql: """
            INSERT INTO fs_changes(site_no, seq, arrival, tbl, row_id, kind, col, value, stamp, base_stamp, base_site_no)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
        try stmt.execute(arguments: [
            siteNo, change.sequence.sql, arrival, change.table, change.rowID, Int64(change.kind.rawValue),
            change.column, Data(change.value.encoded), change.stamp.rawValue.sql,
            change.base?.stamp.rawValue.sql, baseSiteNo,
        ])
        return db.changesCount == 1
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
