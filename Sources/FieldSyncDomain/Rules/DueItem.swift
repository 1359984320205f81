/// Something a caseworker must do by a moment: answer, help, review, chase feedback.
public struct DueItem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// R4: answer a temporary-assistance application within 12 hours.
        case temporaryReply
        /// R5: help an emergency within 24 hours.
        case emergencyHelp
        /// R1/R2: the household's periodic review.
        case review
        /// R13: a department's feedback on a referral.
        case referralFeedback
    }

    public let kind: Kind
    /// The table and row the item is about (application, household or referral).
    public let table: String
    public let rowID: String
    public let householdID: String?
    public let dueAt: Timestamp
    /// Seconds past `dueAt` at the moment the list was built; 0 when not yet due.
    public let secondsOverdue: Int64

    public var isOverdue: Bool { secondsOverdue > 0 }

    public init(kind: Kind, table: String, rowID: String, householdID: String?, dueAt: Timestamp, secondsOverdue: Int64) {
        self.kind = kind
        self.table = table
        self.rowID = rowID
        self.householdID = householdID
        self.dueAt = dueAt
        self.secondsOverdue = secondsOverdue
    }
}
