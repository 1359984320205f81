/// Builds the list of what is due or overdue at a moment, most urgent first.
///
/// Pure: the casework service reads the replica into the input records and calls
/// ``build(at:applications:referrals:reviews:parameters:)``. Included: unanswered
/// temporary applications (R4), emergencies not yet helped (R5), reviews whose date is
/// within `reviewNoticeDays` or past (R1/R2), referrals without feedback (R13). Order:
/// overdue items first, the latest most late first; then the rest, soonest due first;
/// ties by kind and row id so the list is stable.
public enum DueList {
    /// An open application, as the clocks need it.
    public struct Application: Sendable {
        public let id: String
        public let householdID: String?
        public let category: AssistanceCategory?
        public let emergency: Bool
        public let receivedAt: Timestamp
        public let replied: Bool
        public let helped: Bool

        public init(id: String, householdID: String?, category: AssistanceCategory?, emergency: Bool,
                    receivedAt: Timestamp, replied: Bool, helped: Bool) {
            self.id = id
            self.householdID = householdID
            self.category = category
            self.emergency = emergency
            self.receivedAt = receivedAt
            self.replied = replied
            self.helped = helped
        }
    }

    /// A referral and whether any feedback has arrived.
    public struct Referral: Sendable {
        public let id: String
        public let householdID: String?
        public let dueAt: Timestamp
        public let answered: Bool

        public init(id: String, householdID: String?, dueAt: Timestamp, answered: Bool) {
            self.id = id
            self.householdID = householdID
            self.dueAt = dueAt
            self.answered = answered
        }
    }

    /// A household's next review date.
    public struct Review: Sendable {
        public let householdID: String
        public let date: CivilDate

        public init(householdID: String, date: CivilDate) {
            self.householdID = householdID
            self.date = date
        }
    }

    public static func build(at now: Timestamp, applications: [Application], referrals: [Referral], reviews: [Review],
                             parameters: ParameterSet) -> [DueItem] {
        var items: [DueItem] = []
        func add(_ kind: DueItem.Kind, _ table: String, _ id: String, _ household: String?, _ due: Timestamp) {
            items.append(DueItem(kind: kind, table: table, rowID: id, householdID: household, dueAt: due,
                                 secondsOverdue: max(0, now.epochSeconds - due.epochSeconds)))
        }
        for a in applications {
            if !a.replied, let category = a.category,
               let due = TemporaryAssistanceClock.replyDue(category: category, receivedAt: a.receivedAt, parameters: parameters) {
                add(.temporaryReply, "application", a.id, a.householdID, due)
            }
            if !a.helped, let due = TemporaryAssistanceClock.helpDue(emergency: a.emergency, receivedAt: a.receivedAt, parameters: parameters) {
                add(.emergencyHelp, "application", a.id, a.householdID, due)
            }
        }
        for r in referrals where !r.answered {
            add(.referralFeedback, "referral", r.id, r.householdID, r.dueAt)
        }
        let today = now.localDate
        for r in reviews where r.date.adding(days: -parameters.count(.reviewNoticeDays, on: today)) <= today {
            // Due by the end of the review day, in the offset the list is built in.
            add(.review, "household", r.householdID, r.householdID,
                Timestamp.startOf(r.date.adding(days: 1), offsetMinutes: now.offsetMinutes))
        }
        return items.sorted(by: moreUrgent)
    }

    static func moreUrgent(_ a: DueItem, _ b: DueItem) -> Bool {
        if a.isOverdue != b.isOverdue { return a.isOverdue }
        if a.dueAt.epochSeconds != b.dueAt.epochSeconds { return a.dueAt.epochSeconds < b.dueAt.epochSeconds }
        if a.kind != b.kind { return DueItem.Kind.allCases.firstIndex(of: a.kind)! < DueItem.Kind.allCases.firstIndex(of: b.kind)! }
        return a.rowID < b.rowID
    }
}
