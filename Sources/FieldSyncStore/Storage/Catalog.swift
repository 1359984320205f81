import Foundation
import FieldSyncCore

/// The SQL and lookups the store needs for each user table, computed once from the schema
/// so that the merge loop does no string building.
struct TableCatalog: Sendable {
    let schema: TableSchema
    let columnIndex: [String: Int]
    /// `SELECT "c1", …, fs_cells FROM "t" WHERE "id" = ?`: the values in schema order, then
    /// the row's merge state (``RowState``'s cells blob).
    let selectRowSQL: String
    /// Insert or update of the full row, columns in schema order, then its merge state.
    let upsertRowSQL: String
    let deleteRowSQL: String
    /// Visible rows in id byte order, columns in name order (the digest order).
    let digestSQL: String
    /// Schema index of each column in name order.
    let digestOrder: [Int]
    /// Whether some column is real: those tables need the exact-value overrides of RowState.
    let hasRealColumns: Bool

    init(_ table: TableSchema) {
        schema = table
        columnIndex = Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($0.element.name, $0.offset) })
        let q = Self.quote
        let name = q(table.name)
        let cols = table.columns.map { q($0.name) }
        let stored = cols + [Self.cellsColumn]
        selectRowSQL = "SELECT \(stored.joined(separator: ", ")) FROM \(name) WHERE \"id\" = ?"
        let placeholders = Array(repeating: "?", count: stored.count + 1).joined(separator: ", ")
        let update = "UPDATE SET " + stored.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        upsertRowSQL = "INSERT INTO \(name)(\((["\"id\""] + stored).joined(separator: ", "))) VALUES (\(placeholders)) ON CONFLICT(\"id\") DO \(update)"
        deleteRowSQL = "DELETE FROM \(name) WHERE \"id\" = ?"
        digestOrder = table.columns.indices.sorted { table.columns[$0].name < table.columns[$1].name }
        hasRealColumns = table.columns.contains { $0.type == .real }
        let digestCols = (["t.\"id\""] + digestOrder.map { "t." + cols[$0] }).joined(separator: ", ")
        if hasRealColumns {
            digestSQL = "SELECT \(digestCols), t.\(Self.cellsColumn) FROM \(name) AS t ORDER BY t.\"id\""
        } else {
            digestSQL = "SELECT \(digestCols) FROM \(name) AS t ORDER BY t.\"id\""
        }
    }

    /// The user table: its id, its columns, and the row's merge state (``cellsColumn``).
    /// Columns a later schema version adds come after it (`ALTER TABLE … ADD COLUMN`):
    /// every statement names its columns, so their order in the file does not matter.
    var createSQL: String {
        let cols = schema.columns.map { "\(Self.quote($0.name)) \($0.type.rawValue.uppercased())" }
        return "CREATE TABLE \(Self.quote(schema.name))(\((["\"id\" TEXT PRIMARY KEY NOT NULL"] + cols + [Self.cellsColumnDefinition]).joined(separator: ", ")))"
    }

    /// The column of every user table that holds the row's merge state: the version of each
    /// cell (``RowState``'s cells blob). In the user row rather than a table of its own
    /// (`fs_rows` until migration v6), so that merging into a row reads one record and
    /// writes one (issue 10). Never read or written but by the store; schema columns cannot
    /// take the name (no column name starts with `fs_`). A deleted row's tombstone is kept
    /// in `fs_tombstones`, as the user row is gone.
    static let cellsColumn = "fs_cells"
    /// Its definition, the same in a new table and in one migration v6 added it to.
    static let cellsColumnDefinition = "\(cellsColumn) BLOB NOT NULL DEFAULT x''"

    /// The `ALTER TABLE … ADD COLUMN` of a column a schema version adds to an existing table.
    static func addColumnSQL(table: String, column: ColumnSchema) -> String {
        "ALTER TABLE \(quote(table)) ADD COLUMN \(quote(column.name)) \(column.type.rawValue.uppercased())"
    }

    static func quote(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// Every user table of a schema, by name.
struct Catalog: Sendable {
    let tables: [String: TableCatalog]
    /// Table names in byte order (the digest order).
    let sortedNames: [String]

    init(_ schema: Schema) {
        tables = Dictionary(uniqueKeysWithValues: schema.tables.map { ($0.name, TableCatalog($0)) })
        sortedNames = schema.tables.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    func table(_ name: String) throws(StoreError) -> TableCatalog {
        guard let t = tables[name] else { throw .unknownTable(name) }
        return t
    }
}
