/// R13, each referral has a time limit for feedback (转办时限).
///
/// 「优化受理、分办、转办、反馈等工作流程,明确办理时限和要求」. The text requires a limit but
/// gives no number: feedback is due `referralFeedbackDays` (an assumption, 15) after the
/// referral, counted in whole days from the moment it was sent, with the parameter in force
/// on that day. A referral without feedback after its due moment is overdue.
public enum ReferralTimeLimit {
    public static func dueAt(referredAt: Timestamp, parameters: ParameterSet) -> Timestamp {
        referredAt.adding(hours: 24 * parameters.count(.referralFeedbackDays, on: referredAt.localDate))
    }

    public static func isOverdue(dueAt: Timestamp, answered: Bool, at now: Timestamp) -> Bool {
        !answered && now > dueAt
    }
}
