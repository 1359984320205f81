import FieldSyncCore
import GRDB

extension Replica {
    /// The setting that holds every local write until the first import (its value: why, for the refusal).
    public static let localWritesHeldKey = "local_writes_held_until_import"

    /// Inserts or updates a row, stamping the changed cells and appending one change per
    /// cell to the log, all in one transaction. Returns the changes (empty when every value
    /// equals what the row holds).
    ///
    /// For a `reviewed` column the change carries the version it replaces as `base`, so a
    /// receiver can tell a sequential edit from a concurrent one.
    ///
    /// `resolving` records a person's decision on a conflict in the same transaction, so a
    /// resolution is never recorded without its write, nor the write without it.
    @discardableResult
    public func write(table: String, rowID: String, values: [String: Value],
                      resolving: ConflictResolution? = nil) throws(StoreError) -> [Change] {
        try transaction { tx throws(StoreError) in
            if let resolving { try tx.markResolved(resolving) }
            return try tx.write(table: table, rowID: rowID, values: values)
        }
    }

    /// Refuses a local write that would lose the merge by rank (M7) to what the cell holds:
    /// stored, it would win here (it has the newest stamp) and lose on every other replica.
    /// Its writer saw the value it would move back, so it is refused rather than recorded.
    static func precedenceViolation(of value: Value, by writer: SiteID, table: TableSchema, column index: Int, state: RowState,
                                    rankings: [ColumnRanking?], ranking: MergeRanking, sites: SiteDirectory) throws -> AuthorityViolation? {
        guard let columnRanking = rankings[index], let cell = state.cells[index] else { return nil }
        let currentFromHub = ranking.hubSites.contains(try sites.site(cell.siteNo))
        let current = columnRanking.rank(of: state.values[index], fromHub: currentFromHub)
        let incoming = columnRanking.rank(of: value, fromHub: ranking.hubSites.contains(writer))
        guard incoming < current else { return nil }
        let column = table.columns[index].name
        if incoming.authority < current.authority {
            return AuthorityViolation(rule: "M7 county precedence", table: table.name, column: column,
                                      reason: "the county hub set this field; only the hub may change it (ask the county)",
                                      reasonZh: "\(column) 已由县级中心确定，只有县级中心可以修改，请联系县级中心")
        }
        return AuthorityViolation(rule: "M7 status order", table: table.name, column: column,
                                  reason: "this field has already moved to a later stage and never moves back; ask the county to correct it",
                                  reasonZh: "\(column) 已进入后续阶段，不能退回；如需更正，请联系县级中心")
    }

    /// Deletes a row: a tombstone that wins over every write to the row, earlier or later.
    @discardableResult
    public func delete(table: String, rowID: String) throws(StoreError) -> Change {
        try transaction { tx throws(StoreError) in try tx.delete(table: table, rowID: rowID) }
    }

