import FieldSyncCore
import FieldSyncStore
import Foundation

/// The casework service: a caseworker's day (or the county's, at the hub) over one replica,
/// with every numbered rule of the plan enforced.
///
/// Each writing call validates all its input and checks its rules first, then writes
/// through ``Replica/write(table:rowID:values:)`` (one transaction per row), the record
/// of what happened first and derived state (status, next review) after it, so a refusal
/// leaves nothing written and a failure between rows leaves the event recorded. Each
/// returns the new row's id (`<site short>-<counter>`, ``RowIDGenerator``).
///
/// Time is injected: every call takes the moment it concerns (`at:`), which is also how
/// a paper form is entered after the fact; rules use the parameters in force on that
/// moment's local date. Moments are written with ``offsetMinutes`` (China Standard Time).
///
/// ## Topics
/// - Households and members: ``addHousehold(_:at:)``, ``editHousehold(_:_:)``, ``household(_:)``,
///   ``households()``, ``addMember(household:_:)``, ``members(household:)``
/// - A case: ``apply(household:category:channel:emergency:amount:receivedAt:applicant:)``,
///   ``reply(application:at:)``, ``recordCheck(application:sources:outcome:at:)``,
///   ``decide(application:approve:amount:reasons:level:startDate:at:)``,
///   ``give(application:kind:amount:deliveredBy:note:at:)``
/// - Follow-up: ``visit(household:visitor:note:at:)``, ``refer(application:to:at:)``,
///   ``feedback(referral:outcome:detail:at:)``, ``recordReview(household:outcome:note:at:)``,
///   ``note(household:application:author:text:at:)``, ``due(at:)``
/// - Parameters (hub): ``setParameter(_:effectiveFrom:value:note:)``, ``parameters()``
public struct Casework: Sendable {
    public let replica: Replica
    /// The UTC offset written into timestamps, in minutes (480 = UTC+8).
    public let offsetMinutes: Int

    public init(replica: Replica, offsetMinutes: Int = Timestamp.chinaOffsetMinutes) {
        self.replica = replica
        self.offsetMinutes = offsetMinutes
    }

    // MARK: Households and members

    /// Records a new household; returns its id.
    @discardableResult
    public func addHousehold(_ input: HouseholdInput, at: Date) throws(CaseworkError) -> String {
        var values: [String: Value] = [
            "township": .text(try TownshipCode.validated(input.township, field: "township")),
            "hukou": .text(try UrbanRural.parse(input.hukou, field: "hukou").rawValue),
            "residence_permit_holder": .flag(input.residencePermitHolder),
            "long_term_urban_resident": .flag(input.longTermUrbanResident),
            "irregular_income": .flag(input.irregularIncome),
            "member_able_to_work": .flag(input.memberAbleToWork),
            "status": .text("active"),
            "created_at": .text(stamp(at).description),
        ]
        values["village"] = .optionalText(input.village)
        values["address"] = .optionalText(input.address)
        values["head_name"] = .optionalText(input.headName)
        if let income = input.monthlyIncomeYuan { values["monthly_income"] = .integer(try Self.wholeYuan(income, field: "monthly_income")) }
        if let expenses = input.essentialExpensesYuan { values["essential_expenses_fen"] = .integer(try Self.money(expenses, field: "essential_expenses").fen) }
        return try insert("household", values)
    }

    /// Changes the given fields of a household (nil leaves a field as it is).
    public func editHousehold(_ id: String, _ changes: HouseholdChanges) throws(CaseworkError) {
        _ = try requireRow("household", id)
        var values: [String: Value] = [:]
        if let v = changes.township { values["township"] = .text(try TownshipCode.validated(v, field: "township")) }
        if let v = changes.hukou { values["hukou"] = .text(try UrbanRural.parse(v, field: "hukou").rawValue) }
        if let v = changes.village { values["village"] = .optionalText(v) }
        if let v = changes.address { values["address"] = .optionalText(v) }
        if let v = changes.headName { values["head_name"] = .optionalText(v) }
        if let v = changes.residencePermitHolder { values["residence_permit_holder"] = .flag(v) }
        if let v = changes.longTermUrbanResident { values["long_term_urban_resident"] = .flag(v) }
        if let v = changes.irregularIncome { values["irregular_income"] = .flag(v) }
        if let v = changes.memberAbleToWork { values["member_able_to_work"] = .flag(v) }
        if let v = changes.monthlyIncomeYuan { values["monthly_income"] = .integer(try Self.wholeYuan(v, field: "monthly_income")) }
        if let v = changes.essentialExpensesYuan { values["essential_expenses_fen"] = .integer(try Self.money(v, field: "essential_expenses").fen) }
        guard !values.isEmpty else { return }
        try write("household", id, values)
    }

