import FieldSyncCore
import GRDB

/// The inside of one ``Replica/importChanges(_:)`` call: one write transaction in which
/// received changes are checked and merged, and the bookkeeping of the import (known
/// vectors, the bundle record) is written.
///
/// Everything done through it commits together or not at all, so a bundle is either fully
/// merged and recorded, or leaves no trace. Only valid inside the closure that receives it.
public struct ImportTransaction {
    /// The connection, for the merge itself (``apply(_:)``), which reads rows through
    /// ``rows``. Anything else reads and writes through ``db``.
    let connection: Database
    /// The merge's statements, prepared once for the whole import: preparing them again
    /// for every batch cost a twentieth of a bulk import (issue 10).
    let store: RowStore
    /// Rows merged more than once in this import, held in memory until written back.
    let rows: ImportRowCache
    let catalog: Catalog
    let wallClock: @Sendable () -> UInt64
    /// This replica's own site: its own changes coming back (after a restore) move its
    /// next local sequence past them, so no number is ever used twice.
    let ownSite: SiteID
    var sites: SiteDirectory
    var meta: ReplicaMeta
    /// Files each merged row's new log entries into the township feeds (P1–P3), when the
    /// replica is scoped.
    var filer: FeedFiler?
    let scope: ReplicaScope?
    /// How writes rank in this replica's merge (M7), read at the start of the transaction.
    let ranking: MergeRanking?

    /// What ``apply(_:)`` did so far in this transaction.
    public private(set) var report = ApplyReport()
    /// What every applied change must satisfy besides its structure: its origin and its
    /// writer's authority. Set it before the first ``apply(_:)``.
    public var mergeGuard: MergeGuard = .none

    init(db: Database, catalog: Catalog, ownSite: SiteID, scope: ReplicaScope?, ranking: MergeRanking?,
         rowBudget: Int, caseCache: CaseCache = CaseCache(), wallClock: @escaping @Sendable () -> UInt64) throws {
        connection = db
        store = RowStore(db: db)
        rows = ImportRowCache(budget: rowBudget)
        self.catalog = catalog
        self.ownSite = ownSite
        self.ranking = ranking
        self.wallClock = wallClock
        self.scope = scope
        sites = try SiteDirectory(db)
        meta = try ReplicaMeta(db)
        filer = scope.map { FeedFiler(db: db, catalog: catalog, declaration: $0.declaration, rows: rows, cache: caseCache) }
    }

    /// The transaction's connection for anything but the merge: the rows the merge holds
    /// in memory (``ImportRowCache``) are written first, so whatever SQL runs next (an
    /// eviction, a look at a table, the bookkeeping) sees every change applied so far.
    var db: Database {
        get throws {
            try rows.writeBack(with: store, catalog)
            return connection
        }
    }

    /// Validates changes without writing: known tables and columns, value types, no delete
    /// of an append-only table, and stamps no further ahead of the local wall clock than
    /// the clock's bound (``HybridClock/defaultMaxForwardSkewMillis``).
    public mutating func check(_ changes: [Change]) throws(StoreError) {
        let wall = wallClock()
        // Changes come grouped by row, so the table (and its compiled rules) is looked up
        // once per run of the same table, not once per change.
        var tableName = ""
        var table: TableCatalog?
        var rules: (any CompiledTableAuthority)?
        for change in changes {
            if table == nil || change.table != tableName {
                table = try catalog.table(change.table)
                tableName = change.table
                rules = mergeGuard.authority?.compiled(for: table!.schema)
            }
            let column = try ChangeValidation.validate(change, table!)
            if let only = mergeGuard.onlyOrigin, change.origin != only {
                throw .foreignOrigin(origin: change.origin, sequence: change.sequence)
            }
            // A change of this replica's own origin it does not hold (a restore's loss, coming
            // back) moves its numbering past it: one numbered far beyond is a sender's false
            // record, and numbering past it would leave the counter no room.
            if change.origin == ownSite {
                try Self.refuseBeyondAnyLoss(change.sequence, past: meta.nextSequence, what: "this replica's own changes")
            }
            if let highest = mergeGuard.highestSequence, change.sequence > highest {
                throw .invalidChange(table: change.table, reason: "change number \(change.sequence) of \(change.origin) leaves a gap no station's numbering can have (rule A2)")
            }
            if mergeGuard.authority != nil {
                let violation: AuthorityViolation?
                if let rules {
                    violation = column.map { rules.checkWrite(column: $0, value: change.value, writer: mergeGuard.writer, origin: change.origin)
                        ?? rules.checkStamp(column: $0, value: change.value, stamp: change.stamp) }
                        ?? rules.checkDelete(writer: mergeGuard.writer)
                } else {
                    violation = mergeGuard.authority!.check(change, table: table!.schema, writer: mergeGuard.writer)
                }
                if var violation {
                    violation.rowID = change.rowID
                    throw .unauthorized(violation)
                }
            }
            if mergeGuard.boundsClock {
                do { try meta.clock.check(remote: change.stamp, from: change.origin, wallMillis: wall) } catch { throw .clock(error) }
            }
        }
    }

