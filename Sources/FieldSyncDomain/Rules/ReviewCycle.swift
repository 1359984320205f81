/// R1/R2, the review cycle of a dibao household (核查周期).
///
/// 「对短期内经济状况变化不大的低保家庭,每年核查一次;对收入来源不固定、家庭成员有劳动能力的
/// 低保家庭,每半年核查一次。」 The two conditions of the half-yearly cycle are read as AND
/// (irregular income *and* a member able to work, DETAIL R01); a household matching neither
/// description is reviewed yearly. The next review is counted from the household's last
/// check (the start date of its dibao approval or the date its last review was done), with
/// the parameters in force on that date.
///
/// The next review is derived, so it follows its inputs: when the flags or the members
/// change, it is recomputed from the same last check with the cycle the household now
/// needs. A cycle shortened by a change on a date after it would already have run out
/// falls due on the change's date, not in the past (the household was not late before
/// anyone knew).
public enum ReviewCycle {
    /// Months until the next review: `dibaoUnstableReviewMonths` (6) for irregular income
    /// with a member able to work, else `dibaoStableReviewMonths` (12).
    public static func months(irregularIncome: Bool, memberAbleToWork: Bool, on date: CivilDate,
                              parameters: ParameterSet) -> Int {
        irregularIncome && memberAbleToWork
            ? parameters.count(.dibaoUnstableReviewMonths, on: date)
            : parameters.count(.dibaoStableReviewMonths, on: date)
    }

    /// The next review date after a decision or review on `anchor`.
    public static func nextReview(after anchor: CivilDate, irregularIncome: Bool, memberAbleToWork: Bool,
                                  parameters: ParameterSet) -> CivilDate {
        anchor.adding(months: months(irregularIncome: irregularIncome, memberAbleToWork: memberAbleToWork,
                                     on: anchor, parameters: parameters))
    }

    /// The next review after the last check on `anchor`, recomputed because an input
    /// changed on `changedOn`: ``nextReview(after:irregularIncome:memberAbleToWork:parameters:)``,
    /// or, when that date is before `changedOn`, `changedOn` (or `current` if it was
    /// already due earlier, so that recomputing never postpones a review already due).
    public static func nextReview(after anchor: CivilDate, irregularIncome: Bool, memberAbleToWork: Bool,
                                  parameters: ParameterSet, changedOn: CivilDate, current: CivilDate?) -> CivilDate {
        let next = nextReview(after: anchor, irregularIncome: irregularIncome, memberAbleToWork: memberAbleToWork,
                              parameters: parameters)
        guard next < changedOn else { return next }
        return min(current ?? changedOn, changedOn)
    }

    /// R2's "家庭成员有劳动能力": the household is flagged so, or a member is recorded with
    /// full or partial labour capacity.
    public static func memberAbleToWork(flag: Bool, labourCapacities: [LabourCapacity?]) -> Bool {
        flag || labourCapacities.contains { $0 == .full || $0 == .partial }
    }
}
