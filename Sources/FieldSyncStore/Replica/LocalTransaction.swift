import FieldSyncCore
import GRDB

/// Local writes inside one write transaction (``Replica/transaction(_:)``): each write is
/// checked, stamped, logged and filed exactly as ``Replica/write(table:rowID:values:)``
/// does, and the transaction commits them together. A hub's transfer of a case (the
/// transfer record, the household's new township, the notices and the case's history
/// filed again for its new township) is one such transaction.
public struct LocalTransaction {
    let db: Database
    let replica: Replica
    let wall: UInt64
    var meta: ReplicaMeta
    var sites: SiteDirectory
    let store: RowStore
    var filer: FeedFiler?

    init(db: Database, replica: Replica, wallMillis: UInt64, caseCache: CaseCache = CaseCache()) throws {
        self.db = db
        self.replica = replica
        wall = wallMillis
        meta = try ReplicaMeta(db)
        sites = try SiteDirectory(db)
        store = RowStore(db: db)
        filer = replica.scope.map { FeedFiler(db: db, catalog: replica.catalog, declaration: $0.declaration, cache: caseCache) }
    }

    /// Inserts or updates a row, stamping the changed cells and logging one change per
    /// cell. Returns the changes (empty when every value equals what the row holds).
    ///
    /// For a `reviewed` column the change carries the version it replaces as `base`, so a
    /// receiver can tell a sequential edit from a concurrent one.
    @discardableResult
    public mutating func write(table: String, rowID: String, values: [String: Value]) throws(StoreError) -> [Change] {
        try Replica.checkEncodable(table: table, rowID: rowID)
        let tableCatalog = try replica.catalog.table(table)
        var given: [(index: Int, value: Value)] = []
        for (column, value) in values {
            try Replica.checkEncodable(table: table, column: column, value: value)
            guard let index = tableCatalog.columnIndex[column] else { throw .unknownColumn(table: table, column: column) }
            let schema = tableCatalog.schema.columns[index]
            guard schema.accepts(value) else { throw .typeMismatch(table: table, column: column, expected: schema.type) }
            given.append((index, value))
        }
        given.sort { $0.index < $1.index }
        return try StoreError.catching { try writeChecked(tableCatalog, rowID: rowID, given: given) }
    }

