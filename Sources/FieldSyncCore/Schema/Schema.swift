/// The replicated tables, their columns and each column's merge policy.
///
/// A schema is data, declared once by the domain and shared by every replica and by the
/// bundle codec: replicas create their tables from it, merge by its policies, and bundles
/// carry a fingerprint of its ``canonicalDescription`` so that a bundle written under
/// another schema is refused instead of misread.
///
/// A schema also carries its history: the earlier released versions of the same family
/// (``earlier``), each reachable from the one before by a named migration that only adds
/// (``migrating(_:addingTables:addingColumns:)``). That is what lets a replica file or a
/// bundle of an older version be recognised by its fingerprint and upgraded, and lets a
/// newer replica write for an older one by leaving out what the older one lacks.
///
/// ## Topics
/// - Versions: ``at(version:)``, ``earlier``, ``migrationName``, ``migrating(_:addingTables:addingColumns:)``
/// - Older versions: ``holds(_:)``, ``additions(since:)``, ``oldest``
public struct Schema: Sendable, Equatable {
    /// A stable name for the family of schemas, e.g. `fieldsync.casework`.
    public let name: String
    /// The schema version: the number of named migrations that produce it.
    public let version: Int
    /// Tables in declaration order.
    public let tables: [TableSchema]
    /// The released versions before this one, oldest first, consecutive; empty for the
    /// first release. Not part of ``canonicalDescription``: a version's fingerprint depends
    /// only on its own tables.
    public let earlier: [Schema]
    /// The name of the migration that made this version from the one before (nil for the
    /// oldest version known).
    public let migrationName: String?

    public init(name: String, version: Int, tables: [TableSchema]) {
        self.init(name: name, version: version, tables: tables, earlier: [], migrationName: nil)
    }

    private init(name: String, version: Int, tables: [TableSchema], earlier: [Schema], migrationName: String?) {
        precondition(Identifier.isValid(name.replacingDots()), "invalid schema name \(name)")
        precondition(Set(tables.map(\.name)).count == tables.count, "duplicate table names")
        self.name = name
        self.version = version
        self.tables = tables
        self.earlier = earlier
        self.migrationName = migrationName
    }

    public func table(_ name: String) -> TableSchema? { tables.first { $0.name == name } }

    /// The next version: this one plus new tables (appended after the existing ones) and
    /// new columns (appended at the end of existing tables), under the migration `name`.
    ///
    /// The rule of every schema step: **a migration only adds**. No table or column is
    /// renamed, removed, retyped or given another policy, and existing columns keep their
    /// order. So a change written under an older version is a valid change under every
    /// newer one (it is upcast by doing nothing), and a newer replica can write for an
    /// older one by leaving out the changes to what was added (``holds(_:)``). Once a
    /// version is released its migration is frozen: a later change is a new migration.
    public func migrating(_ name: String, addingTables newTables: [TableSchema] = [],
                          addingColumns newColumns: [String: [ColumnSchema]] = [:]) -> Schema {
        precondition(!newTables.isEmpty || !newColumns.isEmpty, "migration \(name) adds nothing")
        for tableName in newColumns.keys { precondition(table(tableName) != nil, "migration \(name): no table \(tableName) to add columns to") }
        let extended = tables.map { table in
            guard let added = newColumns[table.name], !added.isEmpty else { return table }
            return TableSchema(name: table.name, kind: table.kind, columns: table.columns + added, inDigest: table.inDigest)
        }
        return Schema(name: self.name, version: version + 1, tables: extended + newTables,
                      earlier: earlier + [self], migrationName: name)
    }

    /// This schema if `version` is its own, else the earlier version with that number, or
    /// nil when this family never had it (too old, or newer than this program).
    public func at(version: Int) -> Schema? {
        if version == self.version { return self }
        return earlier.first { $0.version == version }
    }

    /// The oldest version this schema knows (itself when it has no history).
    public var oldest: Schema { earlier.first ?? self }

    /// Whether a replica of this schema can hold `change`: its table exists here and, for a
    /// cell write, its column too. A newer replica uses it to leave out of a bundle for an
    /// older one what that version cannot hold.
    public func holds(_ change: Change) -> Bool {
        guard let table = self.table(change.table) else { return false }
        return change.kind == .delete || table.column(change.column) != nil
    }

