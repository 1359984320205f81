import FieldSyncCore
import GRDB

extension ImportTransaction {
    /// Every visible row of `table` as this transaction sees it (the changes applied so far
    /// included), keyed by column name with `id`, in id order. For small hub-written tables
    /// (`hub_key`) that an import checks before it commits.
    public func rows(table: String) throws(StoreError) -> [[String: Value]] {
        let tableCatalog = try catalog.table(table)
        return try StoreError.catching { try VisibleRows.all(of: tableCatalog, db) }
    }

    /// Replaces the public keys this replica trusts for `site` (a hub that rotated its
    /// keys), in this transaction: they change together with the rows that announced them.
    public mutating func replacePeerKeys(of site: SiteID, signingKey: [UInt8], agreementKey: [UInt8]) throws(StoreError) {
        try StoreError.catching {
            try db.execute(sql: "UPDATE fs_peers SET signing_key = ?, agreement_key = ? WHERE site_id = ?",
                           arguments: [signingKey.data, agreementKey.data, site.bytes.data])
        }
    }
}

extension Replica {
    /// Every visible row of `table`, keyed by column name with `id`, in id order. For small
    /// hub-written tables (`hub_key`).
    public func rows(table: String) throws(StoreError) -> [[String: Value]] {
        let tableCatalog = try catalog.table(table)
        return try read { db in try VisibleRows.all(of: tableCatalog, db) }
    }
}

/// Reads a whole small table, row by row through the row store (as ``Replica/row(table:rowID:)`` does).
enum VisibleRows {
    static func all(of table: TableCatalog, _ db: Database) throws -> [[String: Value]] {
        let store = RowStore(db: db)
        let ids = try String.fetchAll(db, sql: "SELECT \"id\" FROM \(TableCatalog.quote(table.schema.name)) ORDER BY \"id\"")
        return try ids.compactMap { id -> [String: Value]? in
            let state = try store.load(table, id)
            guard !state.isDeleted, state.hasCells else { return nil }
            var result: [String: Value] = ["id": .text(id)]
            for (i, column) in table.schema.columns.enumerated() { result[column.name] = state.values[i] }
            return result
        }
    }
}
