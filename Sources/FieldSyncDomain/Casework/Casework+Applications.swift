import FieldSyncCore
import FieldSyncStore
import Foundation

/// A case from application to assistance: apply, reply (R4), economic check (R7),
/// decision (R3, R8, R1/R2) and assistance given (R6).
extension Casework {
    /// Opens an application received at `receivedAt` (not before the household was
    /// registered). R9: the `placeOfResidence` channel is for residence-permit holders.
    /// R4/R5 clocks start at `receivedAt`.
    @discardableResult
    public func apply(household: String, category: String, channel: String, emergency: Bool = false, amount: String? = nil,
                      receivedAt: Date, applicant: String? = nil) throws(CaseworkError) -> String {
        let received = try moment(receivedAt)
        let row = try requireRow("household", household)
        try requireHouseholdExisted(row, at: received)
        let h = Household(RowValues(row))
        let category = try AssistanceCategory.parse(category, field: "category")
        let channel = try ApplicationChannel.parse(channel, field: "channel")
        guard PlaceOfResidence.mayApply(channel: channel, residencePermitHolder: h.residencePermitHolder) else {
            throw .placeOfResidenceNeedsResidencePermit
        }
        var values: [String: Value] = [
            "household_id": .text(household),
            "category": .text(category.rawValue),
            "channel": .text(channel.rawValue),
            "received_at": .text(received.description),
            "emergency": .flag(emergency),
            "status": .text(ApplicationStatus.received.rawValue),
        ]
        if let amount { values["amount"] = .real(try Self.money(amount, field: "amount").yuanReal) }
        if let applicant {
            let member = RowValues(try requireRow("member", applicant))
            guard member.text("household_id") == household else { throw .notFound(table: "member", id: applicant) }
            try Self.requireBorn(member, by: received)
            values["applicant_member_id"] = .text(applicant)
        } else if category == .tekun {
            throw .tekunApplicantMissing
        }
        return try insert("application", values)
    }

    /// Records an answer to the applicant at `at` (not before the application was
    /// received). `replied_at` is the first answer (R4 stops its clock there): an answer
    /// entered later but dated earlier moves it back.
    public func reply(application: String, at: Date) throws(CaseworkError) {
        let when = try moment(at)
        let app = RowValues(try requireRow("application", application))
        try requireNotBefore(when, app.timestamp("received_at"), table: "application", column: "received_at")
        if let first = app.timestamp("replied_at"), first <= when { return }
        var values: [String: Value] = ["replied_at": .text(when.description)]
        if app.text("status") == ApplicationStatus.received.rawValue { values["status"] = .text(ApplicationStatus.answered.rawValue) }
        try write("application", application, values)
    }

    /// Records a query of the economic status sources (逢救必核, R7) completed at `at`
    /// (not before the application was received). Sources not in `sources` were not queried.
    @discardableResult
    public func recordCheck(application: String, sources: [CheckSource: CheckResult], outcome: CheckOutcome,
                            at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        let app = RowValues(try requireRow("application", application))
        try requireNotBefore(when, app.timestamp("received_at"), table: "application", column: "received_at")
        guard !sources.isEmpty else { throw .missing(field: "sources") }
        var values: [String: Value] = [
            "application_id": .text(application),
            "household_id": .optionalText(app.text("household_id")),
            "outcome": .text(outcome.rawValue),
            "completed_at": .text(when.description),
        ]
        for (source, result) in sources { values[source.column] = .text(result.rawValue) }
        let id = try insert("economic_check", values)
        if let status = app.text("status"), [ApplicationStatus.received.rawValue, ApplicationStatus.answered.rawValue].contains(status) {
            try write("application", application, ["status": .text(ApplicationStatus.checking.rawValue)])
        }
        return id
    }

