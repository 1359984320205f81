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
        try filer.placeEveryCase(store: store)
        try filer.fileLog(try Row.fetchCursor(db, sql: "SELECT site_no, seq, arrival, record FROM fs_changes WHERE site_no = ? ORDER BY seq",
                                              arguments: [ownSiteNo]), store: store)
        var decoder = ChangeDecoder()
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