    /// The ids a station may create rows under, checked when the merge finds no trace of the
    /// row here (no row, no tombstone): a row this replica holds already (another replica's
    /// row the station edits, one an earlier release took) may still be written. So the rule
    /// costs no read of its own: the merge reads the row anyway.
    ///
    /// - No control character (the rule the station's own local writes follow, ``Replica``).
    /// - A5: an id its own generator issues (``MergeGuard/newRowIDPrefix``). Another
    ///   station's id taken first would stop that station's own row at the hub for good (P4,
    ///   or an append-only row that exists), and a tombstone under it would delete the row
    ///   before it exists.
    ///
    /// Only for a station's changes: a county hub's upstream bundle and a return bundle are
    /// taken as their hub merged them, so that a row an earlier release took cannot cut a
    /// county off from its province, or a station from its hub.
    private func checkNewRowID(_ change: Change) throws(StoreError) {
        guard mergeGuard.writer == .station, mergeGuard.authority != nil else { return }
        if change.rowID.holdsControlCharacter {
            throw .invalidChange(table: change.table, reason: Replica.rowIDWithControlCharacter)
        }
        if let prefix = mergeGuard.newRowIDPrefix, !change.rowID.hasPrefix(prefix) {
            throw .unauthorized(AuthorityViolation(
                rule: "A5 new row id", table: change.table, rowID: change.rowID,
                reason: "a station creates rows only under its own ids (\(prefix)…); no row is held here under this id, so it is another replica's or one no replica issued (or this hub was restored from a copy older than the row: merge the bundle of the station that created it first, then this one again)",
                reasonZh: "工作站只能以本站编号（\(prefix)…）新建记录；本中心没有这条记录，其编号属于其他站点或不是任何站点发出的（若本中心刚从较旧的备份恢复，请先合并创建该记录的工作站的数据包，再合并本包）"))
        }
    }

    /// Validates like ``check(_:)``, then merges each change that is not already in the log.
    ///
    /// Consecutive changes to the same row are merged as a group: the row's merge state is
    /// read once and the user row written once, which is what makes a bulk import cost
    /// about one SQLite statement per change. A row merged again by a later group of the
    /// import is held in memory (``ImportRowCache``) and written once when the import ends.
    public mutating func apply(_ changes: [Change]) throws(StoreError) {
        try check(changes)
        let wall = wallClock()
        // A savepoint makes each call all-or-nothing by itself, so a caller that catches
        // an error from one batch and goes on does not keep half of that batch.
        let saved = (sites, meta, report)
        do {
            // Outside the savepoint: a batch that fails must not undo earlier batches' rows.
            if rows.isFull { try rows.writeBack(with: store, catalog) }
            rows.beginBatch()
            // SQL between batches (an eviction) may have changed the log it read.
            store.forgetReadLog()
            try connection.inSavepoint {
                try applyValidated(changes, wall: wall)
                return .commit
            }
            rows.endBatch()
        } catch {
            (sites, meta, report) = saved
            rows.rollBackBatch()
            // Runs still open hold changes the savepoint just undid (the runs read back are
            // forgotten when the next batch starts).
            store.discardOpenRuns()
            // The filer's cache saw writes the savepoint just undid.
            filer?.forgetCached()
            throw StoreError(error)
        }
    }

