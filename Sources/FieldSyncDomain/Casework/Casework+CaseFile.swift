import FieldSyncCore
import FieldSyncStore

/// One household's whole file as the caseworker reads it: the case page of the workbench and
/// its printed summary. Read, never written; values are the stored ones (personal fields
/// included, because the caseworker needs them: whoever shows them decides on masking).
public struct CaseFile: Sendable {
    /// One application with everything that happened to it.
    public struct ApplicationFile: Sendable {
        public let application: ApplicationRecord
        public let checks: [CheckRecord]
        public let decisions: [DecisionRecord]
        public let assistance: [AssistanceRecord]
        public let referrals: [ReferralRecord]
    }

    public let household: Household
    public let members: [Member]
    public let applications: [ApplicationFile]
    public let visits: [VisitRecord]
    public let reviews: [ReviewRecord]
    public let notes: [NoteRecord]
}

/// 家庭经济状况核对: which sources were queried with what result, and the conclusion.
public struct CheckRecord: Sendable, Equatable {
    public let id: String
    public let results: [(source: CheckSource, result: CheckResult)]
    public let outcome: CheckOutcome?
    public let completedAt: Timestamp?

    public static func == (a: CheckRecord, b: CheckRecord) -> Bool {
        a.id == b.id && a.outcome == b.outcome && a.completedAt == b.completedAt
            && a.results.map(\.source) == b.results.map(\.source) && a.results.map(\.result) == b.results.map(\.result)
    }

    init(_ r: RowValues) {
        id = r.id
        results = CheckSource.allCases.compactMap { s in r.code(s.column, as: CheckResult.self).map { (s, $0) } }
        outcome = r.code("outcome", as: CheckOutcome.self)
        completedAt = r.timestamp("completed_at")
    }
}

/// 资金+实物+服务: one delivery of assistance.
public struct AssistanceRecord: Sendable, Equatable {
    public let id: String
    public let kind: AssistanceKind?
    public let amount: Money?
    public let givenAt: Timestamp?
    public let deliveredBy: String?
    public let beforeCheck: Bool
    public let note: String?

    init(_ r: RowValues) {
        id = r.id
        kind = r.code("kind", as: AssistanceKind.self)
        amount = r.integer("amount_fen").map(Money.init(fen:))
        givenAt = r.timestamp("given_at")
        deliveredBy = r.text("delivered_by")
        beforeCheck = r.flag("before_check")
        note = r.text("note")
    }
}

/// 分办/转办: a referral with the department's answers.
public struct ReferralRecord: Sendable, Equatable {
    public struct Feedback: Sendable, Equatable {
        public let id: String
        public let outcome: FeedbackOutcome?
        public let detail: String?
        public let receivedAt: Timestamp?
    }
    public let id: String
    public let department: Department?
    public let referredAt: Timestamp?
    public let dueAt: Timestamp?
    public let status: String?
    public let feedback: [Feedback]
}

/// 访视: a visit.
public struct VisitRecord: Sendable, Equatable {
    public let id: String
    public let visitedAt: Timestamp?
    public let visitor: String?
    public let note: String?
}

/// 核查: a periodic review, scheduled or done.
public struct ReviewRecord: Sendable, Equatable {
    public let id: String
    public let scheduledFor: CivilDate?
    public let doneOn: CivilDate?
    public let outcome: ReviewOutcome?
    public let note: String?
}

/// A case note.
public struct NoteRecord: Sendable, Equatable {
    public let id: String
    public let applicationID: String?
    public let writtenAt: Timestamp?
    public let author: String?
    public let text: String?
}

extension Casework {
    /// The file of `household`, every record oldest first; nil when the replica holds no
    /// such household (never registered here, transferred away, or deleted).
    public func caseFile(household id: String) throws(CaseworkError) -> CaseFile? {
        guard let household = try household(id) else { return nil }
        func byTime(_ rows: [RowValues], _ column: String) -> [RowValues] {
            rows.sorted { ($0.text(column) ?? "", $0.id) < ($1.text(column) ?? "", $1.id) }
        }
        let applications = try applications(household: id)
        let ids = applications.map(\.id)
        let checks = Dictionary(grouping: byTime(try rows("economic_check", where: "application_id", in: ids), "completed_at")) {
            $0.text("application_id") ?? ""
        }
        let decisions = Dictionary(grouping: byTime(try rows("decision", where: "application_id", in: ids), "decided_at")) {
            $0.text("application_id") ?? ""
        }
        let given = Dictionary(grouping: byTime(try rows("assistance", where: "application_id", in: ids), "given_at")) {
            $0.text("application_id") ?? ""
        }
        let referralRows = byTime(try rows("referral", where: "application_id", in: ids), "referred_at")
        let feedback = Dictionary(grouping: byTime(try rows("referral_feedback", where: "referral_id", in: referralRows.map(\.id)), "received_at")) {
            $0.text("referral_id") ?? ""
        }
        let referrals = Dictionary(grouping: referralRows.map { r in
            ReferralRecord(id: r.id, department: r.code("department", as: Department.self), referredAt: r.timestamp("referred_at"),
                           dueAt: r.timestamp("due_at"), status: r.text("status"),
                           feedback: (feedback[r.id] ?? []).map {
                               .init(id: $0.id, outcome: $0.code("outcome", as: FeedbackOutcome.self), detail: $0.text("detail"),
                                     receivedAt: $0.timestamp("received_at"))
                           })
        }) { r in referralRows.first { $0.id == r.id }?.text("application_id") ?? "" }
        let files = applications.map { a in
            CaseFile.ApplicationFile(application: a, checks: (checks[a.id] ?? []).map(CheckRecord.init),
                                     decisions: (decisions[a.id] ?? []).map(DecisionRecord.init),
                                     assistance: (given[a.id] ?? []).map(AssistanceRecord.init), referrals: referrals[a.id] ?? [])
        }
        let one = [id]
        return CaseFile(
            household: household, members: try members(household: id), applications: files,
            visits: byTime(try rows("visit", where: "household_id", in: one), "visited_at").map {
                VisitRecord(id: $0.id, visitedAt: $0.timestamp("visited_at"), visitor: $0.text("visitor"), note: $0.text("note"))
            },
            reviews: byTime(try rows("review", where: "household_id", in: one), "scheduled_for").map {
                ReviewRecord(id: $0.id, scheduledFor: $0.date("scheduled_for"), doneOn: $0.date("done_on"),
                             outcome: $0.code("outcome", as: ReviewOutcome.self), note: $0.text("note"))
            },
            notes: byTime(try rows("case_note", where: "household_id", in: one), "written_at").map {
                NoteRecord(id: $0.id, applicationID: $0.text("application_id"), writtenAt: $0.timestamp("written_at"),
                           author: $0.text("author"), text: $0.text("note"))
            })
    }
}
