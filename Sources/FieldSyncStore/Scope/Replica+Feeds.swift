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
            var filer = FeedFiler(db: db, catalog: catalog, declaration: scope.declaration)
            let store = RowStore(db: db)
            // Households first, so that every row of a case finds its township.
            if let cases = catalog.tables[scope.declaration.caseTable] {
                for id in try String.fetchAll(db, sql: "SELECT \"id\" FROM \(TableCatalog.quote(cases.schema.name))") {
                    _ = try filer.place(cases, rowID: id, values: try store.load(cases, id).values)
                }
            }
            var decoder = ChangeDecoder()
            var current: (key: RowKey, place: FeedPlace)?
            var run: [LoggedChange] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT site_no, seq, arrival, record FROM fs_changes ORDER BY arrival")
            while let row = try rows.next() {
                var reader = ByteReader([UInt8](row[3] as Data))
                let change = try decoder.decode(from: &reader)
                let key = RowKey(table: change.table, rowID: change.rowID)
                if current?.key != key {
                    if let current, !run.isEmpty { try filer.file(run, at: current.place) }
                    run.removeAll()
                    guard let table = catalog.tables[change.table] else { current = nil; continue }
                    current = (key, try filer.place(table, rowID: change.rowID, values: try store.load(table, change.rowID).values))
                }
                run.append(LoggedChange(siteNo: row[0], sequence: UInt64(sql: row[1]), arrival: row[2]))
            }
            if let current, !run.isEmpty { try filer.file(run, at: current.place) }
            try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, '1')", arguments: [Self.feedFiledKey])
        }
    }

    /// The township holding `household` in this replica (nil when it never held it).
    public func township(ofCase household: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT township FROM fs_case WHERE case_id = ?", arguments: [household]) }
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
            var filer = FeedFiler(db: db, catalog: self.catalog, declaration: scope.declaration)
            let place = try filer.peek(table, rowID: rowID, values: values)
            return ScopeCode.covers(township, place.scope) || place.scope == FeedFiler.countyScope
        }
    }
}

extension FeedFiler {
    /// Places a row like ``place(_:rowID:values:)`` without recording a household's township.
    mutating func peek(_ table: TableCatalog, rowID: String, values: [Value]) throws -> FeedPlace {
        let rowScope = try declaration.scope(of: table.schema.name, rowID: rowID, value: { column in
            table.columnIndex[column].map { values[$0] }.flatMap { $0 == .null ? nil : $0 }
        }, lookUp: { other, id, column in
            guard let t = catalog.tables[other], let index = t.columnIndex[column] else { return nil }
            guard let value = try DatabaseValue.fetchOne(db.cachedStatement(sql: "SELECT \(TableCatalog.quote(column)) FROM \(TableCatalog.quote(other)) WHERE \"id\" = ?"),
                                                         arguments: [id]) else { return nil }
            let decoded = Value(value, type: t.schema.columns[index].type)
            return decoded == .null ? nil : decoded
        })
        switch rowScope {
        case .county: return FeedPlace(scope: Self.countyScope, caseID: nil, rowScope: rowScope)
        case let .township(code): return FeedPlace(scope: code, caseID: nil, rowScope: rowScope)
        case let .household(id):
            if table.schema.name == declaration.caseTable, let index = table.columnIndex[declaration.caseTownshipColumn],
               case let .text(code) = values[index] { return FeedPlace(scope: code, caseID: id, rowScope: rowScope) }
            return FeedPlace(scope: try township(ofCase: id) ?? Self.unplacedScope, caseID: id, rowScope: rowScope)
        case .unknown: return FeedPlace(scope: Self.unplacedScope, caseID: nil, rowScope: rowScope)
        }
    }
}
