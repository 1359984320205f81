/// A named rule parameter: a number the rules read, which the province may change
/// without a software release (R14: 「每年…合理制定低保标准」).
///
/// Each has a unit and built-in defaults with effective dates. Where the plan gives the
/// number (12 months, 6 months, 18 years, 12 hours, 24 hours) the default is that number;
/// where it gives none, the default is an **assumption** (``isAssumption``) to be replaced
/// by the hub with the published figure (`fieldsync hub params …`).
public enum RuleParameter: String, CaseworkCode {
    /// R1 「经济状况变化不大的低保家庭,每年核查一次」: months between reviews.
    case dibaoStableReviewMonths
    /// R2 「收入来源不固定、家庭成员有劳动能力的低保家庭,每半年核查一次」.
    case dibaoUnstableReviewMonths
    /// R3 「将未成年人年龄从16周岁延长至18周岁」: tekun minors are under this age.
    case tekunMinorAgeYears
    /// R4 「建立临时救助12小时答复机制」.
    case temporaryReplyHours
    /// R5 「实现急难情形24小时救助」.
    case emergencyHelpHours
    /// R8: the largest temporary assistance a township may approve (assumption).
    case townshipTemporaryCeilingYuan
    /// R6 「小金额先行救助」: the largest amount paid before the check (assumption).
    case smallAmountPayFirstCeilingYuan
    /// R13: days a department has to answer a referral (assumption; the text sets none).
    case referralFeedbackDays
    /// How many days before its date a review appears in the due list (assumption).
    case reviewNoticeDays
    /// Urban dibao standard, yuan per person per month (assumption, DETAIL §6.5).
    case dibaoUrbanMonthlyYuan
    /// Rural dibao standard, yuan per person per year (assumption, DETAIL §6.5).
    case dibaoRuralYearlyYuan

    /// What a value counts; yuan values are held in fen.
    public enum Unit: String, Sendable { case months, years, hours, days, yuan }

    public var unit: Unit {
        switch self {
        case .dibaoStableReviewMonths, .dibaoUnstableReviewMonths: .months
        case .tekunMinorAgeYears: .years
        case .temporaryReplyHours, .emergencyHelpHours: .hours
        case .referralFeedbackDays, .reviewNoticeDays: .days
        case .townshipTemporaryCeilingYuan, .smallAmountPayFirstCeilingYuan, .dibaoUrbanMonthlyYuan, .dibaoRuralYearlyYuan: .yuan
        }
    }

    /// True when the default is not from the plan's text: replace it with the official figure.
    public var isAssumption: Bool {
        switch self {
        case .dibaoStableReviewMonths, .dibaoUnstableReviewMonths, .tekunMinorAgeYears, .temporaryReplyHours, .emergencyHelpHours: false
        default: true
        }
    }

    /// The date of the built-in defaults: the plan's reforms were due by end-2021.
    public static let defaultsEffectiveFrom = CivilDate(year: 2021, month: 1, day: 1)!

    /// Built-in rows (effective date, value in base units: fen for yuan, else the count).
    public var defaults: [(effectiveFrom: CivilDate, value: Int64)] {
        let d = RuleParameter.defaultsEffectiveFrom
        func yearly(_ yuan: [Int64]) -> [(CivilDate, Int64)] {
            yuan.enumerated().map { (CivilDate(year: 2021 + $0.offset, month: 1, day: 1)!, $0.element * 100) }
        }
        switch self {
        case .dibaoStableReviewMonths: return [(d, 12)]
        case .dibaoUnstableReviewMonths: return [(d, 6)]
        case .tekunMinorAgeYears: return [(d, 18)]
        case .temporaryReplyHours: return [(d, 12)]
        case .emergencyHelpHours: return [(d, 24)]
        case .townshipTemporaryCeilingYuan: return [(d, 3000 * 100)]      // DETAIL §6.5 townshipTemporaryMax_yuan
        case .smallAmountPayFirstCeilingYuan: return [(d, 1000 * 100)]    // DETAIL §6.5 smallPrepayMax_yuan
        case .referralFeedbackDays: return [(d, 15)]
        case .reviewNoticeDays: return [(d, 30)]
        // SYNTHETIC magnitudes from DETAIL §6.5, NOT official Qinghai standards.
        case .dibaoUrbanMonthlyYuan: return yearly([660, 700, 740, 780, 810])
        case .dibaoRuralYearlyYuan: return yearly([4800, 5100, 5400, 5700, 6000])
        }
    }

    /// Parses a value as typed at the hub: yuan with up to two decimals, or a whole count.
    public func parseValue(_ text: String, field: String = "value") throws(CaseworkError) -> Int64 {
        guard !text.isEmpty else { throw .missing(field: field) }
        if unit == .yuan {
            guard let money = Money(yuanText: text) else { throw .invalidAmount(field: field) }
            return money.fen
        }
        guard text.utf8.count <= 6, let n = Digits.value(ArraySlice(text.utf8)) else {
            throw .outOfRange(field: field, range: 0...999_999)
        }
        return Int64(n)
    }

    /// The value as it is written in `rule_parameter.value`.
    public func format(_ value: Int64) -> String {
        unit == .yuan ? Money(fen: value).description : String(value)
    }
}
