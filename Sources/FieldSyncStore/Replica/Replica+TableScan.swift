import FieldSyncCore
import GRDB

extension Replica {
    /// The visible rows of `table`, with the values of `columns` in the order given, in
    /// id byte order, read in one snapshot.
    ///
    /// For the hub's whole-county views (duplicate applicants, decisions waiting for the
    /// county, households per station): ``row(table:rowID:)`` costs one read transaction
    /// per row, which over a county's tens of thousands of members is most of the time
    /// such a view takes. Deleted rows are not in the user tables, so they are not listed.
    ///
    /// `matching` keeps only the rows whose text `column` (or `id`) is one of `values` (one
    /// case's rows for the workbench's case page), filtered by SQLite rather than after the read.
    public func scan(table: String, columns: [String],
                     matching: (column: String, values: [String])? = nil) throws(StoreError) -> [(id: String, values: [Value])] {
        let tableCatalog = try catalog.table(table)
        var types: [ColumnType] = []
        for column in columns {
            guard let index = tableCatalog.columnIndex[column] else { throw .unknownColumn(table: table, column: column) }
            types.append(tableCatalog.schema.columns[index].type)
        }
        let selected = (["\"id\""] + columns.map(TableCatalog.quote)).joined(separator: ", ")
        var filter = ""
        var arguments: [String] = []
        if let matching {
            guard matching.column == "id" || tableCatalog.columnIndex[matching.column] != nil else {
                throw .unknownColumn(table: table, column: matching.column)
            }
            if matching.values.isEmpty { return [] }
            filter = " WHERE \(TableCatalog.quote(matching.column)) IN (\(Array(repeating: "?", count: matching.values.count).joined(separator: ", ")))"
            arguments = matching.values
        }
        let sql = "SELECT \(selected) FROM \(TableCatalog.quote(table))\(filter) ORDER BY \"id\""
        return try read { db in
            // Through SQLite's C API: a GRDB `Row` per row and a `DatabaseValue` per cell cost
            // several times what SQLite does, and these scans read whole tables (a county's
            // members for the duplicate scan, a station's households for its list).
            let statement = try RawStatement(db, sql: sql)
            for (i, argument) in arguments.enumerated() { statement.bind(Int32(i + 1), text: argument) }
            var result: [(id: String, values: [Value])] = []
            while try statement.step() {
                result.append((statement.text(0) ?? "", types.enumerated().map { i, type in statement.value(Int32(i + 1), type: type) }))
            }
            statement.reset()
            return result
        }
    }

    /// The newest bundles imported from `peer`, newest first (the hub's "last bundle
    /// received" from one station).
    public func importedBundles(from peer: SiteID, limit: Int) throws(StoreError) -> [BundleRecord] {
        try read { db in try BundleLog.imported.list(db, peer: peer, limit: limit) }
    }

    /// The newest bundles exported to `peer`, newest first.
    public func exportedBundles(to peer: SiteID, limit: Int) throws(StoreError) -> [BundleRecord] {
        try read { db in try BundleLog.exported.list(db, peer: peer, limit: limit) }
    }
}
