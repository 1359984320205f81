import FieldSyncCore
import Foundation
import GRDB

/// A case a station removed from its replica because the county transferred it away (P8).
public struct EvictedCase: Sendable, Equatable {
    public let household: String
    /// The township that holds it now.
    public let township: String
    /// The `case_transfer` row that moved it, when the station held it.
    public let transferID: String?
}

/// The station side of a transfer away: removing the case from the replica — a local
/// eviction, not a delete (deletes replicate) — and refusing later local writes to it.
enum Evictions {
    /// The township an evicted case went to, or nil when the case was not evicted here.
    static func township(ofEvicted household: String, _ db: Database) throws -> String? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT township FROM fs_evicted WHERE case_id = ?"), arguments: [household]) else {
            return nil
        }
        let township: String? = row[0]
        return township ?? "?"
    }

    /// Every row of a case, found through the log entries filed under it (the case's own
    /// household row included).
    static func rows(ofCase household: String, caseTable: String, _ db: Database) throws -> Set<RowKey> {
        var rows = Set<RowKey>([RowKey(table: caseTable, rowID: household)])
        var decoder = ChangeDecoder()
        for run in try Row.fetchAll(db, sql: "SELECT site_no, seq_lo, seq_hi FROM fs_feed_entries WHERE \(FeedFiler.caseEntries)", arguments: [household]) {
            try ChangeLog.forEach(db, siteNo: run[0], in: UInt64(sql: run[1])...UInt64(sql: run[2])) { entry in
                let change = try OwnChangeRewrite.decode(entry.record, &decoder)
                rows.insert(RowKey(table: change.table, rowID: change.rowID))
            }
        }
        return rows
    }

    /// Removes rows locally: their user rows, merge state and conflicts (nothing replicates).
    static func remove(_ rows: Set<RowKey>, catalog: Catalog, _ db: Database) throws {
        for row in rows {
            guard let table = catalog.tables[row.table] else { continue }
            try db.cachedStatement(sql: table.deleteRowSQL).execute(arguments: [row.rowID])
            try db.cachedStatement(sql: "DELETE FROM fs_tombstones WHERE tbl = ? AND row_id = ?").execute(arguments: [row.table, row.rowID])
            try db.cachedStatement(sql: "DELETE FROM fs_conflicts WHERE tbl = ? AND row_id = ?").execute(arguments: [row.table, row.rowID])
        }
    }

    static func violation(_ table: String, _ rowID: String, household: String, movedTo township: String) -> AuthorityViolation {
        AuthorityViolation(
            rule: "P8 transferred", table: table, rowID: rowID,
            reason: "household \(household) was transferred to township \(township) by the county and is no longer held by this station; "
                + "that township's station records its casework now",
            reasonZh: "户 \(household) 已由县级中心移交至乡镇 \(township)，本站不再保存该个案；请由该乡镇社工站办理")
    }
}

extension ImportTransaction {
    /// Takes a return bundle's feed positions (P6): when the bundle starts at or below what
    /// the station holds (`from`), the station now holds its feed through `through`.
    public mutating func advanceFeed(_ feed: SiteID, from: UInt64, through: UInt64) throws(StoreError) {
        try StoreError.catching {
            let no = try sites.intern(feed, db)
            let held = sites.contiguous[no] ?? 0
            if from <= held, through > held { sites.setContiguous(no, through) }
        }
    }