    private mutating func writeChecked(_ tableCatalog: TableCatalog, rowID: String, given: [(index: Int, value: Value)]) throws -> [Change] {
        let table = tableCatalog.schema.name
        var state = try store.load(tableCatalog, rowID)
        if state.isDeleted { throw StoreError.rowDeleted(table: table, rowID: rowID) }
        let exists = state.hasCells
        if !exists { try Replica.checkNewRowID(table: table, rowID: rowID) }
        if exists, tableCatalog.schema.kind == .appendOnly {
            throw StoreError.appendOnlyRowCannotChange(table: table, rowID: rowID)
        }
        let changed = exists ? given.filter { state.values[$0.index] != $0.value } : given
        guard !changed.isEmpty else { return [] }
        var after = state.values
        for (index, value) in changed { after[index] = value }
        // Where the row belongs first: a write to a case transferred away is refused as such.
        let place = try placeAndCheck(tableCatalog, rowID: rowID, existed: exists, values: after, beforeValues: state.values,
                                      changes: changed.map { Change.set(table, rowID, tableCatalog.schema.columns[$0.index].name, $0.value,
                                                                        stamp: .zero, origin: replica.siteID, sequence: 0) })
        if let authority = replica.writeAuthority {
            // What the hub would refuse at merge is refused here, before it is stored; a
            // recorded time is checked against this wall clock, which the write's stamp follows.
            let compiled = authority.compiled(for: tableCatalog.schema)
            for (index, value) in changed {
                let column = tableCatalog.schema.columns[index]
                if var violation = authority.checkWrite(table: tableCatalog.schema, column: column, value: value, writer: replica.role,
                                                              origin: replica.siteID)
                    ?? (exists ? authority.checkExisting(table: tableCatalog.schema, current: state.values, kind: .set,
                                                        column: column.name, writer: replica.role) : nil) {
                    violation.rowID = rowID
                    throw StoreError.unauthorized(violation)
                }
            }
            if !exists, var violation = authority.checkNewRow(table: tableCatalog.schema, values: after, writer: replica.role) {
                violation.rowID = rowID
                throw StoreError.unauthorized(violation)
            }
            for (index, value) in changed {
                if var violation = compiled?.checkStamp(column: index, value: value, stamp: HybridTimestamp(millis: wall, counter: 0)) {
                    violation.rowID = rowID
                    throw StoreError.unauthorized(violation)
                }
            }
        }
        if let ranking = try replica.mergeRanking(db), let rankings = ranking.columns(of: table) {
            for (index, value) in changed {
                if var violation = try Replica.precedenceViolation(of: value, by: replica.siteID, table: tableCatalog.schema, column: index,
                                                                   state: state, rankings: rankings, ranking: ranking, sites: sites) {
                    violation.rowID = rowID
                    throw StoreError.unauthorized(violation)
                }
            }
        }
        let siteNo = try sites.intern(replica.siteID, db)
        let stamp = meta.clock.tick(wallMillis: wall)
        var changes: [Change] = []
        var logged: [LoggedChange] = []
        changes.reserveCapacity(changed.count)
        for (index, value) in changed {
            let column = tableCatalog.schema.columns[index]
            var base: CellVersion?
            var baseSiteNo: Int64 = 0
            if column.policy == .reviewed, let current = state.cells[index] {
                base = try current.version(sites)
                baseSiteNo = current.siteNo
            }
            let change = Change.set(table, rowID, column.name, value, stamp: stamp, origin: replica.siteID,
                                    sequence: meta.nextSequence, base: base)
            meta.nextSequence += 1
            meta.arrival += 1
            _ = try store.appendToLog(change, siteNo: siteNo, baseSiteNo: base == nil ? nil : baseSiteNo, arrival: meta.arrival)
            sites.noteInserted(siteNo, sequence: change.sequence)
            logged.append(LoggedChange(siteNo: siteNo, sequence: change.sequence, arrival: meta.arrival))
            state.cells[index] = CellEntry(stamp: stamp.rawValue, siteNo: siteNo, baseSiteNo: baseSiteNo,
                                           baseStamp: base?.stamp.rawValue ?? 0, exactReal: value.exactRealBits)
            state.values[index] = value
            changes.append(change)
        }
        state.cellsChanged = true
        state.valuesChanged = true
        try store.save(tableCatalog, rowID, state)
        if let place { try filer?.file(logged, at: place) }
        return changes
    }

    /// Places the row for the feed and, at a station, refuses a write outside its scope.
    private mutating func placeAndCheck(_ table: TableCatalog, rowID: String, existed: Bool, values: [Value],
                                        beforeValues: [Value], changes: [Change]) throws -> FeedPlace? {
        guard let filer, let scope = replica.scope else { return nil }
        let place = try filer.place(table, rowID: rowID, values: values)
        if let caseID = place.caseID, let moved = try Evictions.township(ofEvicted: caseID, db) {
            throw StoreError.unauthorized(Evictions.violation(table.schema.name, rowID, household: caseID, movedTo: moved))
        }
        if let township = scope.township {
            try ScopeCheck(township: township).check(table, rowID: rowID, existed: existed, isDeleted: false, before: nil, after: place,
                                                     beforeValues: beforeValues, afterValues: values,
                                                     changes: changes[...], filer: filer)
        }
        return place
    }

    /// Deletes a row: a tombstone that wins over every write to the row, earlier or later.
    @discardableResult
    public mutating func delete(table: String, rowID: String) throws(StoreError) -> Change {
        try Replica.checkEncodable(table: table, rowID: rowID)
        let tableCatalog = try replica.catalog.table(table)
        guard tableCatalog.schema.kind == .mutable else { throw .appendOnlyDelete(table: table) }
        return try StoreError.catching { try deleteChecked(tableCatalog, rowID: rowID) }
    }

