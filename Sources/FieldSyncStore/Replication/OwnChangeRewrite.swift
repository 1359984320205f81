import FieldSyncCore
import Foundation
import GRDB

extension Replica {
    /// This replica's own changes with a sequence above `sequence`, in sequence order.
    public func ownChanges(after sequence: UInt64) throws(StoreError) -> [Change] {
        try read { db in try OwnChangeRewrite.ownChanges(db, site: siteID, after: sequence) }
    }

    /// The replica clock's last stamp (`fs_replica.clock_last`): every stamp it issues
    /// from now on is greater.
    public func lastStamp() throws(StoreError) -> HybridTimestamp {
        try read { db in try ReplicaMeta(db).clock.last }
    }

    /// Replaces this replica's own changes above `sequence` with what `transform` makes of
    /// them, and rebuilds every row from the whole change log, in ONE write transaction.
    ///
    /// `transform` receives the own changes with a sequence above `sequence`, in sequence
    /// order, and returns their replacement: own-origin changes with unique sequences above
    /// `sequence` (stamps, rows, values and sequences may differ; fewer or more is fine).
    /// Afterwards
    /// - the log holds the replacement instead of the old changes, and the next local
    ///   sequence is the greatest own sequence in the log plus one;
    /// - the replica's vector entry for itself is recomputed (contiguous, rule S5);
    /// - the clock's last stamp is at least every stamp in the log; with `lowerClockTo`
    ///   it is set to the greater of that stamp and the greatest stamp in the log (so a
    ///   clock pushed into the future by the old changes can come back), otherwise it
    ///   never goes down;
    /// - every row's merge state (cell versions, tombstones) and the user tables are
    ///   rebuilt from the whole log by the merge rules, which give the same state in any
    ///   order: the replica is as if it had received its log from scratch. Recorded
    ///   conflicts are replica-local history and are left as they are.
    ///
    /// Use it only for changes no peer has merged: a peer that holds `(origin, sequence)`
    /// with other content refuses the new one as a reused sequence number. Station clock
    /// repair (re-stamping unacknowledged changes stamped in the future) and restore from
    /// a backup build on it. Errors thrown by `transform` roll everything back.
    ///
    /// ```swift
    /// let acknowledged = try replica.knownVector(of: hub)[replica.siteID]
    /// try replica.rewriteOwnChanges(after: acknowledged) { changes in
    ///     changes.map { var c = $0; c.stamp = fresh(); return c }
    /// }
    /// ```
    public func rewriteOwnChanges(after sequence: UInt64, lowerClockTo floor: HybridTimestamp? = nil,
                                  _ transform: ([Change]) throws -> [Change]) throws(StoreError) {
        let site = siteID
        let catalog = catalog
        try write { db in
            let old = try OwnChangeRewrite.ownChanges(db, site: site, after: sequence)
            let new = try transform(old)
            var seen = Set<UInt64>()
            for change in new {
                try ChangeValidation.validate(change, catalog)
                guard change.origin == site else {
                    throw StoreError.invalidChange(table: change.table, reason: "a rewritten change has another origin than this replica")
                }
                guard change.sequence > sequence, seen.insert(change.sequence).inserted else {
                    throw StoreError.invalidChange(table: change.table, reason: "rewritten sequence \(change.sequence) is not unique or not above \(sequence)")
                }
            }
            var sites = try SiteDirectory(db)
            var meta = try ReplicaMeta(db)
            let ownNo = try sites.intern(site, db)
            if let later = ChangeLog.after(sequence) { try ChangeLog.delete(db, siteNo: ownNo, in: later) }
            let store = RowStore(db: db)
            // Unique and above every own number left in the log (checked above): each is new.
            for change in new.sorted(by: { $0.sequence < $1.sequence }) {
                if let base = change.base { _ = try sites.intern(base.site, db) }
                meta.arrival += 1
                try store.appendNewToLog(change, siteNo: ownNo, arrival: meta.arrival)
            }
            try store.flushLog()
            meta.nextSequence = try ChangeLog.highest(db, siteNo: ownNo) + 1
            try db.execute(sql: "UPDATE fs_sites SET contiguous = 0 WHERE site_no = ?", arguments: [ownNo])
            sites = try SiteDirectory(db)
            try sites.advanceAndSave(db)
            let greatest = try OwnChangeRewrite.rebuildRows(db, catalog: catalog, ranking: try mergeRanking(db), sites: &sites)
            if let scope { try FeedRebuild.afterRebuild(db, catalog: catalog, declaration: scope.declaration, ownSiteNo: ownNo) }
            let keep = floor ?? meta.clock.last
            meta.clock = HybridClock(last: max(keep, greatest))
            try meta.save(db)
        }
    }
}