    /// Records a decision (审核确认) and returns its id.
    ///
    /// Refuses: a moment before the application was received; R7, approval of a 逢救必核
    /// category without a check completed at or before `at` within the criteria (a check
    /// completed later does not count for this decision); R8, on a station, a county-level
    /// decision or one beyond township authority (the county decides at the hub); R3, tekun
    /// for an applicant with labour capacity (under 18 on the decision date counts as
    /// without). An approval of dibao sets the household's next review (R1/R2) from its
    /// start date; an approval of another core category ends the dibao review cycle.
    @discardableResult
    public func decide(application: String, approve: Bool, amount: String? = nil, reasons: String? = nil,
                       level: DecisionLevel = .township, startDate: String? = nil, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        let app = RowValues(try requireRow("application", application))
        guard let category = app.code("category", as: AssistanceCategory.self) else { throw .missing(field: "category") }
        if let status = app.code("status", as: ApplicationStatus.self), [.approved, .rejected, .closed].contains(status) {
            throw .alreadyDecided(application: application)
        }
        try requireNotBefore(when, app.timestamp("received_at"), table: "application", column: "received_at")
        let day = when.localDate
        let params = try parameters()
        let decided: Money? = try amount.map { (s: String) throws(CaseworkError) in try Self.money(s, field: "amount") }
        let requested = app.real("amount").map(Money.init(yuanReal:))
        let start = try startDate.map { (s: String) throws(CaseworkError) -> CivilDate in
            guard let d = CivilDate(s) else { throw .invalidDate(field: "start_date") }
            return d
        } ?? day
        switch level {
        case .county:
            guard replica.role == .hub else { throw .countyDecisionOnlyAtHub }
        case .township:
            try TownshipAuthority.checkTownship(category: category, amount: decided ?? requested, approve: approve, on: day, parameters: params)
        }
        let householdID = app.text("household_id")
        var household: Household?
        if let householdID { household = Household(RowValues(try requireRow("household", householdID))) }
        if approve {
            let checks = try completedChecks(application: application)
            try EconomicCheckRequirement.check(category, completedChecks: checks, decidedAt: when)
            if category == .tekun {
                guard let applicant = app.text("applicant_member_id") else { throw .tekunApplicantMissing }
                let row = RowValues(try requireRow("member", applicant))
                try Self.requireBorn(row, by: when)
                let member = Member(row)
                guard TekunMinorAge.countsWithoutLabourCapacity(labourCapacity: member.labourCapacity, birthDate: member.birthDate,
                                                                on: day, parameters: params) else {
                    throw .tekunApplicantHasLabourCapacity
                }
            }
        }
        var decision: [String: Value] = [
            "application_id": .text(application),
            "household_id": .optionalText(householdID),
            "approve": .flag(approve),
            "level": .text(level.rawValue),
            "category": .text(category.rawValue),
            "start_date": .text(start.description),
            "decided_at": .text(when.description),
        ]
        if let money = decided ?? (approve ? requested : nil) { decision["amount_fen"] = .integer(money.fen) }
        decision["reasons"] = .optionalText(reasons)
        let id = try insert("decision", decision) { (tx: inout LocalTransaction) throws(StoreError) in
            try auditor?.recordDecision(application: application, household: householdID, approved: approve, level: level, in: &tx)
        }
        var appChanges: [String: Value] = [
            "status": .text((approve ? ApplicationStatus.approved : .rejected).rawValue),
            "decided_at": .text(when.description),
            "decided_by": .text(level.rawValue),
        ]
        if app.timestamp("replied_at").map({ when < $0 }) ?? true { appChanges["replied_at"] = .text(when.description) }
        try write("application", application, appChanges)
        if approve, household != nil, let householdID, category.layer == .core {
            // The household's category is its latest core approval: one entered late but
            // decided before another does not replace it.
            let later = try rows("decision").contains { r in
                r.text("household_id") == householdID && r.flag("approve") && r.id != id
                    && r.code("category", as: AssistanceCategory.self)?.layer == .core
                    && (r.timestamp("decided_at").map { $0 > when } ?? false)
            }
            if !later { try write("household", householdID, ["category": .text(category.rawValue), "status": .text("active")]) }
            try updateNextReview(household: householdID, changedAt: when)
        }
        return id
    }