    public func household(_ id: String) throws(CaseworkError) -> Household? {
        try wrap { () throws(StoreError) in try replica.row(table: "household", rowID: id) }.map { Household(RowValues($0)) }
    }

    public func households() throws(CaseworkError) -> [Household] {
        try rows("household").map(Household.init)
    }

    /// Adds a member; the ID number is checked (GB 11643) and must agree with the birth
    /// date, from which the birth date and sex are taken when not given.
    @discardableResult
    public func addMember(household: String, _ input: MemberInput) throws(CaseworkError) -> String {
        _ = try requireRow("household", household)
        guard !input.name.isEmpty else { throw .missing(field: "name") }
        let id = try IDNumber(input.idNumber, field: "id_number")
        var birth = id.birthDate
        if let given = input.birthDate {
            guard let date = CivilDate(given) else { throw .invalidDate(field: "birth_date") }
            guard date == id.birthDate else { throw .idNumberBirthDateMismatch(field: "id_number") }
            birth = date
        }
        guard (0...4).contains(input.disabilityGrade) else { throw .outOfRange(field: "disability_grade", range: 0...4) }
        var values: [String: Value] = [
            "household_id": .text(household),
            "name": .text(input.name),
            "id_number": .text(id.text),
            "birth_date": .text(birth.description),
            "sex": .text(id.sex.rawValue),
            "relation": .text(try Relation.parse(input.relation, field: "relation").rawValue),
            "labour_capacity": .text(try LabourCapacity.parse(input.labourCapacity, field: "labour_capacity").rawValue),
            "disability_grade": .integer(Int64(input.disabilityGrade)),
            "student": .flag(input.student),
        ]
        if let v = input.disabilityType { values["disability_type"] = .text(try DisabilityType.parse(v, field: "disability_type").rawValue) }
        if let v = input.careGrade { values["care_grade"] = .text(try CareGrade.parse(v, field: "care_grade").rawValue) }
        values["health"] = .optionalText(input.health)
        return try insert("member", values)
    }

    public func members(household: String) throws(CaseworkError) -> [Member] {
        try rows("member").filter { $0.text("household_id") == household }.map(Member.init)
    }

    // MARK: Applications

    /// Opens an application. R9: the `placeOfResidence` channel is for residence-permit
    /// holders. R4/R5 clocks start at `receivedAt`.
    @discardableResult
    public func apply(household: String, category: String, channel: String, emergency: Bool = false, amount: String? = nil,
                      receivedAt: Date, applicant: String? = nil) throws(CaseworkError) -> String {
        let h = Household(RowValues(try requireRow("household", household)))
        let category = try AssistanceCategory.parse(category, field: "category")
        let channel = try ApplicationChannel.parse(channel, field: "channel")
        guard PlaceOfResidence.mayApply(channel: channel, residencePermitHolder: h.residencePermitHolder) else {
            throw .placeOfResidenceNeedsResidencePermit
        }
        var values: [String: Value] = [
            "household_id": .text(household),
            "category": .text(category.rawValue),
            "channel": .text(channel.rawValue),
            "received_at": .text(stamp(receivedAt).description),
            "emergency": .flag(emergency),
            "status": .text(ApplicationStatus.received.rawValue),
        ]
        if let amount { values["amount"] = .real(try Self.money(amount, field: "amount").yuanReal) }
        if let applicant {
            let member = RowValues(try requireRow("member", applicant))
            guard member.text("household_id") == household else { throw .notFound(table: "member", id: applicant) }
            values["applicant_member_id"] = .text(applicant)
        } else if category == .tekun {
            throw .tekunApplicantMissing
        }
        return try insert("application", values)
    }

    /// Records the first answer to the applicant (R4 stops its clock).
    public func reply(application: String, at: Date) throws(CaseworkError) {
        let app = RowValues(try requireRow("application", application))
        guard app.text("replied_at") == nil else { return }
        var values: [String: Value] = ["replied_at": .text(stamp(at).description)]
        if app.text("status") == ApplicationStatus.received.rawValue { values["status"] = .text(ApplicationStatus.answered.rawValue) }
        try write("application", application, values)
    }