    /// Runs `body` in ONE write transaction in which it may make several local writes
    /// (``LocalTransaction``): all of them are stored, or none.
    /// Every local write passes here: while the setting ``localWritesHeldKey`` is set and
    /// no bundle has been imported, it is refused with the setting's text (a replacement
    /// laptop, K6, may not number work of its own before its first return bundle); while
    /// ``ownWritesHeldKey`` is set, whatever was imported (a restored hub, §4d).
    public func transaction<T>(_ body: (inout LocalTransaction) throws(StoreError) -> T) throws(StoreError) -> T {
        let wall = wallClock()
        return try StoreError.catching { try writeCarryingCases { db, cases in
            if let held = try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [Self.localWritesHeldKey]),
               try BundleLog.imported.list(db, limit: 1).isEmpty {
                throw StoreError.localWritesHeld(reason: held)
            }
            if let held = try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [Self.ownWritesHeldKey]) {
                throw StoreError.localWritesHeld(reason: held)
            }
            // Local writes file through the same case cache as imports (``CaseCacheSlot``):
            // a notice or a transfer between two station bundles keeps it good.
            var tx = try LocalTransaction(db: db, replica: self, wallMillis: wall, caseCache: cases)
            let result = try body(&tx)
            try tx.finish()
            return result
        } }
    }

    /// Refuses a table name or row id that a bundle could not carry (`Protocol/bundle-format.md`,
    /// "Change record"): every local write is checked here, so nothing the replica accepted
    /// can later make an export fail and stop the replica from syncing. A row id holding a
    /// control character is refused only where a row is created (``checkNewRowID(table:rowID:)``):
    /// one an earlier release stored stays readable, writable and deletable.
    public static func checkEncodable(table: String, rowID: String) throws(StoreError) {
        let tableSize = table.utf8.count
        guard tableSize <= Change.maxNameLength else {
            throw .nameTooLong(what: "table name", size: tableSize, limit: Change.maxNameLength)
        }
        let idSize = rowID.utf8.count
        guard idSize > 0 else { throw .invalidChange(table: table, reason: "empty row id") }
        guard idSize <= Change.maxNameLength else {
            throw .nameTooLong(what: "row id of \(table)", size: idSize, limit: Change.maxNameLength)
        }
    }

    /// Refuses the id of a row a local write would create if it holds a control character:
    /// a station's hub refuses such an id in its bundle (``rowIDWithControlCharacter``).
    static func checkNewRowID(table: String, rowID: String) throws(StoreError) {
        guard !rowID.holdsControlCharacter else { throw .invalidChange(table: table, reason: rowIDWithControlCharacter) }
    }

    /// Why a row id may hold no control character (``Swift/String/holdsControlCharacter``):
    /// row ids appear in refusal messages on a hub operator's terminal and in its log, where
    /// a line break or an escape sequence could forge or erase a line; and every reader that
    /// takes text as a C string (GRDB's among them) stops at U+0000, so a scan of a table's
    /// ids (a digest, a rebuild, an eviction) would name another row. Text values may hold
    /// line breaks (they are never shown in messages) but not U+0000 (``ColumnSchema/accepts(_:)``).
    static let rowIDWithControlCharacter =
        "the row id holds a control character (a line break, tab, escape or NUL: U+0000–U+001F, U+007F–U+009F), which the id of a new row may not hold"

    /// Refuses a column name or a text or blob value that a bundle could not carry.
    public static func checkEncodable(table: String, column: String, value: Value) throws(StoreError) {
        let columnSize = column.utf8.count
        guard columnSize <= Change.maxNameLength else {
            throw .nameTooLong(what: "column name of \(table)", size: columnSize, limit: Change.maxNameLength)
        }
        let size: Int
        switch value {
        case let .text(text): size = text.utf8.count
        case let .blob(bytes): size = bytes.count
        case .null, .integer, .real: return
        }
        guard size <= Change.maxWritableValueLength else {
            throw .valueTooLong(table: table, column: column, size: size, limit: Change.maxWritableValueLength)
        }
    }

    /// The visible row (nil if absent or deleted), keyed by column name, `id` included.
    public func row(table: String, rowID: String) throws(StoreError) -> [String: Value]? {
        let tableCatalog = try catalog.table(table)
        return try read { db in
            let state = try RowStore(db: db).load(tableCatalog, rowID)
            guard !state.isDeleted, state.hasCells else { return nil }
            var result: [String: Value] = ["id": .text(rowID)]
            for (i, column) in tableCatalog.schema.columns.enumerated() { result[column.name] = state.values[i] }
            return result
        }
    }

    public func isDeleted(table: String, rowID: String) throws(StoreError) -> Bool {
        _ = try catalog.table(table)
        return try read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM fs_tombstones WHERE tbl = ? AND row_id = ?"),
                              arguments: [table, rowID]) ?? false
        }
    }

    /// Ids of visible rows in byte order, at most `limit` when given.
    public func rowIDs(table: String, limit: Int?) throws(StoreError) -> [String] {
        let tableCatalog = try catalog.table(table)
        return try read { db in
            try String.fetchAll(db, sql: "SELECT \"id\" FROM \(TableCatalog.quote(tableCatalog.schema.name)) ORDER BY \"id\" LIMIT ?",
                                arguments: [limit ?? -1])
        }
    }
}

extension Replica {
    /// A new stamp from the replica's clock for an event that is not a change, such as
    /// writing a bundle: strictly after every stamp this replica issued or saw, so a
    /// peer can tell which of two bundles is newer even if the wall clock went back.
    public func issueStamp() throws(StoreError) -> HybridTimestamp {
        let wall = wallClock()
        return try write { db in
            var meta = try ReplicaMeta(db)
            let stamp = meta.clock.tick(wallMillis: wall)
            try meta.save(db)
            return stamp
        }
    }
}
