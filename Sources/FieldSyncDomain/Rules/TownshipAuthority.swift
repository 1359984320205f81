/// R8, what a township may decide (审核确认权限下放).
///
/// 「将低保、特困人员、小额临时救助等社会救助审核确认权限下放至乡镇(街道)」. A station may
/// decide dibao and tekun, and temporary assistance up to and including
/// `townshipTemporaryCeilingYuan` on the decision date; everything else is decided by the
/// county, recorded at the hub, and reaches the station in its next return bundle.
public enum TownshipAuthority {
    public static let townshipCategories: Set<AssistanceCategory> = [.dibao, .tekun]

    /// The level that decides: township when within authority, else county.
    public static func decidingLevel(category: AssistanceCategory, amount: Money?, approve: Bool, on date: CivilDate,
                                     parameters: ParameterSet) -> DecisionLevel {
        if townshipCategories.contains(category) { return .township }
        if category == .temporary {
            // A rejection or an approval within the ceiling stays at the township.
            guard approve, let amount else { return .township }
            return amount <= parameters.money(.townshipTemporaryCeilingYuan, on: date) ? .township : .county
        }
        return .county
    }

    /// Throws the R8 error when a township decision is beyond its authority.
    public static func checkTownship(category: AssistanceCategory, amount: Money?, approve: Bool, on date: CivilDate,
                                     parameters: ParameterSet) throws(CaseworkError) {
        guard decidingLevel(category: category, amount: amount, approve: approve, on: date, parameters: parameters) == .county else { return }
        throw .beyondTownshipAuthority(category: category.rawValue,
                                       ceiling: category == .temporary ? parameters.money(.townshipTemporaryCeilingYuan, on: date) : nil)
    }
}