    /// What this version adds to `older` (a version of the same family, not newer): the
    /// new tables, and the new columns of tables `older` already has, each in order.
    public func additions(since older: Schema) -> (tables: [TableSchema], columns: [(table: String, column: ColumnSchema)]) {
        precondition(older.name == name && older.version <= version, "\(older.name) \(older.version) is not an older version of \(name) \(version)")
        var newTables: [TableSchema] = []
        var newColumns: [(table: String, column: ColumnSchema)] = []
        for table in tables {
            guard let old = older.table(table.name) else {
                newTables.append(table)
                continue
            }
            for column in table.columns.dropFirst(old.columns.count) { newColumns.append((table.name, column)) }
        }
        return (newTables, newColumns)
    }

    /// One line per table and column, sorted, with types and policies: the input of the
    /// schema fingerprint. Doc text is left out so that rewording a comment does not
    /// make old bundles unreadable.
    public var canonicalDescription: String {
        var lines = ["schema \(name) \(version)"]
        for table in tables.sorted(by: { $0.name < $1.name }) {
            lines.append("table \(table.name) \(table.kind.rawValue)")
            for column in table.columns.sorted(by: { $0.name < $1.name }) {
                lines.append("column \(table.name).\(column.name) \(column.type.rawValue) \(column.policy.rawValue)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// How rows of a table merge.
public enum TableKind: String, Sendable, Equatable {
    /// Rows are edited cell by cell (last-writer-wins per column) and may be deleted.
    case mutable
    /// Rows never change once written (visits, notes, payments, audit events): replicas
    /// merge them as a union; no edit and no delete is accepted.
    case appendOnly = "append-only"
}

/// A replicated table. Every table has a text primary key `id`, chosen by the replica that
/// creates the row, so rows created offline on two stations never collide.
public struct TableSchema: Sendable, Equatable {
    public let name: String
    public let kind: TableKind
    public let columns: [ColumnSchema]
    /// Whether the table's rows count in the state digest (M6), which identifies a
    /// replica's case data. A record of acts (an audit log) does not: two replicas holding
    /// the same cases recorded different acts (other bundle ids, other times), and an act's
    /// record reaches a peer a round after the data it concerns. Not part of the
    /// fingerprint: it changes no byte a bundle carries.
    public let inDigest: Bool

    public init(name: String, kind: TableKind = .mutable, columns: [ColumnSchema], inDigest: Bool = true) {
        precondition(Identifier.isValid(name) && !name.hasPrefix("fs_"), "invalid table name \(name)")
        precondition(!columns.contains { $0.name == "id" }, "\(name): `id` is implicit")
        precondition(Set(columns.map(\.name)).count == columns.count, "\(name): duplicate columns")
        self.name = name
        self.kind = kind
        self.columns = columns
        self.inDigest = inDigest
    }

    public func column(_ name: String) -> ColumnSchema? { columns.first { $0.name == name } }
}

/// A replicated column.
public struct ColumnSchema: Sendable, Equatable {
    public let name: String
    public let type: ColumnType
    public let policy: ColumnPolicy
    /// Personal data (ID numbers, incomes, health, disability): never logged, never shown
    /// in an error message, never in a bundle header.
    public let isPersonal: Bool

    public init(_ name: String, _ type: ColumnType, policy: ColumnPolicy = .lastWriterWins, personal: Bool = false) {
        // `fs_` names the store's own columns (a row's merge state lives in its user row).
        precondition(Identifier.isValid(name) && !name.hasPrefix("fs_"), "invalid column name \(name)")
        self.name = name
        self.type = type
        self.policy = policy
        self.isPersonal = personal
    }

    /// Whether `value` may be stored in this column: null, or a value of the column's type.
    /// Text may not contain U+0000: SQLite's text functions and C-string readers stop at
    /// it, so such a value could not be read back whole (use a blob for binary data).
    public func accepts(_ value: Value) -> Bool {
        switch (type, value) {
        case let (.text, .text(s)): !s.utf8.contains(0)
        case (_, .null), (.integer, .integer), (.real, .real), (.blob, .blob): true
        default: false
        }
    }
}

/// The SQLite storage class of a column.
public enum ColumnType: String, Sendable, Equatable {
    case integer, real, text, blob
}

/// How concurrent writes to one cell merge.
public enum ColumnPolicy: String, Sendable, Equatable {
    /// The write with the greater (stamp, site) wins, silently.
    case lastWriterWins = "lww"
    /// The same deterministic winner, but concurrent different writes are recorded as a
    /// conflict, both values kept, for a person to review (income, category, decision, …).
    case reviewed
}

/// Table and column names: ASCII lowercase letters, digits and `_`, starting with a
/// letter, at most 64 characters. They become SQL identifiers, so nothing else is allowed.
public enum Identifier {
    public static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, u.count <= 64, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return u.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }
}

extension String {
    fileprivate func replacingDots() -> String { String(map { $0 == "." ? "_" : $0 }) }
}