    private mutating func applyValidated(_ changes: [Change], wall: UInt64) throws {
        let db = connection
        var i = changes.startIndex
        while i < changes.endIndex {
            let first = changes[i]
            var end = i + 1
            // Same row by bytes, as SQLite keys it (not by Swift's canonical equivalence).
            while end < changes.endIndex, changes[end].rowID.isSameRowID(as: first.rowID), changes[end].table == first.table { end += 1 }
            let table = try catalog.table(first.table)
            let rankings = ranking?.columns(of: table.schema.name)
            let key = RowKey(table: first.table, rowID: first.rowID)
            var state: RowState?
            var wasHeld = false
            var before: (existed: Bool, deleted: Bool, values: [Value])?
            var logged: [LoggedChange] = []
            var groupStart = -1
            for (offset, change) in changes[i..<end].enumerated() {
                if let withheld = mergeGuard.withheldOrigin, change.origin == withheld {
                    report.withheld += 1
                    continue
                }
                if let only = mergeGuard.appliesOnlyOrigin, change.origin != only {
                    // Already received, or released with a case transferred away (P7).
                    report.duplicate += 1
                    continue
                }
                if change.origin == ownSite, change.sequence >= meta.nextSequence {
                    meta.nextSequence = change.sequence + 1
                }
                if change.stamp > meta.clock.last {
                    if mergeGuard.boundsClock {
                        try meta.clock.observe(remote: change.stamp, from: change.origin, wallMillis: wall)
                    } else {
                        meta.clock.absorb(remote: change.stamp)
                    }
                }
                let siteNo = try sites.intern(change.origin, db)
                if change.sequence <= sites.contiguous[siteNo]! {
                    try store.requireSameAsLogged(change, siteNo: siteNo)
                    report.duplicate += 1
                    continue
                }
                let baseSiteNo = try change.base.map { try sites.intern($0.site, db) }
                meta.arrival += 1
                if change.sequence > (try sites.highestLogged(siteNo, db)) {
                    // Above everything logged from its origin: certainly new, so it can
                    // join a multi-row insert (the common case: a bundle in order).
                    try store.appendNewToLog(change, siteNo: siteNo, arrival: meta.arrival)
                    sites.noteLogged(siteNo, sequence: change.sequence)
                } else {
                    guard try store.appendToLog(change, siteNo: siteNo, baseSiteNo: baseSiteNo, arrival: meta.arrival) else {
                        try store.requireSameAsLogged(change, siteNo: siteNo)
                        meta.arrival -= 1
                        report.duplicate += 1
                        continue
                    }
                    sites.noteInserted(siteNo, sequence: change.sequence)
                }
                if filer != nil { logged.append(LoggedChange(siteNo: siteNo, sequence: change.sequence, arrival: meta.arrival)) }
                if groupStart < 0 { groupStart = i + offset }
                if state == nil {
                    if let held = try rows.state(of: key, in: table) {
                        state = held
                        wasHeld = true
                    } else {
                        state = try store.load(table, first.rowID)
                    }
                    before = (state!.stored && state!.hasCells, state!.isDeleted, state!.values)
                    if !state!.stored, !state!.hasCells, !state!.isDeleted { try checkNewRowID(change) }
                }
                if let authority = mergeGuard.authority, state!.stored, !state!.isDeleted,
                   !isSettledByRank(change, table: table, rankings: rankings, state: state!),
                   var violation = authority.checkExisting(table: table.schema, current: state!.values, kind: change.kind,
                                                           column: change.column, writer: mergeGuard.writer) {
                    violation.rowID = change.rowID
                    throw StoreError.unauthorized(violation)
                }
                try merge(change, siteNo: siteNo, baseSiteNo: baseSiteNo ?? 0, table: table, rankings: rankings,
                          state: &state!, wall: wall)
            }
            if let state {
                if !state.stored, !state.isDeleted, let authority = mergeGuard.authority,
                   var violation = authority.checkNewRow(table: table.schema, values: state.values, writer: mergeGuard.writer) {
                    violation.rowID = first.rowID
                    throw StoreError.unauthorized(violation)
                }
                if wasHeld || rows.holdsAfterMerge(key) {
                    rows.hold(state, for: key)
                } else {
                    try store.save(table, first.rowID, state)
                }
                if !logged.isEmpty, let before {
                    try file(table, first.rowID, state: state, before: before, logged: logged, changes: changes[groupStart..<end])
                }
            }
            i = end
        }
        try store.flushLog()
        try sites.advanceAndSave(db)
        try meta.save(db)
    }

