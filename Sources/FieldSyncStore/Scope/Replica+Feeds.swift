import FieldSyncCore
import Foundation
import GRDB

extension Replica {
    /// The setting that marks a replica whose whole log is filed into the feeds.
    static let feedFiledKey = "feed.filed"

    /// Files every log entry into the feeds once, when the replica was written before
    /// feeds existed (a file upgraded from store migration v1): entries in arrival order,
    /// each placed by its row's current values. New replicas have nothing to file.
    func fileUnfiledLog() throws(StoreError) {
        guard let scope else { return }
        if try setting(Self.feedFiledKey) != nil { return }
        try write { db in
            if try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [Self.feedFiledKey]) != nil { return }
            let filer = FeedFiler(db: db, catalog: catalog, declaration: scope.declaration)
            let store = RowStore(db: db)
            // Households first, so that every row of a case finds its township.
            try filer.placeEveryCase(store: store)
            let everySite = try SiteDirectory(db).siteOf.keys.map { ($0, ChangeLog.everyNumber) }
            try filer.fileLog({ try ChangeLog.forEachEntryByArrival(db, in: Dictionary(uniqueKeysWithValues: everySite), $0) }, store: store)
            try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, '1')", arguments: [Self.feedFiledKey])
        }
    }

    /// The township holding `household` in this replica (nil when it never held it).
    public func township(ofCase household: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT township FROM fs_case WHERE case_id = ?", arguments: [household]) }
    }

    /// Whether a transfer of `household` away from `township` is pinned in its feed (P3):
    /// the township held the case and was told it left.
    public func hasPinnedTransfer(of household: String, under township: String) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM fs_feed_entries WHERE scope = ? AND case_id = ? AND pinned = 1 LIMIT 1",
                              arguments: [township, household]) ?? false
        }
    }

    /// The feed position of the latest transfer of `household` away from `township` pinned in
    /// its feed (P3), nil when none: a later one is a new transfer.
    public func pinnedTransferPosition(of household: String, under township: String) throws(StoreError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(pos) FROM fs_feed_entries WHERE scope = ? AND case_id = ? AND pinned = 1",
                               arguments: [township, household])
        }
    }

    /// The case an evicted household went to, or nil when it was not evicted here.
    public func evictedTo(household: String) throws(StoreError) -> String? {
        try read { db in try Evictions.township(ofEvicted: household, db) }
    }

    /// Lowercase hex SHA-256 of the visible data within one township's scope: its cases,
    /// the rows addressed to it and the county-wide rows (M6 restricted to a scope). A
    /// station's whole digest equals its hub's digest for the station's township. A county
    /// code (6 digits) takes every township of the county (T1): a county hub's digest for
    /// its county equals its provincial hub's.
    public func digest(township: String) throws(StoreError) -> String {
        guard let scope else { throw StoreError.invalidChange(table: "", reason: "this replica does not know where rows belong") }
        return try digest(of: catalog) { db, table, rowID, values in
            let filer = FeedFiler(db: db, catalog: self.catalog, declaration: scope.declaration)
            let place = try filer.peek(table, rowID: rowID, values: values)
            return ScopeCode.covers(township, place.scope) || place.scope == FeedFiler.countyScope
        }
    }
}

