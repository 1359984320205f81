import FieldSyncCore
import Foundation
import GRDB

extension ExportSnapshot {
    /// The position the feeds have reached at this snapshot: every entry filed so far has a
    /// position at or below it (positions come from the replica's arrival counter).
    public func feedPosition() throws -> UInt64 {
        UInt64(sql: try Int64.fetchOne(db, sql: "SELECT arrival_counter FROM fs_replica WHERE id = 1") ?? 0)
    }

    /// How many changes of `township`'s feed above `position` ``forEachFeedBatch`` hands
    /// out, per table.
    public func feedCounts(township: String, after position: UInt64, excluding origin: SiteID,
                           skipping held: VersionVector = .empty) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        try forEachFeedBatch(township: township, after: position, excluding: origin, skipping: held, batchSize: 4096) { batch in
            for change in batch { counts[change.table, default: 0] += 1 }
        }
        return counts
    }

    /// Hands out, in batches, the changes of `township`'s feed filed above `position`
    /// (rule P3): runs filed under the township or county-wide, in position order, each
    /// change once; leaving out the changes of `origin` (the station's own, which a return
    /// bundle carries from its anchor, S13) and the changes of cases the township no longer
    /// holds, except pinned entries (the record of a transfer away).
    ///
    /// `township` may be a county code (tiers, T1): then the feeds of every township of
    /// the county. `held` leaves out the changes the recipient holds by its vector: a
    /// county hub relays every origin's changes, which must not come back to it (T4).
    public func forEachFeedBatch(township: String, after position: UInt64, excluding origin: SiteID,
                                 skipping held: VersionVector = .empty, batchSize: Int,
                                 _ body: ([Change]) throws -> Void) throws {
        let sites = try SiteDirectory(db)
        let excluded = sites.numberOf[origin]
        var holders: [String: String?] = [:]
        var seen = Set<RunKey>()
        var batch: [Change] = []
        var decoder = ChangeDecoder()
        let scope = ScopeCode.condition("scope", township)
        let entries = try Row.fetchCursor(db, sql: """
            SELECT pos, site_no, seq_lo, seq_hi, case_id, pinned FROM fs_feed_entries
            WHERE (\(scope.sql) OR scope = '*') AND pos > ? ORDER BY pos
            """, arguments: StatementArguments(scope.arguments) + [position.sql])
        let holderStatement = try db.cachedStatement(sql: "SELECT township FROM fs_case WHERE case_id = ?")
        while let entry = try entries.next() {
            let siteNo: Int64 = entry[1]
            if siteNo == excluded { continue }
            let low: Int64 = entry[2], high: Int64 = entry[3]
            guard seen.insert(RunKey(siteNo: siteNo, low: low)).inserted else { continue }
            if let household: String = entry[4], entry[5] as Int64 == 0 {
                if holders[household] == nil { holders[household] = try String.fetchOne(holderStatement, arguments: [household]) }
                guard let holder = holders[household]!, ScopeCode.covers(township, holder) else { continue }
            }
            let site = try sites.site(siteNo)
            try ChangeLog.forEach(db, siteNo: siteNo, in: UInt64(sql: low)...UInt64(sql: high)) { entry in
                let change = try Self.logged(entry.record, site: site, sequence: entry.sequence, &decoder)
                if change.sequence <= held[site] { return }
                batch.append(change)
                if batch.count == batchSize {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}

/// One filed run, by origin and first sequence: a run filed again (a case that came
/// back) is sent once.
private struct RunKey: Hashable {
    let siteNo: Int64
    let low: Int64
}
