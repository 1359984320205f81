import FieldSyncStore

/// An application (申请) as the service reads it back, for a caseworker's screen.
/// ``description`` never prints the amount (it is personal).
public struct ApplicationRecord: Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public let householdID: String?
    public let category: AssistanceCategory?
    public let channel: ApplicationChannel?
    public let receivedAt: Timestamp?
    public let emergency: Bool
    public let status: ApplicationStatus?
    /// The amount requested.
    public let amount: Money?
    public let applicantMemberID: String?
    public let repliedAt: Timestamp?
    public let helpedAt: Timestamp?
    public let decidedAt: Timestamp?
    /// Who decided: the township station or the county at the hub (R8).
    public let decidedBy: DecisionLevel?

    public var description: String { "application \(id)" }

    init(_ r: RowValues) {
        id = r.id
        householdID = r.text("household_id")
        category = r.code("category", as: AssistanceCategory.self)
        channel = r.code("channel", as: ApplicationChannel.self)
        receivedAt = r.timestamp("received_at")
        emergency = r.flag("emergency")
        status = r.code("status", as: ApplicationStatus.self)
        amount = r.real("amount").map(Money.init(yuanReal:))
        applicantMemberID = r.text("applicant_member_id")
        repliedAt = r.timestamp("replied_at")
        helpedAt = r.timestamp("helped_at")
        decidedAt = r.timestamp("decided_at")
        decidedBy = r.code("decided_by", as: DecisionLevel.self)
    }
}

/// A decision (审核确认) as the service reads it back; township and county decisions are
/// separate append-only rows, so both are listed when both exist.
public struct DecisionRecord: Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public let applicationID: String?
    public let approve: Bool
    public let level: DecisionLevel?
    public let category: AssistanceCategory?
    public let amount: Money?
    public let startDate: CivilDate?
    public let reasons: String?
    public let decidedAt: Timestamp?

    public var description: String { "decision \(id)" }

    init(_ r: RowValues) {
        id = r.id
        applicationID = r.text("application_id")
        approve = r.flag("approve")
        level = r.code("level", as: DecisionLevel.self)
        category = r.code("category", as: AssistanceCategory.self)
        amount = r.integer("amount_fen").map(Money.init(fen:))
        startDate = r.date("start_date")
        reasons = r.text("reasons")
        decidedAt = r.timestamp("decided_at")
    }
}

/// A stored `rule_parameter` row as the hub set it (the value in its unit, as written).
public struct ParameterRecord: Sendable, Equatable {
    public let id: String
    /// Nil when a newer hub wrote a name this build does not know.
    public let name: RuleParameter?
    public let rawName: String?
    public let effectiveFrom: CivilDate?
    public let value: String?
    public let note: String?

    init(_ r: RowValues) {
        id = r.id
        rawName = r.text("name")
        name = r.code("name", as: RuleParameter.self)
        effectiveFrom = r.date("effective_from")
        value = r.text("value")
        note = r.text("note")
    }
}

extension Casework {
    /// One application, or nil.
    public func application(_ id: String) throws(CaseworkError) -> ApplicationRecord? {
        try wrap { () throws(StoreError) in try replica.row(table: "application", rowID: id) }.map { ApplicationRecord(RowValues($0)) }
    }

    /// A household's applications, oldest received first.
    public func applications(household: String) throws(CaseworkError) -> [ApplicationRecord] {
        try rows("application", where: "household_id", in: [household]).map(ApplicationRecord.init)
            .sorted { ($0.receivedAt?.epochSeconds ?? 0, $0.id) < ($1.receivedAt?.epochSeconds ?? 0, $1.id) }
    }

    /// An application's decisions, oldest first.
    public func decisions(application: String) throws(CaseworkError) -> [DecisionRecord] {
        try rows("decision", where: "application_id", in: [application]).map(DecisionRecord.init)
            .sorted { ($0.decidedAt?.epochSeconds ?? 0, $0.id) < ($1.decidedAt?.epochSeconds ?? 0, $1.id) }
    }

    /// The `rule_parameter` rows the hub has set, by name then date.
    public func storedParameters() throws(CaseworkError) -> [ParameterRecord] {
        try rows("rule_parameter").map(ParameterRecord.init)
            .sorted { ($0.rawName ?? "", $0.effectiveFrom?.description ?? "") < ($1.rawName ?? "", $1.effectiveFrom?.description ?? "") }
    }
}
