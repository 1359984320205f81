import FieldSyncCore
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
        let runs = try Row.fetchAll(db, sql: """
            SELECT site_no, seq_lo, seq_hi, MIN(pos) AS first FROM fs_feed WHERE case_id = ?
            GROUP BY site_no, seq_lo, seq_hi ORDER BY first
            """, arguments: [household])
        for run in runs {
            meta.arrival += 1
            try filer.insert(scope: new, position: meta.arrival, siteNo: run[0], low: UInt64(sql: run[1] as Int64),
                             high: UInt64(sql: run[2] as Int64), caseID: household, pinned: false)
        }
        for entry in logged {
            meta.arrival += 1
            try filer.insert(scope: old, position: meta.arrival, siteNo: entry.siteNo, low: entry.sequence, high: entry.sequence,
                             caseID: household, pinned: true)
        }
    }
}

/// A case a county hub holds that its province moved out of the county (T6).
public struct CaseMovedAway: Sendable, Equatable {
    public let household: String
    /// The county's township that held it before the move, from the latest transfer record.
    public let fromTownship: String
    /// That transfer record (`case_transfer` row).
    public let transferID: String
}

extension ImportTransaction {
    /// The cases this replica holds in a township outside `county` whose latest transfer
    /// came from one of the county's townships: moved away by the province (T6). Cost: the
    /// cases held outside the county (those a county received only as transfers away).
    public func casesMovedOut(of county: String) throws(StoreError) -> [CaseMovedAway] {
        guard scope != nil, catalog.tables["case_transfer"] != nil else { return [] }
        return try StoreError.catching {
            let inside = ScopeCode.condition("township", county)
            var moved: [CaseMovedAway] = []
            for household in try String.fetchAll(db, sql: "SELECT case_id FROM fs_case WHERE NOT \(inside.sql) ORDER BY case_id",
                                                  arguments: StatementArguments(inside.arguments)) {
                guard let last = try Row.fetchOne(db, sql: """
                    SELECT "id", "from_township" FROM "case_transfer" WHERE "household_id" = ?
                    ORDER BY "transferred_at" DESC, "id" DESC LIMIT 1
                    """, arguments: [household]), let from: String = last[1], ScopeCode.covers(county, from) else { continue }
                moved.append(CaseMovedAway(household: household, fromTownship: from, transferID: last[0]))
            }
            return moved
        }
    }
}