    /// Records assistance given (资金+实物+服务) at `at`, not before the application was
    /// received. Allowed when the application was approved at or before `at`, or, before
    /// any decision, for temporary assistance up to the small-amount ceiling on `at`'s date
    /// (R6; `before_check` when no check was complete by `at`); refused after a rejection
    /// decided by then. An approval decided after `at` does not cover it. Stops the R4 and
    /// R5 clocks (`replied_at`, `helped_at`: the earliest answer and help, so a payment
    /// entered late but dated earlier moves them back).
    @discardableResult
    public func give(application: String, kind: String, amount: String? = nil, deliveredBy: String? = nil,
                     note: String? = nil, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        let app = RowValues(try requireRow("application", application))
        try requireNotBefore(when, app.timestamp("received_at"), table: "application", column: "received_at")
        let kind = try AssistanceKind.parse(kind, field: "kind")
        let money = try amount.map { (s: String) throws(CaseworkError) in try Self.money(s, field: "amount") }
        if kind == .cash, money == nil { throw .missing(field: "amount") }
        let status = app.code("status", as: ApplicationStatus.self)
        // The application as it stood at `when`: only decisions taken by then count. A
        // status written without decision rows (older data) is taken as it stands.
        let decisions = try decisions(application: application)
        let approved: Bool
        if decisions.isEmpty {
            if status == .rejected { throw .paymentWithoutApproval(application: application) }
            approved = status == .approved
        } else {
            let last = decisions.filter { ($0.decidedAt.map { $0 <= when }) ?? false }.last
            if last?.approve == false { throw .paymentWithoutApproval(application: application) }
            approved = last?.approve == true
        }
        if status == .closed { throw .paymentWithoutApproval(application: application) }
        var beforeCheck = false
        if !approved {
            let params = try parameters()
            guard let category = app.code("category", as: AssistanceCategory.self),
                  SmallAmountPayFirst.mayPayBeforeCheck(category: category, amount: money ?? .zero, on: when.localDate, parameters: params) else {
                if status == .approved { throw .paymentBeforeApproval(application: application) }
                throw .paymentBeforeCheckNotAllowed(ceiling: params.money(.smallAmountPayFirstCeilingYuan, on: when.localDate))
            }
            // Paid first, checked after (R6): no check was complete by the payment's moment.
            beforeCheck = try completedChecks(application: application).allSatisfy { $0.at > when }
        }
        var values: [String: Value] = [
            "application_id": .text(application),
            "household_id": .optionalText(app.text("household_id")),
            "kind": .text(kind.rawValue),
            "given_at": .text(when.description),
            "before_check": .flag(beforeCheck),
        ]
        if let money { values["amount_fen"] = .integer(money.fen) }
        values["delivered_by"] = .optionalText(deliveredBy)
        values["note"] = .optionalText(note)
        let id = try insert("assistance", values)
        var appChanges: [String: Value] = [:]
        if app.timestamp("helped_at").map({ when < $0 }) ?? true { appChanges["helped_at"] = .text(when.description) }
        if app.timestamp("replied_at").map({ when < $0 }) ?? true { appChanges["replied_at"] = .text(when.description) }
        if status == .received { appChanges["status"] = .text(ApplicationStatus.answered.rawValue) }
        if !appChanges.isEmpty { try write("application", application, appChanges) }
        return id
    }

    /// Refuses an act dated before the member it concerns was born (an applicant who did
    /// not exist yet cannot apply, nor be decided on).
    static func requireBorn(_ member: RowValues, by moment: Timestamp) throws(CaseworkError) {
        if let birth = member.date("birth_date"), moment.localDate < birth {
            throw .momentBeforeRecord(field: "at", table: "member", column: "birth_date")
        }
    }
}
