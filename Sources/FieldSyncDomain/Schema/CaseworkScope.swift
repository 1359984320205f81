import FieldSyncCore
import FieldSyncStore

/// Which case each row belongs to: the scope half of the schema, declared next to
/// ``CaseworkSchema`` and ``CaseworkAuthority``.
///
/// A **case** is a household with everything that hangs from it. Each station holds the
/// cases whose household's `township` is its own (R9: where the hukou is, or where a
/// residence-permit holder lives); a transfer changes that column. Rule parameters reach
/// every station; a notice reaches the station it is addressed to. The hub holds all.
///
/// Rows find their household through the first link that resolves, in the order declared:
/// their own `household_id`, else their application's, else their referral's (feedback).
public struct CaseworkScope: ScopeDeclaration {
    public init() {}

    /// How one table's rows are placed.
    public enum Placement: Sendable {
        /// The row is the case (household).
        case isCase
        /// Through these links in order: a column naming the household directly (`nil`
        /// table), or a column naming a row of `table` whose `household_id` names it.
        case linked([(column: String, via: String?)])
        /// Addressed to the township in this column.
        case addressed(String)
        /// Addressed like ``addressed(_:)``, or to every replica when the column holds
        /// ``countyWide`` (an audit event of the whole county, such as a hub's key rotation).
        case addressedOrCounty(String)
        /// Every replica holds it.
        case county
    }

    /// The address of a row meant for every replica (`*`, as the feeds name the county scope).
    public static let countyWide = "*"

    static let direct: Placement = .linked([("household_id", nil), ("application_id", "application")])

    /// Every table of ``CaseworkSchema/schema``, by name.
    public static let placements: [String: Placement] = [
        "household": .isCase,
        "member": direct, "application": direct, "economic_check": direct, "decision": direct,
        "assistance": direct, "referral": direct, "visit": direct, "review": direct,
        "monitoring_flag": direct, "spot_check": direct, "case_note": direct, "case_transfer": direct,
        // A release is the releasing station's record, kept with it after the case has gone.
        "case_release": .addressed("township"),
        "referral_feedback": .linked([("referral_id", "referral")]),
        "notice": .addressed("township"),
        "audit_event": .addressedOrCounty("township"),
        "rule_parameter": .county,
        // Every station must learn of the hub's new keys (hub key rotation).
        "hub_key": .county,
    ]

    public var caseTable: String { "household" }
    public var caseTownshipColumn: String { "township" }

    public func scope(of table: String, rowID: String, value: (String) -> Value?,
                      lookUp: (String, String, String) throws -> Value?) rethrows -> RowScope {
        switch Self.placements[table] ?? .unknownTable {
        case .isCase: return .household(rowID)
        case .county: return .county
        case let .addressed(column):
            guard case let .text(code)? = value(column) else { return .unknown }
            return .township(code)
        case let .addressedOrCounty(column):
            guard case let .text(code)? = value(column) else { return .unknown }
            return code == Self.countyWide ? .county : .township(code)
        case let .linked(links):
            for (column, via) in links {
                guard case let .text(id)? = value(column), !id.isEmpty else { continue }
                guard let via else { return .household(id) }
                if case let .text(household)? = try lookUp(via, id, "household_id"), !household.isEmpty { return .household(household) }
            }
            return .unknown
        }
    }
}

extension CaseworkScope {
    public func linkedHouseholds(of table: String, rowID: String, value: (String) -> Value?,
                                 lookUp: (String, String, String) throws -> Value?) rethrows -> [String] {
        guard case let .linked(links)? = Self.placements[table] else { return [] }
        var households: [String] = []
        for (column, via) in links {
            guard case let .text(id)? = value(column), !id.isEmpty else { continue }
            if let via {
                if case let .text(household)? = try lookUp(via, id, "household_id"), !household.isEmpty { households.append(household) }
            } else {
                households.append(id)
            }
        }
        return households
    }
}

extension CaseworkScope.Placement {
    /// A table without a placement is held by the hub only (nothing files it anywhere).
    static let unknownTable: CaseworkScope.Placement = .linked([])
}
