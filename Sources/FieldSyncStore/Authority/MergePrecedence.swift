import FieldSyncCore
import Foundation
import GRDB

/// Which writes take precedence over which, whatever their clocks: rule M7 of
/// `Protocol/sync-protocol.md`, declared by the domain next to its schema (as
/// ``WriteAuthority`` declares who may write what) and applied by the store's merge on
/// every replica the same way: local writes, imports and the rebuild of a clock repair.
///
/// A cell's winner is the write with the greatest `(rank, version)`, where the rank
/// (``MergeRank``) comes from the write alone: whether its origin is a county hub (for
/// columns the county decides) and the stage of its value in the column's declared order
/// (for statuses that only move forward). Because the rank is a function of the write and
/// not of what its writer had seen, the merge stays a max over a total order and replicas
/// converge in every arrival order. The price, intended: on a ranked column a value can
/// never move back, not even by a writer who saw it; such a local write is refused.
public protocol MergePrecedence: Sendable {
    /// How writes to `column` of `table` rank, or nil for plain last-writer-wins (M1).
    func ranking(table: TableSchema, column: ColumnSchema) -> ColumnRanking?
}

/// How the writes of one column rank (see ``MergePrecedence``).
public struct ColumnRanking: Sendable, Equatable {
    /// Whether a write whose origin is a county hub ranks above every station's write.
    public let countyFirst: Bool
    /// Each declared value's stage, from 1; a value outside the order (null included)
    /// has stage 0. Empty when the column has no order.
    public let stages: [Value: Int16]

    /// `order` lists the stages first to last; values in one stage rank equal (then the
    /// version decides, and two different concurrent values are an M4 conflict).
    public init(countyFirst: Bool, order: [[Value]] = []) {
        self.countyFirst = countyFirst
        var stages: [Value: Int16] = [:]
        for (i, stage) in order.enumerated() {
            for value in stage { stages[value] = Int16(i + 1) }
        }
        self.stages = stages
    }

    /// The rank of a write of `value` whose origin is (or is not) a county hub.
    public func rank(of value: Value, fromHub: Bool) -> MergeRank {
        MergeRank(authority: countyFirst && fromHub ? 1 : 0, stage: stages.isEmpty ? 0 : stages[value] ?? 0)
    }
}

/// A ``MergePrecedence`` laid out by table name and column position, computed once when a
/// replica is given its precedence (``Replica/ranked(by:)``), so the merge looks up an
/// array slot per change, never a name (see `fieldsync-bench`).
struct CompiledPrecedence: Sendable {
    /// Per table with at least one ranked column: the ranking of each column, in schema order.
    let tables: [String: [ColumnRanking?]]

    init(_ precedence: any MergePrecedence, schema: Schema) {
        var tables: [String: [ColumnRanking?]] = [:]
        for table in schema.tables {
            let rankings = table.columns.map { precedence.ranking(table: table, column: $0) }
            if rankings.contains(where: { $0 != nil }) { tables[table.name] = rankings }
        }
        self.tables = tables
    }
}

/// What the merge of one transaction needs to rank writes: the compiled precedence and
/// the county hub sites this replica knows.
///
/// Every replica of a county knows the same hub sites: a hub knows itself, a station the
/// hub it joined (the one peer of role hub; it receives nothing before joining). So a
/// write's rank is the same on every replica, which is what convergence needs.
struct MergeRanking {
    let compiled: CompiledPrecedence
    let hubSites: Set<SiteID>

    /// Reads the hub sites inside the transaction: this replica when its role is hub, and
    /// its peers of role hub.
    init(_ compiled: CompiledPrecedence, _ db: Database) throws {
        self.compiled = compiled
        var hubs = Set<SiteID>()
        if let row = try Row.fetchOne(db, sql: "SELECT site_id, role FROM fs_replica WHERE id = 1"),
           (row[1] as String) == ReplicaRole.hub.rawValue, let site = SiteID(bytes: [UInt8](row[0] as Data)) {
            hubs.insert(site)
        }
        for data in try Data.fetchAll(db, sql: "SELECT site_id FROM fs_peers WHERE role = ?", arguments: [ReplicaRole.hub.rawValue]) {
            if let site = SiteID(bytes: [UInt8](data)) { hubs.insert(site) }
        }
        hubSites = hubs
    }

    /// The rankings of `table`'s columns, nil when none is ranked.
    func columns(of table: String) -> [ColumnRanking?]? { compiled.tables[table] }
}
