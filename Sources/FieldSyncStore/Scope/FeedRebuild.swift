import FieldSyncCore
import Foundation
import GRDB

/// Keeps the feeds true after the rows were rebuilt from the whole log (a clock repair,
/// M5a; a restored copy's repair, S13): the replica's own changes are filed again under
/// their rows' places (their numbers may have changed), and the rows of cases this
/// station released are removed again — the station keeps its own log entries of them
/// (its history), so a rebuild brings their rows back (P8).
enum FeedRebuild {
    static func afterRebuild(_ db: Database, catalog: Catalog, declaration: any ScopeDeclaration, ownSiteNo: Int64) throws {
        var filer = FeedFiler(db: db, catalog: catalog, declaration: declaration)
        try db.execute(sql: "DELETE FROM fs_feed WHERE site_no = ?", arguments: [ownSiteNo])
        let store = RowStore(db: db)
        if let cases = catalog.tables[declaration.caseTable] {
            for id in try String.fetchAll(db, sql: "SELECT \"id\" FROM \(TableCatalog.quote(cases.schema.name))") {
                _ = try filer.place(cases, rowID: id, values: try store.load(cases, id).values)
            }
        }
        var decoder = ChangeDecoder()
        var current: (key: RowKey, place: FeedPlace)?
        var run: [LoggedChange] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, arrival, record FROM fs_changes WHERE site_no = ? ORDER BY seq", arguments: [ownSiteNo])
        while let row = try rows.next() {
            let change = try OwnChangeRewrite.decode(row[2], &decoder)
            let key = RowKey(table: change.table, rowID: change.rowID)
            if current?.key != key {
                if let current, !run.isEmpty { try filer.file(run, at: current.place) }
                run.removeAll()
                guard let table = catalog.tables[change.table] else { current = nil; continue }
                current = (key, try filer.place(table, rowID: change.rowID, values: try store.load(table, change.rowID).values))
            }
            run.append(LoggedChange(siteNo: ownSiteNo, sequence: UInt64(sql: row[0] as Int64), arrival: row[1]))
        }
        if let current, !run.isEmpty { try filer.file(run, at: current.place) }
        // The released cases' rows came back from the own log entries: remove them again.
        for household in try String.fetchAll(db, sql: "SELECT case_id FROM fs_evicted") {
            var keys = Set<RowKey>([RowKey(table: declaration.caseTable, rowID: household)])
            for run in try Row.fetchAll(db, sql: "SELECT site_no, seq_lo, seq_hi FROM fs_feed WHERE case_id = ?", arguments: [household]) {
                let records = try Row.fetchCursor(db, sql: "SELECT record FROM fs_changes WHERE site_no = ? AND seq BETWEEN ? AND ?",
                                                  arguments: [run[0] as Int64, run[1] as Int64, run[2] as Int64])
                while let record = try records.next() {
                    let change = try OwnChangeRewrite.decode(record[0], &decoder)
                    keys.insert(RowKey(table: change.table, rowID: change.rowID))
                }
            }
            for key in keys {
                guard let table = catalog.tables[key.table] else { continue }
                try db.execute(sql: table.deleteRowSQL, arguments: [key.rowID])
                try db.execute(sql: "DELETE FROM fs_rows WHERE tbl = ? AND row_id = ?", arguments: [key.table, key.rowID])
            }
            try db.execute(sql: "DELETE FROM fs_case WHERE case_id = ?", arguments: [household])
        }
    }
}
