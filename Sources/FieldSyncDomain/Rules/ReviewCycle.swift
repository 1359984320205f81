/// R1/R2, the review cycle of a dibao household (核查周期).
///
/// 「对短期内经济状况变化不大的低保家庭,每年核查一次;对收入来源不固定、家庭成员有劳动能力的
/// 低保家庭,每半年核查一次。」 The two conditions of the half-yearly cycle are read as AND
/// (irregular income *and* a member able to work, DETAIL R01); a household matching neither
/// description is reviewed yearly. The next review is counted from the decision date or
/// the date the last review was done, with the parameters in force on that date.
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
}
