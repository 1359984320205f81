import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore

/// The case rows the hub's county-wide views read (duplicate applicants, decisions waiting
/// for the county, households per station), each table in one scan rather than one read
/// per row. Personal values held here (ID numbers) stay in memory: nothing here is printed.
struct CountyRows {
    struct Household {
        let id: String
        let township: String?
    }

    struct Member {
        let id: String
        let household: String
        let idNumber: String
    }

    struct Application {
        let id: String
        let household: String?
        let category: String?
        let status: String?
        let applicant: String?
        let receivedAt: Timestamp?
        /// The amount requested, in yuan.
        let amount: Double?
    }

    /// Registered (not deleted) households, by id.
    let households: [String: Household]
    /// Members of registered households that have an ID number.
    let members: [Member]
    let applications: [Application]
    /// Applications referred to a department (分办/转办, R13) by a referral not withdrawn:
    /// the department decides those, not the county.
    let referredToDepartment: Set<String>

    init(_ replica: Replica) throws(SyncError) {
        let (householdRows, memberRows, applicationRows, referralRows) = try SyncError.catching {
            (try replica.scan(table: "household", columns: ["township"]),
             try replica.scan(table: "member", columns: ["household_id", "id_number"]),
             try replica.scan(table: "application", columns: ["household_id", "category", "status", "applicant_member_id",
                                                              "received_at", "amount"]),
             try replica.scan(table: "referral", columns: ["application_id", "status"]))
        }
        referredToDepartment = Set(referralRows.compactMap { row in
            row.values[1].nonEmptyText == "withdrawn" ? nil : row.values[0].nonEmptyText
        })
        var households: [String: Household] = [:]
        for row in householdRows { households[row.id] = Household(id: row.id, township: row.values[0].nonEmptyText) }
        self.households = households
        members = memberRows.compactMap { row in
            guard let household = row.values[0].nonEmptyText, households[household] != nil, let number = row.values[1].nonEmptyText else { return nil }
            return Member(id: row.id, household: household, idNumber: number)
        }
        applications = applicationRows.map { row in
            let v = row.values
            let amount: Double? = switch v[5] {
            case let .real(d): d
            case let .integer(i): Double(i)
            default: nil
            }
            return Application(id: row.id, household: v[0].nonEmptyText, category: v[1].nonEmptyText, status: v[2].nonEmptyText, applicant: v[3].nonEmptyText,
                               receivedAt: v[4].nonEmptyText.flatMap(Timestamp.init), amount: amount)
        }
    }

    /// The township holding `household`, if it is registered.
    func township(of household: String?) -> String? { household.flatMap { households[$0]?.township } }
}

extension CountyRows.Application {
    /// Still waiting for a decision: not approved, rejected or closed.
    var isOpen: Bool {
        guard let status else { return true }
        return ![ApplicationStatus.approved, .rejected, .closed].map(\.rawValue).contains(status)
    }
}

extension Value {
    /// The text, when this is non-empty text.
    var nonEmptyText: String? {
        if case let .text(s) = self, !s.isEmpty { return s }
        return nil
    }
}
