import FieldSyncCore
import Foundation
import GRDB

extension ImportTransaction {
    /// Files a case that a merged change moved from township `old` to `new` as the hub's
    /// own transfer would (T5): its whole history again under `new`, at new positions, so
    /// the receiving station gets all of it; and the changes that moved it pinned under
    /// `old`, so the giving station learns of the move although the case is no longer its own.
    ///
    /// A hub of stations never merges such a change (P4 refuses a station's move), but in
    /// tiers the move reaches a county hub from its province, and the province from the
    /// county that made it: without this, the giving station would keep the case and the
    /// receiving station would get only what was written after the move.
    mutating func followMove(of household: String, from old: String, to new: String,
                             logged: [LoggedChange], filer: FeedFiler) throws {
        try filer.refile(case: household, to: new, arrival: &meta.arrival)
        for entry in logged {
            meta.arrival += 1
            try filer.insert(scope: old, position: meta.arrival, siteNo: entry.siteNo, low: entry.sequence, high: entry.sequence,
                             caseID: household, pinned: true)
        }
    }
}

extension ImportTransaction {
    /// The township of a deleted household as last writer wins would have it: the value of
    /// the greatest-versioned township write logged for it. A deleted row keeps no cell
    /// versions, so without this the township of a deleted household moved concurrently by
    /// a county and its province would be the one that arrived last, and hubs would place
    /// the case's rows differently. `merging` are the changes being merged now (not filed
    /// yet). Cost: the case's logged history, on this rare path only.
    func winningTownship(ofDeleted household: String, filer: FeedFiler, merging: ArraySlice<Change>) throws -> String? {
        var decoder = ChangeDecoder()
        var best: (version: CellVersion, township: String)?
        func consider(_ change: Change) {
            guard change.kind == .set, change.table == filer.declaration.caseTable, change.rowID.isSameRowID(as: household),
                  change.column == filer.declaration.caseTownshipColumn, case let .text(code) = change.value else { return }
            if best == nil || change.version > best!.version { best = (change.version, code) }
        }
        merging.forEach(consider)
        // The connection itself: this runs inside a merge, and reads only the feed and the log.
        let db = connection
        for run in try Row.fetchAll(db, sql: "SELECT DISTINCT site_no, seq_lo, seq_hi FROM fs_feed_entries WHERE \(FeedFiler.caseEntries)", arguments: [household]) {
            try ChangeLog.forEach(db, siteNo: run[0], in: UInt64(sql: run[1])...UInt64(sql: run[2])) { entry in
                var reader = ByteReader(Array(entry.record))
                consider(try decoder.decode(from: &reader))
            }
        }
        return best?.township
    }
}

/// A move of a case out of a county by its province (T6): a `case_transfer` row from one
/// of the county's townships to a township outside it.
public struct CaseMovedAway: Sendable, Equatable {
    public let household: String
    /// The county's township the case was moved from.
    public let fromTownship: String
    /// The transfer record (`case_transfer` row).
    public let transferID: String
}

extension ImportTransaction {
    /// Every move this replica holds of a case out of `county` (transfer records from one of
    /// its townships to a township outside it), oldest first. Whether the case is still
    /// outside does not matter: a move the county's own later transfer overrode (last
    /// writer wins) was still learned of, and what the county wrote before is told by a
    /// release after it. Cost: the transfer records of the county's townships.
    public func movesOut(of county: String) throws(StoreError) -> [CaseMovedAway] {
        guard scope != nil, catalog.tables["case_transfer"] != nil else { return [] }
        return try StoreError.catching {
            let from = ScopeCode.condition("\"from_township\"", county), to = ScopeCode.condition("\"to_township\"", county)
            return try Row.fetchAll(db, sql: """
                SELECT "id", "household_id", "from_township" FROM "case_transfer"
                WHERE \(from.sql) AND NOT \(to.sql) AND "household_id" IS NOT NULL ORDER BY "transferred_at", "id"
                """, arguments: StatementArguments(from.arguments + to.arguments)).map {
                CaseMovedAway(household: $0[1], fromTownship: $0[2], transferID: $0[0])
            }
        }
    }
}