    /// Files a merged row's new log entries into the feeds and, when the changes come from
    /// a station (``MergeGuard/scope``), checks that the row is within its scope (P4–P5).
    private mutating func file(_ table: TableCatalog, _ rowID: String, state: RowState,
                               before: (existed: Bool, deleted: Bool, values: [Value]),
                               logged: [LoggedChange], changes: ArraySlice<Change>) throws {
        guard let filer else { return }
        // At a hub, a merged change may move a case (a county's or province's transfer, T5).
        let isCase = table.schema.name == filer.declaration.caseTable && scope?.township == nil
        let heldBy = isCase ? try filer.township(ofCase: rowID) : nil
        // A deleted household still moves with a transfer: its rows hang from it wherever
        // it went, and a station must know to let them go (P8).
        if state.isDeleted, table.schema.name == filer.declaration.caseTable,
           let moved = changes.last(where: { $0.kind == .set && $0.column == filer.declaration.caseTownshipColumn }),
           case let .text(code) = moved.value {
            // In tiers two movers (a county and its province) may move it concurrently. The
            // winner is read from the log, so the batch's queued entries are written first.
            try store.flushLog()
            try filer.setTownship(try winningTownship(ofDeleted: rowID, filer: filer, merging: changes) ?? code, ofCase: rowID)
        }
        var place = try filer.place(table, rowID: rowID, values: state.values)
        // Where the row was before matters only to a station's scope check and to a delete
        // (whose values are gone); an edit of a known row skips it (the hub's steady state).
        let previous = before.existed && (mergeGuard.scope != nil || place.rowScope == .unknown)
            ? try filer.peek(table, rowID: rowID, values: before.values) : nil
        // A deleted row keeps the place it had (its values are gone, its case is not).
        if place.rowScope == .unknown, let previous { place = previous }
        if let check = mergeGuard.scope {
            try check.check(table, rowID: rowID, existed: before.existed, isDeleted: state.isDeleted, before: previous, after: place,
                            beforeValues: before.values, afterValues: state.values, changes: changes, filer: filer)
        }
        if isCase, let heldBy, let now = try filer.township(ofCase: rowID), now != heldBy {
            try followMove(of: rowID, from: heldBy, to: now, logged: logged, filer: filer)
        }
        try filer.file(logged, at: place)
    }

    /// Whether `change` writes a county-first column (M7) whose cell a county hub wrote:
    /// then the write cannot take effect, so the authority check on the existing row (A4,
    /// "a county decision locks the row") gives way to the merge, which keeps the county's
    /// value and records the station's write as overruled. A station that decided offline
    /// while the county decided must still be able to sync.
    private func isSettledByRank(_ change: Change, table: TableCatalog, rankings: [ColumnRanking?]?, state: RowState) -> Bool {
        guard change.kind == .set, let ranking, let index = table.columnIndex[change.column],
              rankings?[index]?.countyFirst == true, let cell = state.cells[index],
              let site = try? sites.site(cell.siteNo) else { return false }
        return ranking.hubSites.contains(site) && !ranking.hubSites.contains(change.origin)
    }

    private mutating func merge(_ change: Change, siteNo: Int64, baseSiteNo: Int64, table: TableCatalog, rankings: [ColumnRanking?]?,
                                state: inout RowState, wall: UInt64) throws {
        let outcome = try state.merge(change, siteNo: siteNo, baseSiteNo: baseSiteNo, table: table, rankings: rankings,
                                      hubSites: ranking?.hubSites ?? [], sites: sites)
        for conflict in outcome.conflicts {
            try store.recordConflict(table: table.schema.name, rowID: change.rowID, column: conflict.column, kind: conflict.kind,
                                     winner: conflict.winner, loser: conflict.loser, atMillis: wall)
            report.conflicts += 1
        }
        if outcome.applied { report.applied += 1 } else { report.stale += 1 }
    }

    /// Raises the vector recorded for `site` to the entry-wise maximum with `vector`.
    public mutating func mergeKnownVector(_ vector: VersionVector, of site: SiteID) throws(StoreError) {
        try StoreError.catching {
            let merged = try KnownVectors.read(db, site).merging(vector)
            try KnownVectors.write(db, site, merged)
        }
    }