    /// Removes from this station's replica every case its township no longer holds (P8):
    /// the case's rows, their merge state and conflicts, and every other replica's log
    /// entries of them. The station's own log entries stay: they are its own history,
    /// which S13 compares with the hub's. A case that came back (transferred in again) is
    /// no longer refused. Returns the cases removed now.
    public mutating func evictCasesOutside(township: String) throws(StoreError) -> [EvictedCase] {
        guard let declaration = scope?.declaration else { return [] }
        // Cases are removed from `fs_case` here, outside the filer: what it cached of them
        // goes, also when a removal fails part way and the caller goes on.
        defer { filer?.forgetCached() }
        return try StoreError.catching {
            let caseTable = try catalog.table(declaration.caseTable)
            let townshipColumn = TableCatalog.quote(declaration.caseTownshipColumn)
            let own = try sites.intern(ownSite, db)
            // A case that came back (transferred in again): the hub sends every other
            // replica's changes of it again, and the station merges its own kept ones anew.
            // Came back means another replica (the hub's transfer) set the township to this
            // one: the station's own record of the household (its creation, returned by the
            // hub to a restored copy) does not bring a released case back.
            let store = try RowStore(db: db)
            let townshipIndex = caseTable.columnIndex[declaration.caseTownshipColumn]!
            for household in try String.fetchAll(db, sql: """
                SELECT e.case_id FROM fs_evicted e JOIN \(TableCatalog.quote(caseTable.schema.name)) h ON h."id" = e.case_id
                WHERE h.\(townshipColumn) = ?
                """, arguments: [township]) {
                guard let writer = try store.load(caseTable, household).cells[townshipIndex]?.siteNo, writer != own else { continue }
                try mergeOwnChangesAgain(of: household, ownSiteNo: own)
                try db.execute(sql: "DELETE FROM fs_evicted WHERE case_id = ?", arguments: [household])
            }
            var moved: [String: String] = [:]
            // A household without a township is a part-row (a change of the hub arrived before
            // the station's own record of the household, held back during a repair, S13):
            // it is the station's until a township says otherwise.
            for row in try Row.fetchAll(db, sql: "SELECT \"id\", \(townshipColumn) FROM \(TableCatalog.quote(caseTable.schema.name)) WHERE \(townshipColumn) <> ?",
                                        arguments: [township]) {
                moved[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT case_id, township FROM fs_case WHERE township <> ?", arguments: [township]) {
                moved[row[0], default: row[1]] = moved[row[0]] ?? row[1]
            }
            // A released case whose rows came back (the station's own changes of it, returned
            // by the hub to a laptop restored from a copy) is let go again.
            for row in try Row.fetchAll(db, sql: """
                SELECT e.case_id, e.township FROM fs_evicted e JOIN \(TableCatalog.quote(caseTable.schema.name)) h ON h."id" = e.case_id
                """) {
                moved[row[0], default: (row[1] as String?) ?? "?"] = moved[row[0]] ?? ((row[1] as String?) ?? "?")
            }
            guard !moved.isEmpty else { return [] }
            var evicted: [EvictedCase] = []
            for household in moved.keys.sorted() {
                evicted.append(try evict(household, movedTo: moved[household]!, ownSiteNo: own))
            }
            return evicted
        }
    }

    private mutating func evict(_ household: String, movedTo township: String, ownSiteNo: Int64) throws -> EvictedCase {
        let transferID = try catalog.tables["case_transfer"].flatMap { _ in
            try String.fetchOne(db, sql: "SELECT \"id\" FROM \"case_transfer\" WHERE \"household_id\" = ? ORDER BY \"transferred_at\" DESC, \"id\" DESC LIMIT 1",
                                arguments: [household])
        }
        let rows = try Evictions.rows(ofCase: household, caseTable: scope!.declaration.caseTable, db)
        for run in try Row.fetchAll(db, sql: "SELECT site_no, seq_lo, seq_hi FROM fs_feed_entries WHERE \(FeedFiler.caseEntries) AND site_no <> ?",
                                    arguments: [household, ownSiteNo]) {
            let siteNo: Int64 = run[0], low: Int64 = run[1], high: Int64 = run[2]
            try ChangeLog.delete(db, siteNo: siteNo, in: UInt64(sql: low)...UInt64(sql: high))
            if UInt64(sql: low) <= (sites.contiguous[siteNo] ?? 0) { sites.setContiguous(siteNo, UInt64(sql: low) - 1) }
        }
        try Evictions.remove(rows, catalog: catalog, db)
        // The own entries stay filed under the case: a later rebuild from the log finds
        // their rows by them and removes them again (FeedRebuild).
        try db.execute(sql: "DELETE FROM fs_feed_entries WHERE \(FeedFiler.caseEntries) AND site_no <> ?", arguments: [household, ownSiteNo])
        try db.execute(sql: "DELETE FROM fs_case WHERE case_id = ?", arguments: [household])
        try db.execute(sql: "INSERT OR REPLACE INTO fs_evicted(case_id, township, transfer_id, at_millis) VALUES (?, ?, ?, ?)",
                       arguments: [household, township, transferID, wallClock().sql])
        return EvictedCase(household: household, township: township, transferID: transferID)
    }

    /// Merges this station's own logged changes of `household` into its rows again: they
    /// stayed in the log when the case was released, and the log does not take a change
    /// twice, so a case that comes back gets them from here.
    private mutating func mergeOwnChangesAgain(of household: String, ownSiteNo: Int64) throws {
        let store = try RowStore(db: db)
        var states: [RowKey: RowState] = [:]
        var decoder = ChangeDecoder()
        for run in try Row.fetchAll(db, sql: "SELECT seq_lo, seq_hi FROM fs_feed_entries WHERE \(FeedFiler.caseEntries) AND site_no = ? ORDER BY seq_lo",
                                    arguments: [household, ownSiteNo]) {
            try ChangeLog.forEach(db, siteNo: ownSiteNo, in: UInt64(sql: run[0])...UInt64(sql: run[1])) { entry in
                var reader = ByteReader(Array(entry.record))
                let change = try decoder.decode(from: &reader)
                guard let table = catalog.tables[change.table] else { return }
                let key = RowKey(table: change.table, rowID: change.rowID)
                var state = try states[key] ?? store.load(table, change.rowID)
                let baseSiteNo = try change.base.map { try sites.intern($0.site, db) } ?? 0
                _ = try state.merge(change, siteNo: ownSiteNo, baseSiteNo: baseSiteNo, table: table,
                                    rankings: ranking?.columns(of: change.table), hubSites: ranking?.hubSites ?? [], sites: sites)
                states[key] = state
            }
        }
        for (key, state) in states { try store.save(catalog.tables[key.table]!, key.rowID, state) }
    }

    /// Makes local writes of this replica inside the import's transaction (a station's
    /// release of a case it evicted): stamped, numbered and logged like any local write.
    public mutating func writeLocal(_ body: (inout LocalTransaction) throws(StoreError) -> Void, replica: Replica) throws(StoreError) {
        // The local transaction files through a cache of its own: what the import's filer
        // cached of the cases the body may have written goes.
        defer { filer?.forgetCached() }
        try StoreError.catching {
            try sites.advanceAndSave(db)
            try meta.save(db)
            var local = try LocalTransaction(db: db, replica: replica, wallMillis: wallClock())
            try body(&local)
            try local.finish()
            sites = try SiteDirectory(db)
            meta = try ReplicaMeta(db)
        }
    }
}
