/// R7, 逢救必核: categories that need a completed economic status check before approval.
///
/// 「低保、特困供养、住房救助、教育救助、困难职工救助应通过家庭经济状况核对…全面实现“逢救必核”」.
/// A check is complete when its outcome is `withinCriteria` or `exceedsCriteria`
/// (`inconclusive` is not); approval needs the latest complete check to be `withinCriteria`.
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
}
