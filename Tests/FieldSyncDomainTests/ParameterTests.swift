import FieldSyncDomain
import XCTest

final class ParameterTests: XCTestCase {
    func testDefaultsAreThePlansNumbersFrom2021() {
        let p = ParameterSet.defaults
        let d = day("2026-11-29")
        XCTAssertEqual(p.count(.dibaoStableReviewMonths, on: d), 12)
        XCTAssertEqual(p.count(.dibaoUnstableReviewMonths, on: d), 6)
        XCTAssertEqual(p.count(.tekunMinorAgeYears, on: d), 18)
        XCTAssertEqual(p.count(.temporaryReplyHours, on: d), 12)
        XCTAssertEqual(p.count(.emergencyHelpHours, on: d), 24)
        XCTAssertEqual(p.rows(.temporaryReplyHours).first?.effectiveFrom, day("2021-01-01"))
        XCTAssertFalse(RuleParameter.temporaryReplyHours.isAssumption)
        XCTAssertTrue(RuleParameter.townshipTemporaryCeilingYuan.isAssumption)
        XCTAssertTrue(RuleParameter.dibaoUrbanMonthlyYuan.isAssumption)
    }

    func testR14StandardChangedOnJuly1AppliesFromJuly1NotJune30() {
        let p = ParameterSet(stored: [.init(name: .dibaoUrbanMonthlyYuan, effectiveFrom: day("2026-07-01"), value: 85_000)])
        XCTAssertEqual(p.money(.dibaoUrbanMonthlyYuan, on: day("2026-06-30")), Money(yuan: 810))
        XCTAssertEqual(p.money(.dibaoUrbanMonthlyYuan, on: day("2026-07-01")), Money(yuan: 850))
        XCTAssertEqual(p.money(.dibaoUrbanMonthlyYuan, on: day("2027-03-01")), Money(yuan: 850))
    }

    func testBuiltInYearlyStandardsFollowTheirEffectiveDates() {
        let p = ParameterSet.defaults
        XCTAssertEqual(p.money(.dibaoUrbanMonthlyYuan, on: day("2022-12-31")), Money(yuan: 700))
        XCTAssertEqual(p.money(.dibaoUrbanMonthlyYuan, on: day("2023-01-01")), Money(yuan: 740))
        XCTAssertEqual(p.money(.dibaoUrbanMonthlyYuan, on: day("2019-06-01")), Money(yuan: 660), "before the first row, the first row")
    }

    func testAStoredRowOnTheSameDateAsADefaultWins() {
        let p = ParameterSet(stored: [.init(name: .referralFeedbackDays, effectiveFrom: day("2021-01-01"), value: 10)])
        XCTAssertEqual(p.count(.referralFeedbackDays, on: day("2026-01-01")), 10)
    }

    func testLaterStoredRowsDoNotAffectEarlierDates() {
        let p = ParameterSet(stored: [.init(name: .temporaryReplyHours, effectiveFrom: day("2027-01-01"), value: 6),
                                      .init(name: .temporaryReplyHours, effectiveFrom: day("2026-01-01"), value: 10)])
        XCTAssertEqual(p.count(.temporaryReplyHours, on: day("2025-12-31")), 12)
        XCTAssertEqual(p.count(.temporaryReplyHours, on: day("2026-06-01")), 10)
        XCTAssertEqual(p.count(.temporaryReplyHours, on: day("2027-01-01")), 6)
    }

    func testParameterValuesParseInTheirUnit() throws {
        XCTAssertEqual(try RuleParameter.townshipTemporaryCeilingYuan.parseValue("3500.50"), 350_050)
        XCTAssertEqual(try RuleParameter.referralFeedbackDays.parseValue("20"), 20)
        XCTAssertThrowsError(try RuleParameter.referralFeedbackDays.parseValue("2.5"))
        XCTAssertThrowsError(try RuleParameter.townshipTemporaryCeilingYuan.parseValue("1.001"))
        XCTAssertEqual(RuleParameter.townshipTemporaryCeilingYuan.format(350_050), "3500.50")
    }
}
