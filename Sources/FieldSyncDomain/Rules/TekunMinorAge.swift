/// R3, tekun minors count as without labour capacity up to 18 (特困未成年人年龄).
///
/// 「扩大无劳动能力特困对象认定范围,将未成年人年龄从16周岁延长至18周岁。」 A member is a minor
/// while their age in completed years (周岁) on the decision date is below
/// `tekunMinorAgeYears` (18): 17 years and 364 days is a minor, the 18th birthday is not.
/// Born on 29 February, the birthday in a common year is 1 March (``CivilDate/fullYears(on:)``).
public enum TekunMinorAge {
    public static func isMinor(birthDate: CivilDate, on date: CivilDate, parameters: ParameterSet) -> Bool {
        birthDate.fullYears(on: date) < parameters.count(.tekunMinorAgeYears, on: date)
    }

    /// Whether a member counts as without labour capacity for tekun on `date`: recorded as
    /// `none`, or a minor by R3 whatever capacity is recorded.
    public static func countsWithoutLabourCapacity(labourCapacity: LabourCapacity?, birthDate: CivilDate?,
                                                   on date: CivilDate, parameters: ParameterSet) -> Bool {
        if labourCapacity == LabourCapacity.none { return true }
        guard let birthDate else { return false }
        return isMinor(birthDate: birthDate, on: date, parameters: parameters)
    }
}
