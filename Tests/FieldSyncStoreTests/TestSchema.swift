import FieldSyncCore
import FieldSyncStore

/// A small schema for store tests: a mutable table with a last-writer-wins and a reviewed
/// column, an append-only table, and a table with every value type.
enum TestSchema {
    static let schema = Schema(name: "fieldsync.test", version: 1, tables: [
        TableSchema(name: "household", columns: [
            ColumnSchema("address", .text),
            ColumnSchema("monthly_income", .integer, policy: .reviewed, personal: true),
        ]),
        TableSchema(name: "visit", kind: .appendOnly, columns: [
            ColumnSchema("household_id", .text),
            ColumnSchema("note", .text),
        ]),
        TableSchema(name: "sample", columns: [
            ColumnSchema("i", .integer),
            ColumnSchema("r", .real),
            ColumnSchema("t", .text),
            ColumnSchema("b", .blob),
        ]),
    ])

    static let otherVersion = Schema(name: "fieldsync.test", version: 2, tables: schema.tables)

    static func site(_ n: UInt8) -> SiteID { SiteID(bytes: Array(repeating: n, count: 16))! }
}
