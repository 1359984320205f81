import FieldSyncCore

/// Who may write what: the rules a replica enforces on every change it merges from a
/// peer, and on every generic local write, declared by the domain next to its schema.
///
/// The store knows tables, columns and types; it does not know that a station may not set
/// a county parameter or that an income cannot be negative. The domain does, and says so
/// through this protocol, so the hub refuses such a change however the station's program
/// was modified: what a laptop's key can sign is not what it may write.
///
/// Implementations are pure (no I/O) and cheap: the hub calls them once per merged change.
public protocol WriteAuthority: Sendable {
    /// Checks one cell write by a replica of role `writer`, made by `origin` (the change's
    /// origin: a column that names its writer, such as an audit event's actor, must name
    /// that site); `nil` when it is allowed.
    func checkWrite(table: TableSchema, column: ColumnSchema, value: Value, writer: ReplicaRole, origin: SiteID) -> AuthorityViolation?
    /// Checks the deletion of a row of `table` by a replica of role `writer`.
    func checkDelete(table: TableSchema, writer: ReplicaRole) -> AuthorityViolation?
    /// The rules of one table in a form checked by column position, without looking up
    /// names: what the hub's merge uses for every change (``ImportTransaction``), so that
    /// the checks cost little next to the write itself. `nil` for a table without rules.
    func compiled(for table: TableSchema) -> (any CompiledTableAuthority)?
    /// Checks a change to a row that already exists (`current`: its values in the table's
    /// column order): an append-only record written by someone else, a county decision a
    /// station would overturn. Called for every new change to an existing, visible row.
    func checkExisting(table: TableSchema, current: [Value], kind: Change.Kind, column: String,
                       writer: ReplicaRole) -> AuthorityViolation?
    /// Checks a row that a group of changes has just created: `values` in the table's
    /// column order, as the row holds them after the group (required columns, say).
    func checkNewRow(table: TableSchema, values: [Value], writer: ReplicaRole) -> AuthorityViolation?
}

/// One table's write rules, by column position (see ``WriteAuthority/compiled(for:)``).
public protocol CompiledTableAuthority: Sendable {
    /// Checks a cell write of column `index` (in the table's column order) made by `origin`.
    func checkWrite(column index: Int, value: Value, writer: ReplicaRole, origin: SiteID) -> AuthorityViolation?
    /// Checks a row deletion.
    func checkDelete(writer: ReplicaRole) -> AuthorityViolation?
    /// Checks a cell write against the change's stamp (a recorded time that must be near
    /// it, such as an audit event's `at`); `nil` by default.
    func checkStamp(column index: Int, value: Value, stamp: HybridTimestamp) -> AuthorityViolation?
}

extension CompiledTableAuthority {
    public func checkStamp(column index: Int, value: Value, stamp: HybridTimestamp) -> AuthorityViolation? { nil }
}

/// A change that the authority rules refuse: which rule, on which table and column, and
/// why, in English and Chinese. Never the value: values are personal data.
public struct AuthorityViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rule's short name, e.g. `A2 hub-only table`, as `Protocol/sync-protocol.md` numbers it.
    public let rule: String
    public let table: String
    public let column: String?
    /// The row, when known (row ids carry no personal data).
    public var rowID: String?
    /// What is wrong, in English, without the value.
    public let reason: String
    /// The same in Chinese, for a caseworker.
    public let reasonZh: String

    public init(rule: String, table: String, column: String? = nil, rowID: String? = nil, reason: String, reasonZh: String) {
        self.rule = rule
        self.table = table
        self.column = column
        self.rowID = rowID
        self.reason = reason
        self.reasonZh = reasonZh
    }

    /// `table.column` or `table`.
    public var field: String { column.map { "\(table).\($0)" } ?? table }

    /// The row id is shown escaped: one an earlier release took may hold a control character.
    public var description: String {
        "\(reasonZh) / rule \(rule): \(field)\(rowID.map { " (row \($0.escapingControlCharacters))" } ?? ""): \(reason)"
    }
}

extension WriteAuthority {
    /// Checks one change as written by `writer`.
    public func check(_ change: Change, table: TableSchema, writer: ReplicaRole) -> AuthorityViolation? {
        var violation: AuthorityViolation?
        switch change.kind {
        case .delete:
            violation = checkDelete(table: table, writer: writer)
        case .set:
            guard let column = table.column(change.column) else { return nil }
            violation = checkWrite(table: table, column: column, value: change.value, writer: writer, origin: change.origin)
        }
        violation?.rowID = change.rowID
        return violation
    }
}

/// What an import enforces beyond the structure of each change: where its changes may
/// come from and what their writer may write (rules A1–A4 of `Protocol/sync-protocol.md`).
public struct MergeGuard: Sendable {
    /// The only origin the changes may have (a station's bundle carries only its own
    /// changes), or `nil` for any origin (a hub's bundle speaks for every replica).
    public let onlyOrigin: SiteID?
    /// The rules checked on every change, with the role of its writer; `nil` to skip.
    public let authority: (any WriteAuthority)?
    public let writer: ReplicaRole
    /// Changes of this origin are held back, not applied (``ApplyReport/withheld``): a
    /// station whose own history disagrees with the hub's does not take the hub's
    /// version of its own changes until the disagreement is repaired (rule S13).
    public var withheldOrigin: SiteID?
    /// Whether received stamps are held to the clock bound (M5). The hub checks every
    /// station's changes against its own clock; a station takes what the hub merged
    /// without checking again, or one fast laptop (accepted, within the hub's bound) would
    /// cut off every station whose clock is a little slow.
    public var boundsClock = true
    /// The highest sequence of ``onlyOrigin`` the bundle may carry: a station's own
    /// changes in a bundle run without a gap from at most one past what the receiver
    /// holds, so none can lie further than the bundle's size past it (A2). A change
    /// numbered far beyond could never be acknowledged and would stop its numbering.
    public var highestSequence: UInt64?
    /// The scope of the station that sent the changes: each row it touches must be one of
    /// its township's cases or addressed to it (P4–P5). `nil` for a hub's bundle.
    public var scope: ScopeCheck?
    /// When set, only changes of this origin are applied; the others are counted as
    /// duplicates. A station takes only its own changes from a return bundle that brings
    /// nothing new of its feed (P7): everything else in it was received before, or left
    /// with a case transferred away.
    public var appliesOnlyOrigin: SiteID?
    /// The prefix of every row id the sending station's generator issues (`<site short>-`):
    /// a change to a row the receiver holds no trace of must carry it (A5). `nil` to skip.
    public var newRowIDPrefix: String?

    public init(onlyOrigin: SiteID?, authority: (any WriteAuthority)?, writer: ReplicaRole, withheldOrigin: SiteID? = nil) {
        self.onlyOrigin = onlyOrigin
        self.authority = authority
        self.writer = writer
        self.withheldOrigin = withheldOrigin
    }

    /// No check beyond the structural ones.
    public static let none = MergeGuard(onlyOrigin: nil, authority: nil, writer: .hub)
}
