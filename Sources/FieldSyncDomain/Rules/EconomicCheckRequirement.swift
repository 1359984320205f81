/// R7, 逢救必核: categories that need a completed economic status check before approval.
///
/// 「低保、特困供养、住房救助、教育救助、困难职工救助应通过家庭经济状况核对…全面实现“逢救必核”」.
/// A check is complete when its outcome is `withinCriteria` or `exceedsCriteria`
/// (`inconclusive` is not); approval needs the latest complete check to be `withinCriteria`.
/// "Before" is literal: only checks completed at or before the decision's moment count, so
/// a check recorded at 11:00 does not support an approval dated 10:30 the same day.
public enum EconomicCheckRequirement {
    public static let categories: Set<AssistanceCategory> = [.dibao, .tekun, .housing, .education, .needyWorker]

    public static func requiresCheck(_ category: AssistanceCategory) -> Bool { categories.contains(category) }

    /// Whether an approval of `category` may proceed given the latest completed check's outcome.
    public static func check(_ category: AssistanceCategory, latestCompletedOutcome: CheckOutcome?) throws(CaseworkError) {
        guard requiresCheck(category) else { return }
        switch latestCompletedOutcome {
        case .withinCriteria?: return
        case .exceedsCriteria?: throw .economicCheckExceedsCriteria(category: category.rawValue)
        case .inconclusive?, nil: throw .economicCheckRequired(category: category.rawValue)
        }
    }

    /// Whether an approval of `category` decided at `decidedAt` may proceed, given the
    /// application's complete checks: the latest one completed at or before `decidedAt`
    /// decides; when none was, but one was completed later, the error says so.
    public static func check(_ category: AssistanceCategory, completedChecks: [(at: Timestamp, outcome: CheckOutcome)],
                             decidedAt: Timestamp) throws(CaseworkError) {
        guard requiresCheck(category) else { return }
        let counted = completedChecks.filter { $0.at <= decidedAt && $0.outcome != .inconclusive }
        if counted.isEmpty, completedChecks.contains(where: { $0.at > decidedAt && $0.outcome != .inconclusive }) {
            throw .economicCheckAfterDecision(category: category.rawValue)
        }
        try check(category, latestCompletedOutcome: counted.max { $0.at < $1.at }?.outcome)
    }
}
