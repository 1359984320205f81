import FieldSyncCore
import FieldSyncStore
import Foundation

/// Follow-up of a case: visits, referrals and their feedback (R13), reviews (R1/R2), notes.
extension Casework {
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
}
