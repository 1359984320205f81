import FieldSyncCore
import FieldSyncStore
import Foundation

/// Dated rule parameters (R14, set at the hub) and the list of what is due.
extension Casework {
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

    /// What is due or overdue at `at`, most urgent first (``DueList``), from the records as
    /// they stood at `at`: an application received later is not yet due, and an answer,
    /// help, feedback or rejection dated after `at` has not yet stopped a clock. `at` may
    /// lie in the future (what will be due tomorrow); nothing is written.
    public func due(at: Date) throws(CaseworkError) -> [DueItem] {
        let now = stamp(at)
        func byNow(_ t: Timestamp?) -> Bool { t.map { $0 <= now } ?? false }
        let closing: Set<String> = [ApplicationStatus.rejected.rawValue, ApplicationStatus.closed.rawValue]
        let applications = try rows("application", columns: ["household_id", "category", "emergency", "received_at", "status",
                                                             "decided_at", "replied_at", "helped_at"]).compactMap { r -> DueList.Application? in
            guard let received = r.timestamp("received_at"), received <= now else { return nil }
            // Closed by a rejection or closure decided by now (a status without its moment counts as it stands).
            if closing.contains(r.text("status") ?? ""), r.timestamp("decided_at").map({ $0 <= now }) ?? true { return nil }
            return DueList.Application(id: r.id, householdID: r.text("household_id"), category: r.code("category", as: AssistanceCategory.self),
                                       emergency: r.flag("emergency"), receivedAt: received,
                                       replied: byNow(r.timestamp("replied_at")), helped: byNow(r.timestamp("helped_at")))
        }
        let feedback = try rows("referral_feedback", columns: ["referral_id", "received_at"])
        let answered = Set(feedback.compactMap { r -> String? in byNow(r.timestamp("received_at")) ? r.text("referral_id") : nil })
        let withFeedback = Set(feedback.compactMap { $0.text("referral_id") })
        let parameters = try parameters()
        let referrals = try rows("referral").compactMap { r -> DueList.Referral? in
            // The due moment follows its inputs: recomputed from referred_at with the
            // parameters in force now (a limit the hub corrected applies), else as stored.
            let referred = r.timestamp("referred_at")
            guard let due = referred.map({ ReferralTimeLimit.dueAt(referredAt: $0, parameters: parameters) }) ?? r.timestamp("due_at"),
                  r.text("status") != "withdrawn", referred.map({ $0 <= now }) ?? true else { return nil }
            return DueList.Referral(id: r.id, householdID: r.text("household_id"), dueAt: due, answered: answered.contains(r.id) || (r.text("status") == "answered" && !withFeedback.contains(r.id)))
        }
        let reviews = try rows("household", columns: ["status", "next_review", "created_at"]).map(Household.init).compactMap { h -> DueList.Review? in
            guard h.status != "closed", let date = h.nextReview, h.createdAt.map({ $0 <= now }) ?? true else { return nil }
            return DueList.Review(householdID: h.id, date: date)
        }
        return DueList.build(at: now, applications: applications, referrals: referrals, reviews: reviews, parameters: parameters)
    }
}
