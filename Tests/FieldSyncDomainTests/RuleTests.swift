import FieldSyncDomain
import XCTest

final class RuleTests: XCTestCase {
    let p = ParameterSet.defaults

    // MARK: Layers

    func testLayersCoreIsDibaoAndTekunKeyIsSpecialAidGeneralIsTemporaryDisasterIsDisaster() {
        XCTAssertEqual(AssistanceCategory.dibao.layer, .core)
        XCTAssertEqual(AssistanceCategory.tekun.layer, .core)
        for c in [AssistanceCategory.lowIncome, .expenditureHardship, .medical, .housing, .education, .employment] {
            XCTAssertEqual(c.layer, .key, c.rawValue)
        }
        XCTAssertEqual(AssistanceCategory.temporary.layer, .general)
        XCTAssertEqual(AssistanceCategory.emergencyMedical.layer, .general)
        XCTAssertEqual(AssistanceCategory.disaster.layer, .disaster)
        XCTAssertEqual(AssistanceCategory.orphan.layer, .other)
    }

    // MARK: R1/R2

    func testR1StableDibaoHouseholdIsReviewedAfter12Months() {
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-07-01"), irregularIncome: false, memberAbleToWork: false, parameters: p),
                       day("2027-07-01"))
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-07-01"), irregularIncome: true, memberAbleToWork: false, parameters: p),
                       day("2027-07-01"), "irregular income alone is the yearly cycle")
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-07-01"), irregularIncome: false, memberAbleToWork: true, parameters: p),
                       day("2027-07-01"), "a member able to work alone is the yearly cycle")
    }

    func testR2IrregularIncomeWithMemberAbleToWorkIsReviewedAfter6Months() {
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-07-01"), irregularIncome: true, memberAbleToWork: true, parameters: p),
                       day("2027-01-01"))
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-08-31"), irregularIncome: true, memberAbleToWork: true, parameters: p),
                       day("2027-02-28"), "month end clamps")
    }

    func testR1CycleUsesTheParametersInForceOnTheAnchorDate() {
        let changed = ParameterSet(stored: [.init(name: .dibaoStableReviewMonths, effectiveFrom: day("2026-07-01"), value: 24)])
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-06-30"), irregularIncome: false, memberAbleToWork: false, parameters: changed),
                       day("2027-06-30"))
        XCTAssertEqual(ReviewCycle.nextReview(after: day("2026-07-01"), irregularIncome: false, memberAbleToWork: false, parameters: changed),
                       day("2028-07-01"))
    }

    // MARK: R3

    func testR3TekunMinorAgeIs18Not16_17y364dCounts() {
        let born = day("2008-07-02")
        XCTAssertTrue(TekunMinorAge.isMinor(birthDate: born, on: day("2026-07-01"), parameters: p), "17 years 364 days")
        XCTAssertFalse(TekunMinorAge.isMinor(birthDate: born, on: day("2026-07-02"), parameters: p), "18 years 0 days")
        XCTAssertTrue(TekunMinorAge.isMinor(birthDate: day("2009-01-01"), on: day("2026-07-01"), parameters: p), "17 (16 under the old rule)")
    }

    func testR3BornOnFebruary29TurnsEighteenOnMarch1InACommonYear() {
        let born = day("2008-02-29")
        XCTAssertTrue(TekunMinorAge.isMinor(birthDate: born, on: day("2026-02-28"), parameters: p))
        XCTAssertFalse(TekunMinorAge.isMinor(birthDate: born, on: day("2026-03-01"), parameters: p))
        XCTAssertEqual(day("2004-02-29").fullYears(on: day("2022-02-28")), 17)
        XCTAssertEqual(day("2004-02-29").fullYears(on: day("2024-02-29")), 20)
    }

    func testR3MinorCountsAsWithoutLabourCapacityWhateverIsRecorded() {
        XCTAssertTrue(TekunMinorAge.countsWithoutLabourCapacity(labourCapacity: .full, birthDate: day("2010-01-01"), on: day("2026-07-01"), parameters: p))
        XCTAssertFalse(TekunMinorAge.countsWithoutLabourCapacity(labourCapacity: .full, birthDate: day("1990-01-01"), on: day("2026-07-01"), parameters: p))
        XCTAssertTrue(TekunMinorAge.countsWithoutLabourCapacity(labourCapacity: LabourCapacity.none, birthDate: day("1940-01-01"), on: day("2026-07-01"), parameters: p))
    }

    // MARK: R4/R5

    func testR4TemporaryReplyIsDue12HoursAfterReceipt() {
        let received = Timestamp("2026-11-29T21:30:00+08:00")!
        XCTAssertEqual(TemporaryAssistanceClock.replyDue(category: .temporary, receivedAt: received, parameters: p),
                       Timestamp("2026-11-30T09:30:00+08:00"))
        XCTAssertNil(TemporaryAssistanceClock.replyDue(category: .dibao, receivedAt: received, parameters: p))
    }

    func testR5EmergencyHelpIsDue24HoursAfterReceiptForAnyCategory() {
        let received = Timestamp("2026-11-29T21:30:00+08:00")!
        XCTAssertEqual(TemporaryAssistanceClock.helpDue(emergency: true, receivedAt: received, parameters: p),
                       Timestamp("2026-11-30T21:30:00+08:00"))
        XCTAssertNil(TemporaryAssistanceClock.helpDue(emergency: false, receivedAt: received, parameters: p))
    }

    // MARK: R6

    func testR6SmallTemporaryAmountUpToTheCeilingMayBePaidBeforeTheCheck() {
        let d = day("2026-07-01")
        XCTAssertTrue(SmallAmountPayFirst.mayPayBeforeCheck(category: .temporary, amount: Money(yuan: 1000), on: d, parameters: p))
        XCTAssertFalse(SmallAmountPayFirst.mayPayBeforeCheck(category: .temporary, amount: Money(fen: 100_001), on: d, parameters: p))
        XCTAssertFalse(SmallAmountPayFirst.mayPayBeforeCheck(category: .dibao, amount: Money(yuan: 10), on: d, parameters: p))
    }

    // MARK: R7

    func testR7FiveCategoriesNeedACompletedCheckWithinTheCriteria() {
        XCTAssertEqual(EconomicCheckRequirement.categories, [.dibao, .tekun, .housing, .education, .needyWorker])
        XCTAssertThrowsError(try EconomicCheckRequirement.check(.housing, latestCompletedOutcome: nil))
        XCTAssertThrowsError(try EconomicCheckRequirement.check(.education, latestCompletedOutcome: .inconclusive))
        XCTAssertThrowsError(try EconomicCheckRequirement.check(.dibao, latestCompletedOutcome: .exceedsCriteria))
        XCTAssertNoThrow(try EconomicCheckRequirement.check(.needyWorker, latestCompletedOutcome: .withinCriteria))
        XCTAssertNoThrow(try EconomicCheckRequirement.check(.temporary, latestCompletedOutcome: nil))
        XCTAssertNoThrow(try EconomicCheckRequirement.check(.medical, latestCompletedOutcome: nil))
    }

    // MARK: R8

    func testR8TownshipDecidesDibaoTekunAndTemporaryUpToTheCeilingInclusive() {
        let d = day("2026-07-01")
        func level(_ c: AssistanceCategory, _ fen: Int64?, approve: Bool = true) -> DecisionLevel {
            TownshipAuthority.decidingLevel(category: c, amount: fen.map(Money.init(fen:)), approve: approve, on: d, parameters: p)
        }
        XCTAssertEqual(level(.dibao, 900_000), .township)
        XCTAssertEqual(level(.tekun, nil), .township)
        XCTAssertEqual(level(.temporary, 300_000), .township)
        XCTAssertEqual(level(.temporary, 300_001), .county)
        XCTAssertEqual(level(.temporary, 900_000, approve: false), .township, "a rejection stays at the township")
        XCTAssertEqual(level(.medical, 1000), .county)
    }

    // MARK: R9/R10

    func testR9PlaceOfResidenceChannelNeedsAResidencePermit() {
        XCTAssertTrue(PlaceOfResidence.mayApply(channel: .placeOfResidence, residencePermitHolder: true))
        XCTAssertFalse(PlaceOfResidence.mayApply(channel: .placeOfResidence, residencePermitHolder: false))
        XCTAssertTrue(PlaceOfResidence.mayApply(channel: .window, residencePermitHolder: false))
    }

    func testR10LongTermUrbanResidentOfRuralOriginGetsTheUrbanStandard() {
        let d = day("2025-06-01")
        XCTAssertEqual(PlaceOfResidence.applicableStandard(hukou: .rural, longTermUrbanResident: true), .urban)
        XCTAssertEqual(PlaceOfResidence.applicableStandard(hukou: .rural, longTermUrbanResident: false), .rural)
        XCTAssertEqual(PlaceOfResidence.dibaoMonthlyStandard(hukou: .rural, longTermUrbanResident: true, on: d, parameters: p), Money(yuan: 810))
        XCTAssertEqual(PlaceOfResidence.dibaoMonthlyStandard(hukou: .rural, longTermUrbanResident: false, on: d, parameters: p), Money(yuan: 500))
    }

    // MARK: R13

    func testR13ReferralFeedbackIsDueAfterTheConfiguredDaysAndOverdueAfterThat() {
        let sent = Timestamp("2026-11-01T10:00:00+08:00")!
        let due = ReferralTimeLimit.dueAt(referredAt: sent, parameters: p)
        XCTAssertEqual(due, Timestamp("2026-11-16T10:00:00+08:00"))
        XCTAssertFalse(ReferralTimeLimit.isOverdue(dueAt: due, answered: false, at: due))
        XCTAssertTrue(ReferralTimeLimit.isOverdue(dueAt: due, answered: false, at: due.adding(hours: 1)))
        XCTAssertFalse(ReferralTimeLimit.isOverdue(dueAt: due, answered: true, at: due.adding(hours: 1)))
    }
}
