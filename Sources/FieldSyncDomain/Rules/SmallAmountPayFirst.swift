/// R6, small temporary amounts may be paid first and checked after (小金额先行救助).
///
/// 「实现临时救助“小金额先行救助”」. Temporary assistance up to and including
/// `smallAmountPayFirstCeilingYuan` (on the payment date) may be given before the economic
/// check and the decision; anything else waits for an approval.
public enum SmallAmountPayFirst {
    public static func mayPayBeforeCheck(category: AssistanceCategory, amount: Money, on date: CivilDate,
                                         parameters: ParameterSet) -> Bool {
        category == .temporary && amount <= parameters.money(.smallAmountPayFirstCeilingYuan, on: date)
    }
}
