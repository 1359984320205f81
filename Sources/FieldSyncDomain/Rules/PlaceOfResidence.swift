/// R9/R10, assistance where people live (居住地申办, 按城镇居民予以救助).
///
/// R9 「全面实现持有居住证人员在居住地申办社会救助」: the `placeOfResidence` channel is open to
/// residence-permit holders, and the case is held by the station where they live.
/// R10 「长期在城市居住的农牧民按城镇居民予以救助」: a household of rural origin flagged as a
/// long-term urban resident is assessed with the urban standard.
public enum PlaceOfResidence {
    public static func mayApply(channel: ApplicationChannel, residencePermitHolder: Bool) -> Bool {
        channel != .placeOfResidence || residencePermitHolder
    }

    /// The standard that applies: urban for urban hukou and for long-term urban residents.
    public static func applicableStandard(hukou: UrbanRural, longTermUrbanResident: Bool) -> UrbanRural {
        hukou == .urban || longTermUrbanResident ? .urban : .rural
    }

    /// The dibao standard per person per month on `date` (the rural yearly standard / 12,
    /// rounded to the fen).
    public static func dibaoMonthlyStandard(hukou: UrbanRural, longTermUrbanResident: Bool, on date: CivilDate,
                                            parameters: ParameterSet) -> Money {
        switch applicableStandard(hukou: hukou, longTermUrbanResident: longTermUrbanResident) {
        case .urban: parameters.money(.dibaoUrbanMonthlyYuan, on: date)
        case .rural: Money(fen: (parameters.value(.dibaoRuralYearlyYuan, on: date) + 6) / 12)
        }
    }
}
