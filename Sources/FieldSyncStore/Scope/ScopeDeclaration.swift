import FieldSyncCore

/// Where a row belongs when each station holds only its own cases (partial replication,
/// rules P1–P8 of `Protocol/sync-protocol.md`).
public enum RowScope: Sendable, Hashable, CustomStringConvertible {
    /// County-wide data (rule parameters): every replica holds it.
    case county
    /// Addressed to one township's station (a notice).
    case township(String)
    /// Part of a case: the household with this row id, held by the station of the
    /// household's township.
    case household(String)
    /// Not placed: the row refers to a record this replica does not hold.
    case unknown

    public var description: String {
        switch self {
        case .county: "county"
        case let .township(code): "township \(code)"
        case let .household(id): "household \(id)"
        case .unknown: "unknown"
        }
    }
}

/// How the rows of each table find their place: declared by the domain next to its schema
/// (``FieldSyncDomain/CaseworkScope``), evaluated by the store when it files changes into
/// each township's feed and when a hub checks that a station writes only its own cases.
public protocol ScopeDeclaration: Sendable {
    /// The table whose rows are the cases (households), and the column that says which
    /// township holds each.
    var caseTable: String { get }
    var caseTownshipColumn: String { get }

    /// The place of one row of `table`: `value(column)` reads the row's own current value
    /// (nil when the column is unset); `lookUp(table, rowID, column)` reads another row's.
    func scope(of table: String, rowID: String, value: (String) -> Value?,
               lookUp: (String, String, String) throws -> Value?) rethrows -> RowScope

    /// Every household a row of `table` names through any of its links (its own
    /// `household_id`, its application's, …): a writer must hold all of them (P4), or a row
    /// could join one case while pointing into another.
    func linkedHouseholds(of table: String, rowID: String, value: (String) -> Value?,
                          lookUp: (String, String, String) throws -> Value?) rethrows -> [String]
}

/// A replica's scope configuration: the declaration, and the township of a station.
public struct ReplicaScope: Sendable {
    public let declaration: any ScopeDeclaration
    /// The station's township; nil for a hub, which holds every case.
    public let township: String?
}
