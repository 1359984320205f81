import FieldSyncCore
import FieldSyncStore

/// The order in which case statuses move, declared as data beside ``CaseworkSchema``: a
/// status only moves forward, so a stale edit from a station that had not seen a later
/// status cannot take it back (rule M7 of `Protocol/sync-protocol.md`, issue 7 "status
/// never slides back"). The merge ranks each write by its value's stage; values in one
/// stage rank equal, and then the later write wins and two different concurrent values
/// reach the review queue (M4).
///
/// The orders follow the workflows of the plan (`shared/domain` BRIEF §5 and DETAIL W1,
/// W2): an application is received, answered (R4's reply, W2), checked (R7), possibly
/// referred to the county (R8), decided, and closed; a referral is answered or withdrawn.
/// The casework verbs only move forward along them: `reply` and `give` move `received`
/// to `answered`, `recordCheck` moves `received`/`answered` to `checking`, `decide` sets
/// `approved`/`rejected` and refuses a decided or closed application, `refer` creates
/// `referred`, `feedback` sets `answered`.
///
/// Because the rank is a property of the value, a status never moves back, not even by a
/// writer who saw the later status: a station's program refuses such a local write, and a
/// correction is the county's to make by a new application. That is intended.
///
/// Left last-writer-wins on purpose (still `reviewed`, so concurrent changes reach the
/// queue):
/// - `household.status` (`active`/`closed`): a closed household is re-activated by a new
///   approval (``Casework/decide(application:approve:amount:reasons:level:startDate:at:)``),
///   a legitimate move back.
/// - `monitoring_flag.status` (`open`/`cleared`): return-to-poverty monitoring (W7) is a
///   cycle; a risk that returns reopens a cleared flag.
public enum CaseworkStatusOrder {
    /// `application.status`, first stage to last; a decision (approved or rejected) is one stage.
    public static let application: [[ApplicationStatus]] = [
        [.received], [.answered], [.checking], [.referredToCounty], [.approved, .rejected], [.closed],
    ]

    /// `referral.status`: sent, then answered by the department or withdrawn with the
    /// application (W1); the two ends are one stage, so a withdrawal racing feedback is
    /// a conflict for the county to look at.
    public static let referral: [[String]] = [["referred"], ["answered", "withdrawn"]]

    /// Every ordered column: table → column → stages of raw values, first to last.
    public static let columns: [String: [String: [[String]]]] = [
        "application": ["status": application.map { $0.map(\.rawValue) }],
        "referral": ["status": referral],
    ]

    /// The stage of `value` in the order of `table.column` (from 0), nil when the value
    /// or the column is not ordered.
    public static func stage(of value: String, table: String, column: String) -> Int? {
        columns[table]?[column]?.firstIndex { $0.contains(value) }
    }
}

/// The casework schema's precedence (rule M7): which writes take precedence over which on
/// every replica, whatever their clocks.
///
/// - **County first.** On the columns a county decision covers (an application's status,
///   decision time, deciding level, category and amount: ``CaseworkAuthority``'s
///   `lockedByHubValue` and `hubOnlyValues` of mutable tables), a write whose origin is a
///   county hub takes precedence over every station's write: authority, not time. A
///   township's concurrent decision never beats the county's, and the station learns it
///   from the hub's notice.
/// - **Forward only.** On the columns of ``CaseworkStatusOrder``, a later stage takes
///   precedence over an earlier one.
///
/// The key is `(county, stage, version)`. Every replica of a county knows the same hub
/// sites (the hub itself; a station the hub it joined), so every replica ranks the same.
public struct CaseworkPrecedence: MergePrecedence {
    public init() {}

    /// The columns where the county's write comes first, by table.
    public static let countyFirst: [String: Set<String>] = {
        var result: [String: Set<String>] = [:]
        for table in CaseworkSchema.schema.tables where table.kind == .mutable {
            guard let rules = CaseworkAuthority.tables[table.name], !rules.hubOnlyValues.isEmpty else { continue }
            result[table.name] = rules.lockedByHubValue.union(rules.hubOnlyValues.keys)
        }
        return result
    }()

    public func ranking(table: TableSchema, column: ColumnSchema) -> ColumnRanking? {
        guard table.kind == .mutable else { return nil }
        let order = CaseworkStatusOrder.columns[table.name]?[column.name]
        let countyFirst = Self.countyFirst[table.name]?.contains(column.name) ?? false
        guard order != nil || countyFirst else { return nil }
        return ColumnRanking(countyFirst: countyFirst, order: (order ?? []).map { $0.map { Value.text($0) } })
    }
}
