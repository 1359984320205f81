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
        let filer = FeedFiler(db: db, catalog: catalog, declaration: declaration)
        try db.execute(sql: "DELETE FROM fs_feed_entries WHERE site_no = ?", arguments: [ownSiteNo])
        let store = RowStore(db: db)
        try filer.placeEveryCase(store: store)
        try filer.fileLog({ try ChangeLog.forEach(db, siteNo: ownSiteNo, in: ChangeLog.everyNumber, $0) }, store: store)
        // The released cases' rows came back from the own log entries: remove them again.
        for household in try String.fetchAll(db, sql: "SELECT case_id FROM fs_evicted") {
            try Evictions.remove(try Evictions.rows(ofCase: household, caseTable: declaration.caseTable, db), catalog: catalog, db)
            try db.execute(sql: "DELETE FROM fs_case WHERE case_id = ?", arguments: [household])
        }
    }
}