    /// Replaces the vector recorded for `site` with `vector`, reported in a bundle created at
    /// `asOf`, unless a vector from a newer bundle is already recorded (an old bundle that
    /// arrives late changes nothing; a bundle of the same stamp merges).
    ///
    /// Replacing rather than merging is what keeps "nothing lost" true when a peer loses
    /// data (a hub restored from a backup): its next bundle reports less, and from then on
    /// the changes it lost count as owed again.
    public mutating func adoptKnownVector(_ vector: VersionVector, of site: SiteID, asOf: HybridTimestamp) throws(StoreError) {
        try StoreError.catching {
            let stored = try KnownVectors.asOf(db, site)
            if asOf > stored {
                try KnownVectors.write(db, site, vector, asOf: asOf)
            } else if asOf == stored {
                try KnownVectors.write(db, site, try KnownVectors.read(db, site).merging(vector), asOf: asOf)
            }
        }
    }

    /// Moves the clock past a stamp the peer issued (a bundle's created stamp), within the
    /// skew bound (M5): a replica's next bundle is then dated after everything it has
    /// heard of, which is what lets a peer take its vector as the newest (S6), even from
    /// a laptop restored from an older copy whose own clock had fallen behind.
    public mutating func observe(_ stamp: HybridTimestamp, from site: SiteID) throws(StoreError) {
        guard mergeGuard.boundsClock else { return meta.clock.absorb(remote: stamp) }
        do { try meta.clock.observe(remote: stamp, from: site, wallMillis: wallClock()) } catch { throw .clock(error) }
    }

    /// Sets a setting, or removes it when `value` is nil, in this transaction.
    public mutating func setSetting(_ key: String, _ value: String?) throws(StoreError) {
        try StoreError.catching {
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM fs_settings WHERE key = ?", arguments: [key])
            }
        }
    }

    /// A setting's value in this transaction, nil when unset.
    public func setting(_ key: String) throws(StoreError) -> String? {
        try StoreError.catching { try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [key]) }
    }

    /// Raises an integer setting to at least `value` (a counter that must stay above
    /// what the imported changes used, such as the next row number).
    public mutating func raiseSetting(_ key: String, toAtLeast value: Int) throws(StoreError) {
        try StoreError.catching {
            let current = try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [key]).flatMap { Int($0) } ?? 0
            if value > current {
                try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)", arguments: [key, String(value)])
            }
        }
    }

    /// Records the bundle as imported, so that ``Replica/hasImported(bundleID:)`` refuses it next time.
    public mutating func recordImport(_ record: BundleRecord) throws(StoreError) {
        try StoreError.catching { try BundleLog.imported.insert(db, record) }
    }

    /// Persists what stays in memory until the end of the transaction: the held rows
    /// (through ``db``), the sites and the replica's counters.
    mutating func finish() throws {
        try sites.advanceAndSave(db)
        try meta.save(db)
    }
}

/// The structural checks every change passes before it touches the database.
enum ChangeValidation {
    static func validate(_ change: Change, _ catalog: Catalog) throws(StoreError) {
        _ = try validate(change, try catalog.table(change.table))
    }

    /// Validates `change` against its table; returns the written column's position (nil for a delete).
    @discardableResult
    static func validate(_ change: Change, _ table: TableCatalog) throws(StoreError) -> Int? {
        guard !change.rowID.isEmpty else { throw .invalidChange(table: change.table, reason: "empty row id") }
        guard change.sequence > 0 else { throw .invalidChange(table: change.table, reason: "sequence 0 from station \(change.origin)") }
        // Sequences are stored as SQLite integers (signed 64-bit): a larger one would sort below 1.
        guard change.sequence <= UInt64(Int64.max) else {
            throw .invalidChange(table: change.table, reason: "sequence beyond 2^63 from station \(change.origin)")
        }
        switch change.kind {
        case .set:
            guard let index = table.columnIndex[change.column] else {
                throw .unknownColumn(table: change.table, column: change.column)
            }
            let column = table.schema.columns[index]
            guard column.accepts(change.value) else {
                throw .typeMismatch(table: change.table, column: change.column, expected: column.type)
            }
            return index
        case .delete:
            guard table.schema.kind == .mutable else { throw .appendOnlyDelete(table: change.table) }
            guard change.column.isEmpty, change.value == .null else {
                throw .invalidChange(table: change.table, reason: "a delete carries a column or a value")
            }
            return nil
        }
    }
}