    private mutating func deleteChecked(_ tableCatalog: TableCatalog, rowID: String) throws -> Change {
        let table = tableCatalog.schema.name
        var state = try store.load(tableCatalog, rowID)
        if state.isDeleted { throw StoreError.rowDeleted(table: table, rowID: rowID) }
        guard state.hasCells else { throw StoreError.rowNotFound(table: table, rowID: rowID) }
        if let authority = replica.writeAuthority,
           var violation = authority.checkDelete(table: tableCatalog.schema, writer: replica.role)
            ?? authority.checkExisting(table: tableCatalog.schema, current: state.values, kind: .delete, column: "", writer: replica.role) {
            violation.rowID = rowID
            throw StoreError.unauthorized(violation)
        }
        let siteNo = try sites.intern(replica.siteID, db)
        let change = Change.delete(table, rowID, stamp: meta.clock.tick(wallMillis: wall), origin: replica.siteID, sequence: meta.nextSequence)
        meta.nextSequence += 1
        meta.arrival += 1
        _ = try store.appendToLog(change, siteNo: siteNo, baseSiteNo: nil, arrival: meta.arrival)
        sites.noteInserted(siteNo, sequence: change.sequence)
        // Placed by the values it held: a deleted row keeps its case (P2).
        let place = try placeAndCheck(tableCatalog, rowID: rowID, existed: true, values: state.values, beforeValues: state.values, changes: [change])
        state.tombStamp = change.stamp.rawValue
        state.tombSiteNo = siteNo
        state.tombstoneChanged = true
        try store.save(tableCatalog, rowID, state)
        if let place { try filer?.file([LoggedChange(siteNo: siteNo, sequence: change.sequence, arrival: meta.arrival)], at: place) }
        return change
    }

    mutating func finish() throws {
        try sites.advanceAndSave(db)
        try meta.save(db)
    }
}

extension LocalTransaction {
    /// The visible row (nil if absent or deleted), keyed by column name, `id` included.
    public func row(table: String, rowID: String) throws(StoreError) -> [String: Value]? {
        let tableCatalog = try replica.catalog.table(table)
        return try StoreError.catching {
            let state = try store.load(tableCatalog, rowID)
            guard !state.isDeleted, state.hasCells else { return nil }
            var result: [String: Value] = ["id": .text(rowID)]
            for (i, column) in tableCatalog.schema.columns.enumerated() { result[column.name] = state.values[i] }
            return result
        }
    }

    /// Files a case's whole history again under `township`, at new positions (P3 of a
    /// transfer): the receiving station's next return bundle carries all of it, whatever
    /// that station held before. Returns how many changes were filed.
    @discardableResult
    public mutating func refile(case household: String, to township: String) throws(StoreError) -> Int {
        try StoreError.catching {
            guard let filer else { return 0 }
            return try filer.refile(case: household, to: township, arrival: &meta.arrival)
        }
    }

    /// Files `changes` (this replica's own, just written) also under `township`, pinned:
    /// they reach that township's station even though the case is no longer its own (the
    /// record of a transfer away, P3).
    public mutating func pin(_ changes: [Change], under township: String, case household: String) throws(StoreError) {
        try StoreError.catching {
            guard let filer else { return }
            let siteNo = try sites.intern(replica.siteID, db)
            var logged: [LoggedChange] = []
            for change in changes.sorted(by: { $0.sequence < $1.sequence }) {
                meta.arrival += 1
                logged.append(LoggedChange(siteNo: siteNo, sequence: change.sequence, arrival: meta.arrival))
            }
            // One entry per change: positions are the new arrival numbers.
            for entry in logged {
                try filer.insert(scope: township, position: entry.arrival, siteNo: entry.siteNo, low: entry.sequence, high: entry.sequence,
                                 caseID: household, pinned: true)
            }
        }
    }
}

extension LocalTransaction {
    /// Records a person's decision on a conflict in this transaction (with the write that
    /// carries it out).
    public mutating func markResolved(_ resolution: ConflictResolution) throws(StoreError) {
        try StoreError.catching { try Replica.markResolved(resolution, in: db) }
    }
}