/// The parts of ``Replica/rewriteOwnChanges(after:lowerClockTo:_:)`` that read and rebuild.
enum OwnChangeRewrite {
    static func ownChanges(_ db: Database, site: SiteID, after sequence: UInt64) throws -> [Change] {
        guard let no = try Int64.fetchOne(db, sql: "SELECT site_no FROM fs_sites WHERE site_id = ?", arguments: [site.bytes.data]) else { return [] }
        var decoder = ChangeDecoder()
        var changes: [Change] = []
        guard let later = ChangeLog.after(sequence) else { return [] }
        try ChangeLog.forEach(db, siteNo: no, in: later) { changes.append(try decode($0.record, &decoder)) }
        return changes
    }

    static func decode(_ record: ArraySlice<UInt8>, _ decoder: inout ChangeDecoder) throws -> Change {
        do {
            var r = ByteReader(Array(record))
            let change = try decoder.decode(from: &r)
            try r.finish("log record")
            return change
        } catch {
            throw StoreError.corrupt(reason: "a log record: \(error)")
        }
    }

    /// Empties the user tables (and with them the rows' merge state) and `fs_tombstones`,
    /// then merges every logged change again, one row's state in memory per touched row,
    /// ranking writes as every merge of the replica does (M7). Returns the greatest stamp in the log.
    static func rebuildRows(_ db: Database, catalog: Catalog, ranking: MergeRanking?, sites: inout SiteDirectory) throws -> HybridTimestamp {
        try db.execute(sql: "DELETE FROM fs_tombstones")
        for name in catalog.sortedNames {
            try db.execute(sql: "DELETE FROM \(TableCatalog.quote(name))")
        }
        var states: [String: [String: RowState]] = [:]
        var greatest = HybridTimestamp.zero
        var decoder = ChangeDecoder()
        try ChangeLog.forEachEntry(db) { entry in
            let siteNo = entry.siteNo
            let change = try decode(entry.record, &decoder)
            greatest = max(greatest, change.stamp)
            let table = try catalog.table(change.table)
            let baseSiteNo = try change.base.map { try sites.intern($0.site, db) } ?? 0
            var state = states[change.table]?[change.rowID] ?? RowState(columnCount: table.schema.columns.count)
            _ = try state.merge(change, siteNo: siteNo, baseSiteNo: baseSiteNo, table: table,
                                rankings: ranking?.columns(of: change.table), hubSites: ranking?.hubSites ?? [], sites: sites)
            states[change.table, default: [:]][change.rowID] = state
        }
        let store = RowStore(db: db)
        for (name, byRow) in states {
            let table = try catalog.table(name)
            for (rowID, var state) in byRow {
                // Every row is new to the emptied tables: write whatever it holds.
                if state.isDeleted {
                    state.tombstoneChanged = true
                } else {
                    state.cellsChanged = true
                    state.valuesChanged = state.hasCells
                }
                try store.save(table, rowID, state)
            }
        }
        return greatest
    }
}

extension Replica {
    /// The greatest stamp in the change log, leaving out this replica's own changes above
    /// `sequence` (those a rewrite may replace). Reads the whole log: for station-sized
    /// replicas and rare operations such as a clock repair.
    public func greatestStamp(excludingOwnAfter sequence: UInt64) throws(StoreError) -> HybridTimestamp {
        let site = siteID
        return try read { db in
            let own = try Int64.fetchOne(db, sql: "SELECT site_no FROM fs_sites WHERE site_id = ?", arguments: [site.bytes.data]) ?? 0
            var decoder = ChangeDecoder()
            var greatest = HybridTimestamp.zero
            try ChangeLog.forEachEntry(db) { entry in
                if entry.siteNo == own, entry.sequence > sequence { return }
                greatest = max(greatest, try OwnChangeRewrite.decode(entry.record, &decoder).stamp)
            }
            return greatest
        }
    }
}