    /// Records a completed query of the economic status sources (逢救必核, R7). Sources not
    /// in `sources` were not queried.
    @discardableResult
    public func recordCheck(application: String, sources: [CheckSource: CheckResult], outcome: CheckOutcome,
                            at: Date) throws(CaseworkError) -> String {
        let app = RowValues(try requireRow("application", application))
        guard !sources.isEmpty else { throw .missing(field: "sources") }
        var values: [String: Value] = [
            "application_id": .text(application),
            "household_id": .optionalText(app.text("household_id")),
            "outcome": .text(outcome.rawValue),
            "completed_at": .text(stamp(at).description),
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
    /// Refuses: R7, approval of a 逢救必核 category without a completed check within the
    /// criteria; R8, on a station, a county-level decision or one beyond township authority
    /// (the county decides at the hub); R3, tekun for an applicant with labour capacity
    /// (under 18 on the decision date counts as without). An approval of dibao sets the
    /// household's next review (R1/R2) from the decision date.
    @discardableResult
    public func decide(application: String, approve: Bool, amount: String? = nil, reasons: String? = nil,
                       level: DecisionLevel = .township, startDate: String? = nil, at: Date) throws(CaseworkError) -> String {
        let app = RowValues(try requireRow("application", application))
        guard let category = app.code("category", as: AssistanceCategory.self) else { throw .missing(field: "category") }
        if let status = app.code("status", as: ApplicationStatus.self), [.approved, .rejected, .closed].contains(status) {
            throw .alreadyDecided(application: application)
        }
        let when = stamp(at)
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
            try EconomicCheckRequirement.check(category, latestCompletedOutcome: try latestCompletedCheck(application: application))
            if category == .tekun {
                guard let applicant = app.text("applicant_member_id") else { throw .tekunApplicantMissing }
                let member = Member(RowValues(try requireRow("member", applicant)))
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
        let id = try insert("decision", decision)
        var appChanges: [String: Value] = [
            "status": .text((approve ? ApplicationStatus.approved : .rejected).rawValue),
            "decided_at": .text(when.description),
            "decided_by": .text(level.rawValue),
        ]
        if app.text("replied_at") == nil { appChanges["replied_at"] = .text(when.description) }
        try write("application", application, appChanges)
        if approve, let household, let householdID, category.layer == .core {
            var changes: [String: Value] = ["category": .text(category.rawValue), "status": .text("active")]
            if category == .dibao {
                let next = ReviewCycle.nextReview(after: start, irregularIncome: household.irregularIncome,
                                                  memberAbleToWork: household.memberAbleToWork, parameters: params)
                changes["next_review"] = .text(next.description)
            }
            try write("household", householdID, changes)
        }
        return id
    }

    /// Records assistance given (资金+实物+服务). Allowed after an approval, or before the
    /// check for temporary assistance up to the small-amount ceiling (R6). Stops the R4 and
    /// R5 clocks.
    @discardableResult
    public func give(application: String, kind: String, amount: String? = nil, deliveredBy: String? = nil,
                     note: String? = nil, at: Date) throws(CaseworkError) -> String {
        let app = RowValues(try requireRow("application", application))
        let kind = try AssistanceKind.parse(kind, field: "kind")
        let money = try amount.map { (s: String) throws(CaseworkError) in try Self.money(s, field: "amount") }
        if kind == .cash, money == nil { throw .missing(field: "amount") }
        let when = stamp(at)
        let status = app.code("status", as: ApplicationStatus.self)
        var beforeCheck = false
        switch status {
        case .approved?: break
        case .rejected?, .closed?: throw .paymentWithoutApproval(application: application)
        default:
            let params = try parameters()
            guard let category = app.code("category", as: AssistanceCategory.self),
                  SmallAmountPayFirst.mayPayBeforeCheck(category: category, amount: money ?? .zero, on: when.localDate, parameters: params) else {
                throw .paymentBeforeCheckNotAllowed(ceiling: params.money(.smallAmountPayFirstCeilingYuan, on: when.localDate))
            }
            beforeCheck = true
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
        if app.text("helped_at") == nil { appChanges["helped_at"] = .text(when.description) }
        if app.text("replied_at") == nil { appChanges["replied_at"] = .text(when.description) }
        if status == .received { appChanges["status"] = .text(ApplicationStatus.answered.rawValue) }
        if !appChanges.isEmpty { try write("application", application, appChanges) }
        return id
    }

    // MARK: Follow-up

    @discardableResult
    public func visit(household: String, visitor: String? = nil, note: String? = nil, at: Date) throws(CaseworkError) -> String {
        _ = try requireRow("household", household)
        return try insert("visit", ["household_id": .text(household), "visited_at": .text(stamp(at).description),
                                    "visitor": .optionalText(visitor), "note": .optionalText(note)])
    }

    /// Refers an application to a department; feedback is due after `referralFeedbackDays` (R13).
    @discardableResult
    public func refer(application: String, to department: String, at: Date) throws(CaseworkError) -> String {
        let app = RowValues(try requireRow("application", application))
        let department = try Department.parse(department, field: "department")
        let when = stamp(at)
        let due = ReferralTimeLimit.dueAt(referredAt: when, parameters: try parameters())
        return try insert("referral", ["application_id": .text(application), "household_id": .optionalText(app.text("household_id")),
                                       "department": .text(department.rawValue), "referred_at": .text(when.description),
                                       "due_at": .text(due.description), "status": .text("referred")])
    }

    /// Records a department's feedback on a referral (its R13 clock stops).
    @discardableResult
    public func feedback(referral: String, outcome: String, detail: String? = nil, at: Date) throws(CaseworkError) -> String {
        _ = try requireRow("referral", referral)
        let outcome = try FeedbackOutcome.parse(outcome, field: "outcome")
        let id = try insert("referral_feedback", ["referral_id": .text(referral), "received_at": .text(stamp(at).description),
                                                  "outcome": .text(outcome.rawValue), "detail": .optionalText(detail)])
        try write("referral", referral, ["status": .text("answered")])
        return id
    }

    /// Records a review done on `at`'s date (核查). For a household that continues on dibao
    /// the next review is computed from that date (R1/R2); `terminate` closes the household.
    @discardableResult
    public func recordReview(household: String, outcome: String, note: String? = nil, at: Date) throws(CaseworkError) -> String {
        let h = Household(RowValues(try requireRow("household", household)))
        let outcome = try ReviewOutcome.parse(outcome, field: "outcome")
        let day = stamp(at).localDate
        let params = try parameters()
        let id = try insert("review", ["household_id": .text(household), "scheduled_for": .optionalText(h.nextReview?.description),
                                       "done_on": .text(day.description), "outcome": .text(outcome.rawValue),
                                       "note": .optionalText(note)])
        if outcome == .terminate {
            try write("household", household, ["status": .text("closed"), "next_review": .null])
        } else if h.category == .dibao {
            let next = ReviewCycle.nextReview(after: day, irregularIncome: h.irregularIncome,
                                              memberAbleToWork: h.memberAbleToWork, parameters: params)
            try write("household", household, ["next_review": .text(next.description)])
        }
        return id
    }

    /// Adds a case note (append-only).
    @discardableResult
    public func note(household: String, application: String? = nil, author: String? = nil, text: String,
                     at: Date) throws(CaseworkError) -> String {
        _ = try requireRow("household", household)
        guard !text.isEmpty else { throw .missing(field: "note") }
        return try insert("case_note", ["household_id": .text(household), "application_id": .optionalText(application),
                                        "written_at": .text(stamp(at).description), "author": .optionalText(author),
                                        "note": .text(text)])
    }

    // MARK: Parameters

    /// The parameters in force: defaults plus the replicated `rule_parameter` rows.
    /// Rows with a name or value this build does not know are skipped (a newer hub may
    /// publish parameters an older station does not use).
    public func parameters() throws(CaseworkError) -> ParameterSet {
        let stored = try rows("rule_parameter").compactMap { r -> ParameterSet.Row? in
            guard let name = r.code("name", as: RuleParameter.self), let date = r.date("effective_from"),
                  let text = r.text("value"), let value = try? name.parseValue(text) else { return nil }
            return ParameterSet.Row(name: name, effectiveFrom: date, value: value)
        }
        return ParameterSet(stored: stored)
    }

    /// Sets a parameter from a date (hub only; stations receive it in return bundles).
    /// Setting the same name and date again corrects that row. Returns the row id
    /// `param:<name>:<date>`.
    @discardableResult
    public func setParameter(_ name: String, effectiveFrom: String, value: String, note: String? = nil) throws(CaseworkError) -> String {
        guard replica.role == .hub else { throw .parametersOnlyAtHub }
        let name = try RuleParameter.parse(name, field: "name")
        guard let date = CivilDate(effectiveFrom) else { throw .invalidDate(field: "effective_from") }
        let parsed = try name.parseValue(value, field: "value")
        let id = "param:\(name.rawValue):\(date)"
        try write("rule_parameter", id, ["name": .text(name.rawValue), "effective_from": .text(date.description),
                                         "value": .text(name.format(parsed)), "note": .optionalText(note)])
        return id
    }

    // MARK: Due

    /// What is due or overdue at `at`, most urgent first (``DueList``).
    public func due(at: Date) throws(CaseworkError) -> [DueItem] {
        let now = stamp(at)
        let closed: Set<String> = [ApplicationStatus.rejected.rawValue, ApplicationStatus.closed.rawValue]
        let applications = try rows("application").compactMap { r -> DueList.Application? in
            guard let received = r.timestamp("received_at"), !closed.contains(r.text("status") ?? "") else { return nil }
            return DueList.Application(id: r.id, householdID: r.text("household_id"), category: r.code("category", as: AssistanceCategory.self),
                                       emergency: r.flag("emergency"), receivedAt: received,
                                       replied: r.text("replied_at") != nil, helped: r.text("helped_at") != nil)
        }
        let answered = Set(try rows("referral_feedback").compactMap { $0.text("referral_id") })
        let referrals = try rows("referral").compactMap { r -> DueList.Referral? in
            guard let due = r.timestamp("due_at"), r.text("status") != "withdrawn" else { return nil }
            return DueList.Referral(id: r.id, householdID: r.text("household_id"), dueAt: due,
                                    answered: answered.contains(r.id) || r.text("status") == "answered")
        }
        let reviews = try households().compactMap { h -> DueList.Review? in
            guard h.status != "closed", let date = h.nextReview else { return nil }
            return DueList.Review(householdID: h.id, date: date)
        }
        return DueList.build(at: now, applications: applications, referrals: referrals, reviews: reviews, parameters: try parameters())
    }

    // MARK: Plumbing

    func stamp(_ date: Date) -> Timestamp { Timestamp(date, offsetMinutes: offsetMinutes) }

    /// The outcome of the latest check of `application` that is complete (not inconclusive).
    func latestCompletedCheck(application: String) throws(CaseworkError) -> CheckOutcome? {
        try rows("economic_check")
            .filter { $0.text("application_id") == application }
            .compactMap { r -> (Timestamp, CheckOutcome)? in
                guard let at = r.timestamp("completed_at"), let o = r.code("outcome", as: CheckOutcome.self), o != .inconclusive else { return nil }
                return (at, o)
            }
            .max { $0.0 < $1.0 }?.1
    }

    func rows(_ table: String) throws(CaseworkError) -> [RowValues] {
        try wrap { () throws(StoreError) -> [RowValues] in
            var result: [RowValues] = []
            for id in try replica.rowIDs(table: table, limit: nil) {
                if let row = try replica.row(table: table, rowID: id) { result.append(RowValues(row)) }
            }
            return result
        }
    }

    func requireRow(_ table: String, _ id: String) throws(CaseworkError) -> [String: Value] {
        guard !id.isEmpty else { throw .missing(field: "\(table)_id") }
        guard let row = try wrap({ () throws(StoreError) in try replica.row(table: table, rowID: id) }) else {
            throw .notFound(table: table, id: id)
        }
        return row
    }

    func insert(_ table: String, _ values: [String: Value]) throws(CaseworkError) -> String {
        let id = try wrap { () throws(StoreError) in try RowIDGenerator.next(for: replica, site: replica.siteID) }
        try write(table, id, values)
        return id
    }

    func write(_ table: String, _ id: String, _ values: [String: Value]) throws(CaseworkError) {
        _ = try wrap { () throws(StoreError) in try replica.write(table: table, rowID: id, values: values) }
    }

    func wrap<T>(_ body: () throws(StoreError) -> T) throws(CaseworkError) -> T {
        do { return try body() } catch { throw .store(error) }
    }

    static func money(_ text: String, field: String) throws(CaseworkError) -> Money {
        guard !text.isEmpty else { throw .missing(field: field) }
        guard let m = Money(yuanText: text) else { throw .invalidAmount(field: field) }
        return m
    }

    /// The v1 `monthly_income` column holds whole yuan.
    static func wholeYuan(_ text: String, field: String) throws(CaseworkError) -> Int64 {
        let m = try money(text, field: field)
        guard m.fen % 100 == 0 else { throw .invalidAmount(field: field) }
        return m.fen / 100
    }
}

extension Value {
    static func flag(_ b: Bool) -> Value { .integer(b ? 1 : 0) }
    static func optionalText(_ s: String?) -> Value { s.map { .text($0) } ?? .null }
}
