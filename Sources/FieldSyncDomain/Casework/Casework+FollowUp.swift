import FieldSyncCore
import FieldSyncStore
import Foundation

/// Follow-up of a case: visits, referrals and their feedback (R13), reviews (R1/R2), notes.
extension Casework {
    /// Records a home visit at `at` (not before the household was registered).
    @discardableResult
    public func visit(household: String, visitor: String? = nil, note: String? = nil, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        try requireHouseholdExisted(try requireRow("household", household), at: when)
        return try insert("visit", ["household_id": .text(household), "visited_at": .text(when.description),
                                    "visitor": .optionalText(visitor), "note": .optionalText(note)])
    }

    /// Refers an application to a department at `at` (not before the application was
    /// received); feedback is due after `referralFeedbackDays` (R13).
    @discardableResult
    public func refer(application: String, to department: String, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        let app = RowValues(try requireRow("application", application))
        try requireNotBefore(when, app.timestamp("received_at"), table: "application", column: "received_at")
        let department = try Department.parse(department, field: "department")
        let due = ReferralTimeLimit.dueAt(referredAt: when, parameters: try parameters())
        return try insert("referral", ["application_id": .text(application), "household_id": .optionalText(app.text("household_id")),
                                       "department": .text(department.rawValue), "referred_at": .text(when.description),
                                       "due_at": .text(due.description), "status": .text("referred")])
    }

    /// Records a department's feedback on a referral, received at `at` (not before the
    /// referral was sent); its R13 clock stops.
    @discardableResult
    public func feedback(referral: String, outcome: String, detail: String? = nil, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        let row = RowValues(try requireRow("referral", referral))
        try requireNotBefore(when, row.timestamp("referred_at"), table: "referral", column: "referred_at")
        let outcome = try FeedbackOutcome.parse(outcome, field: "outcome")
        let id = try insert("referral_feedback", ["referral_id": .text(referral), "received_at": .text(when.description),
                                                  "outcome": .text(outcome.rawValue), "detail": .optionalText(detail)])
        try write("referral", referral, ["status": .text("answered")])
        return id
    }

    /// Records a review done on `at`'s date (核查), not before the household was
    /// registered. For a household that continues on dibao the next review follows
    /// (R1/R2, counted from its last check: this review unless a later approval exists);
    /// `terminate` closes the household.
    @discardableResult
    public func recordReview(household: String, outcome: String, note: String? = nil, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        let row = try requireRow("household", household)
        try requireHouseholdExisted(row, at: when)
        let h = Household(RowValues(row))
        let outcome = try ReviewOutcome.parse(outcome, field: "outcome")
        let day = when.localDate
        let id = try insert("review", ["household_id": .text(household), "scheduled_for": .optionalText(h.nextReview?.description),
                                       "done_on": .text(day.description), "outcome": .text(outcome.rawValue),
                                       "note": .optionalText(note)])
        if outcome == .terminate {
            try write("household", household, ["status": .text("closed"), "next_review": .null])
        } else {
            try updateNextReview(household: household, changedAt: when)
        }
        return id
    }

    /// Recomputes a household's next review (R1/R2) from its inputs because one changed
    /// at `moment`, and writes it when it changed: only a dibao household that is not
    /// closed has one; it is counted from its last check on record (the start date of a
    /// dibao approval, or a review done; a backdated review entered after a later approval
    /// does not move the cycle back) with the cycle its flags and members call for now,
    /// and not before `moment`'s date (``ReviewCycle``). A household without such a check
    /// keeps what it has (a date set by hand elsewhere is not invented away).
    func updateNextReview(household id: String, changedAt moment: Timestamp) throws(CaseworkError) {
        guard let h = try household(id) else { return }
        let next = try nextReview(of: h, changedAt: moment)
        guard next != h.nextReview else { return }
        try write("household", id, ["next_review": next.map { .text($0.description) } ?? .null])
    }

    func nextReview(of h: Household, changedAt moment: Timestamp) throws(CaseworkError) -> CivilDate? {
        guard h.status != "closed", h.category == .dibao else { return nil }
        let day = moment.localDate
        let approvals = try rows("decision").compactMap { r -> CivilDate? in
            guard r.text("household_id") == h.id, r.flag("approve"), r.code("category", as: AssistanceCategory.self) == .dibao
            else { return nil }
            return r.date("start_date")
        }
        let reviews = try rows("review").compactMap { r -> CivilDate? in
            guard r.text("household_id") == h.id, r.code("outcome", as: ReviewOutcome.self) != .terminate,
                  let done = r.date("done_on") else { return nil }
            return done
        }
        guard let anchor = (approvals + reviews).max() else { return h.nextReview }
        let able = ReviewCycle.memberAbleToWork(flag: h.memberAbleToWork,
                                                labourCapacities: try members(household: h.id).map(\.labourCapacity))
        return ReviewCycle.nextReview(after: anchor, irregularIncome: h.irregularIncome, memberAbleToWork: able,
                                      parameters: try parameters(), changedOn: day, current: h.nextReview)
    }

    /// Adds a case note (append-only), written at `at`: not before the household was
    /// registered, nor before the application it concerns was received.
    @discardableResult
    public func note(household: String, application: String? = nil, author: String? = nil, text: String,
                     at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        try requireHouseholdExisted(try requireRow("household", household), at: when)
        guard !text.isEmpty else { throw .missing(field: "note") }
        if let application {
            let app = RowValues(try requireRow("application", application))
            try requireNotBefore(when, app.timestamp("received_at"), table: "application", column: "received_at")
        }
        return try insert("case_note", ["household_id": .text(household), "application_id": .optionalText(application),
                                        "written_at": .text(when.description), "author": .optionalText(author),
                                        "note": .text(text)])
    }
}
