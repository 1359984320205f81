import Crypto
import FieldSyncCore
import Foundation
import GRDB

extension Replica {
    /// The contiguous vector: per origin, the highest sequence held without gaps.
    public func vector() throws(StoreError) -> VersionVector {
        try read { db in try SiteDirectory(db).vector }
    }

    /// Runs `body` in ONE write transaction and returns its result with the apply report.
    /// If `body` (or anything) throws, the transaction rolls back and the error is rethrown:
    /// the replica is exactly as before.
    public func importChanges<T>(_ body: (inout ImportTransaction) throws -> T) throws -> (T, ApplyReport) {
        try importChanges(rowBudget: ImportRowCache.defaultBudget, body)
    }

    /// ``importChanges(_:)`` with the memory its merge may hold rows in (``ImportRowCache``):
    /// tests hold little, to write held rows back often.
    func importChanges<T>(rowBudget: Int, _ body: (inout ImportTransaction) throws -> T) throws -> (T, ApplyReport) {
        do {
            return try writeCarryingCases { db, cases in
                var transaction = try ImportTransaction(db: db, catalog: catalog, ownSite: siteID, scope: scope,
                                                        ranking: try mergeRanking(db), rowBudget: rowBudget, caseCache: cases,
                                                        wallClock: wallClock)
                let result = try body(&transaction)
                try transaction.finish()
                return (result, transaction.report)
            }
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
    }

    /// Runs `body` with one consistent read snapshot of the change log.
    public func exportSnapshot<T>(_ body: (ExportSnapshot) throws -> T) throws -> T {
        do {
            if let db = sharedTransaction.database { return try body(ExportSnapshot(db: db)) }
            return try writer.read { db in try body(ExportSnapshot(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
    }

    /// How many log entries `vector` does not cover (a COUNT over a range per origin).
    public func changeCount(since vector: VersionVector, only origin: SiteID? = nil) throws(StoreError) -> Int {
        try read { db in try ExportSnapshot(db: db).changeCount(since: vector, only: origin) }
    }

    /// Lowercase hex SHA-256 of the canonical stream of visible data (``StateDigestEncoder``):
    /// equal on two replicas exactly when their case data is equal. Rows are streamed.
    public func digest() throws(StoreError) -> String {
        try digest(of: catalog)
    }

    /// The digest of only what `older`, an earlier version of this replica's schema, holds:
    /// its tables and their columns. Equal to ``digest()`` of a replica on `older` holding the
    /// same data, so a hub and a station that has not upgraded yet can be compared.
    public func digest(as older: Schema) throws(StoreError) -> String {
        precondition(schema.at(version: older.version) == older, "\(older.name) \(older.version) is not a version of this replica's schema")
        return try digest(of: Catalog(older))
    }

    /// The digest of `catalog`'s tables, of the rows `include` accepts (all when nil);
    /// `include` gets the row's values in the table's column order.
    func digest(of catalog: Catalog,
                include: ((Database, TableCatalog, String, [Value]) throws -> Bool)? = nil) throws(StoreError) -> String {
        try read { db in
            let hasher = HasherBox()
            var encoder = StateDigestEncoder { hasher.hasher.update(data: $0) }
            for name in catalog.sortedNames where catalog.tables[name]!.schema.inDigest {
                let table = catalog.tables[name]!
                encoder.beginTable(name)
                let columns = table.schema.columns
                // Cell states are indexed by the column's place in this replica's table, of
                // which an older version's columns are a prefix (versions only append).
                var exact: [CellEntry?] = Array(repeating: nil, count: self.catalog.tables[name]!.schema.columns.count)
                var values = Array(repeating: Value.null, count: columns.count)
                let rows = try Row.fetchCursor(db, sql: table.digestSQL)
                while let row = try rows.next() {
                    let rowID: String = row[0]
                    if table.hasRealColumns, let blob = row[columns.count + 1] as Data? {
                        for i in exact.indices { exact[i] = nil }
                        try RowState.decodeCells([UInt8](blob), into: &exact)
                    }
                    for (position, index) in table.digestOrder.enumerated() {
                        if table.hasRealColumns, let bits = exact[index]?.exactReal {
                            values[index] = .real(Double(bitPattern: bits))
                        } else {
                            values[index] = Value(row[position + 1] as DatabaseValue, type: columns[index].type)
                        }
                    }
                    if let include, !(try include(db, self.catalog.tables[name]!, rowID, values)) { continue }
                    encoder.beginRow(rowID)
                    for index in table.digestOrder { encoder.cell(columns[index].name, values[index]) }
                }
            }
            encoder.flush()
            return Hex.encode(Array(hasher.hasher.finalize()))
        }
    }

    /// Recorded conflicts, oldest first; only unresolved ones unless `includeResolved`.
    public func conflicts(includeResolved: Bool) throws(StoreError) -> [ConflictRecord] {
        try conflictEntries(includeResolved: includeResolved).map(\.record)
    }

    /// Marks a conflict resolved; the data is not touched (the winner stays).
    public func resolveConflict(id: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE fs_conflicts SET resolved = 1 WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.conflictNotFound(id: id) }
        }
    }
}

/// Lets the digest encoder's escaping sink feed a hasher that lives in one read closure.
private final class HasherBox {
    var hasher = SHA256()
}
