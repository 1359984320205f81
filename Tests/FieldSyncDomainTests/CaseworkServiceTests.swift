import FieldSyncDomain
import FieldSyncStore
import FieldSyncTestSupport
import XCTest

final class CaseworkServiceTests: XCTestCase {
    let june30 = moment("2026-06-30T10:00:00+08:00")
    let july1 = moment("2026-07-01T10:00:00+08:00")

    // MARK: Households and members

    func testHouseholdRoundTripAddShowListEdit() throws {
        let cw = try makeCasework()
        let (h, m) = try cw.sampleHousehold()
        XCTAssertTrue(h.hasPrefix(stationSite.short + "-"))
        XCTAssertEqual(h, "\(stationSite.short)-000001")
        let household = try XCTUnwrap(try cw.household(h))
        XCTAssertEqual(household.township, "630122100")
        XCTAssertEqual(household.hukou, .rural)
        XCTAssertEqual(household.monthlyIncomeYuan, 300)
        XCTAssertEqual(household.status, "active")
        try cw.editHousehold(h, HouseholdChanges(hukou: "urban", essentialExpensesYuan: "420.50", irregularIncome: true), at: july1)
        let edited = try XCTUnwrap(try cw.household(h))
        XCTAssertEqual(edited.hukou, .urban)
        XCTAssertEqual(edited.essentialExpenses, Money(fen: 42_050))
        XCTAssertTrue(edited.irregularIncome)
        XCTAssertEqual(try cw.households().map(\.id), [h])
        let members = try cw.members(household: h)
        XCTAssertEqual(members.map(\.id), [m])
        XCTAssertEqual(members.first?.birthDate, day("1976-01-01"))
        XCTAssertEqual(members.first?.sex, .male, "sequence 123: the 17th digit is odd")
    }

    /// A counter left behind its rows (two commands of an older build took one id) must
    /// not put a new household on top of an existing one.
    func testANewRecordPassesOverAnIdWhoseRowExistsWhenTheCounterLagsBehind() throws {
        let cw = try makeCasework()
        let (first, _) = try cw.sampleHousehold()
        try cw.replica.setSetting(RowIDGenerator.settingKey, "1")
        let second = try cw.addHousehold(HouseholdInput(township: "630122100", headName: "后来者", hukou: "urban"), at: july1)
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(try cw.household(first)?.hukou, .rural, "the first household is untouched")
        XCTAssertEqual(try cw.household(second)?.headName, "后来者")
    }

    func testMemberWithABadIDNumberIsRefusedAndNothingIsWritten() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let before = try cw.replica.rowIDs(table: "member", limit: nil)
        XCTAssertCaseworkError(.idNumberCheckDigit(field: "id_number")) {
            try cw.addMember(household: h, MemberInput(name: "才让", idNumber: "639900197601010018", relation: "child", labourCapacity: "full"),
                             at: self.july1)
        }
        XCTAssertCaseworkError(.idNumberBirthDateMismatch(field: "id_number")) {
            try cw.addMember(household: h, MemberInput(name: "才让", idNumber: syntheticID(born: "2001-01-01"), birthDate: "2001-01-02",
                                                       relation: "child", labourCapacity: "full"), at: self.july1)
        }
        XCTAssertEqual(try cw.replica.rowIDs(table: "member", limit: nil), before)
    }

    func testInvalidTownshipAndHukouAreRefusedWithTheirField() throws {
        let cw = try makeCasework()
        XCTAssertCaseworkError(.invalidTownshipCode(field: "township")) {
            try cw.addHousehold(HouseholdInput(township: "63012", hukou: "rural"), at: self.july1)
        }
        XCTAssertCaseworkError(.notAChoice(field: "hukou", allowed: ["urban", "rural"])) {
            try cw.addHousehold(HouseholdInput(township: "630122100", hukou: "城镇"), at: self.july1)
        }
        XCTAssertEqual(try cw.households().count, 0)
    }

    // MARK: R7

    func testR7DibaoCannotBeApprovedWithoutACompletedCheck() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let a = try cw.apply(household: h, category: "dibao", channel: "window", amount: "450", receivedAt: june30)
        XCTAssertCaseworkError(.economicCheckRequired(category: "dibao")) { try cw.decide(application: a, approve: true, at: self.july1) }
        try cw.recordCheck(application: a, sources: [.tax: .none, .deposits: .error], outcome: .inconclusive, at: june30)
        XCTAssertCaseworkError(.economicCheckRequired(category: "dibao")) { try cw.decide(application: a, approve: true, at: self.july1) }
        XCTAssertEqual(try cw.replica.rowIDs(table: "decision", limit: nil), [], "a refusal writes nothing")
        try cw.recordCheck(application: a, sources: Dictionary(uniqueKeysWithValues: CheckSource.allCases.map { ($0, CheckResult.none) }),
                           outcome: .withinCriteria, at: june30)
        let d = try cw.decide(application: a, approve: true, at: july1)
        XCTAssertEqual(try cw.replica.row(table: "decision", rowID: d)?["amount_fen"], .integer(45_000))
        XCTAssertEqual(try cw.replica.row(table: "application", rowID: a)?["status"], .text("approved"))
    }

    func testR7ACheckOutsideTheCriteriaRefusesApprovalButAllowsRejection() throws {
        let cw = try makeCasework(role: .hub)  // housing is decided by the county (R8)
        let (h, _) = try cw.sampleHousehold()
        let a = try cw.apply(household: h, category: "housing", channel: "window", receivedAt: june30)
        try cw.recordCheck(application: a, sources: [.realEstate: .found], outcome: .exceedsCriteria, at: june30)
        XCTAssertCaseworkError(.economicCheckExceedsCriteria(category: "housing")) {
            try cw.decide(application: a, approve: true, level: .county, at: self.july1)
        }
        let cw2 = try makeCasework()
        let (h2, _) = try cw2.sampleHousehold()
        let a2 = try cw2.apply(household: h2, category: "dibao", channel: "window", receivedAt: june30)
        XCTAssertNoThrow(try cw2.decide(application: a2, approve: false, reasons: "收入超标", at: july1))
        XCTAssertCaseworkError(.alreadyDecided(application: a2)) { try cw2.decide(application: a2, approve: false, at: self.july1) }
    }

    // MARK: R8

    func testR8StationApprovesTemporaryUpToTheCeilingAndRefersLargerToTheCounty() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let small = try cw.apply(household: h, category: "temporary", channel: "phone", amount: "3000.00", receivedAt: june30)
        XCTAssertNoThrow(try cw.decide(application: small, approve: true, at: july1))
        let large = try cw.apply(household: h, category: "temporary", channel: "phone", amount: "3000.01", receivedAt: june30)
        XCTAssertCaseworkError(.beyondTownshipAuthority(category: "temporary", ceiling: Money(yuan: 3000))) {
            try cw.decide(application: large, approve: true, at: self.july1)
        }
        XCTAssertTrue(String(describing: CaseworkError.beyondTownshipAuthority(category: "temporary", ceiling: Money(yuan: 3000)))
            .contains("the county decides at the hub"))
        XCTAssertCaseworkError(.countyDecisionOnlyAtHub) { try cw.decide(application: large, approve: true, level: .county, at: self.july1) }
        let medical = try cw.apply(household: h, category: "medical", channel: "window", receivedAt: june30)
        XCTAssertCaseworkError(.beyondTownshipAuthority(category: "medical", ceiling: nil)) {
            try cw.decide(application: medical, approve: true, at: self.july1)
        }
    }

    func testR8TheHubRecordsACountyDecisionAboveTheCeiling() throws {
        let hub = try makeCasework(role: .hub)
        let (h, _) = try hub.sampleHousehold()
        let large = try hub.apply(household: h, category: "temporary", channel: "window", amount: "8000", receivedAt: june30)
        let d = try hub.decide(application: large, approve: true, level: .county, at: july1)
        XCTAssertEqual(try hub.replica.row(table: "decision", rowID: d)?["level"], .text("county"))
        XCTAssertEqual(try hub.replica.row(table: "application", rowID: large)?["decided_by"], .text("county"))
    }

    func testR8CeilingChangedOnJuly1AppliesToADecisionDatedJuly1NotJune30() throws {
        let hub = try makeCasework(role: .hub)
        try hub.setParameter("townshipTemporaryCeilingYuan", effectiveFrom: "2026-07-01", value: "5000")
        let (h, _) = try hub.sampleHousehold()
        let a = try hub.apply(household: h, category: "temporary", channel: "window", amount: "4000", receivedAt: june30)
        XCTAssertCaseworkError(.beyondTownshipAuthority(category: "temporary", ceiling: Money(yuan: 3000))) {
            try hub.decide(application: a, approve: true, level: .township, at: self.june30)
        }
        XCTAssertNoThrow(try hub.decide(application: a, approve: true, level: .township, at: july1))
    }

    // MARK: R3

    func testR3TekunApplicantAged17y364dIsApprovedAs18y0dWithLabourCapacityIsNot() throws {
        let cw = try makeCasework()
        let (h, m) = try cw.sampleHousehold(born: "2008-07-01", labour: "full")
        let a = try cw.apply(household: h, category: "tekun", channel: "window", receivedAt: june30, applicant: m)
        try cw.recordCheck(application: a, sources: [.householdRegistration: .found], outcome: .withinCriteria, at: june30)
        XCTAssertNoThrow(try cw.decide(application: a, approve: true, at: june30), "17 years 364 days on 2026-06-30")

        let (h2, m2) = try cw.sampleHousehold(born: "2008-07-01", labour: "full")
        let b = try cw.apply(household: h2, category: "tekun", channel: "window", receivedAt: june30, applicant: m2)
        try cw.recordCheck(application: b, sources: [.householdRegistration: .found], outcome: .withinCriteria, at: june30)
        XCTAssertCaseworkError(.tekunApplicantHasLabourCapacity) { try cw.decide(application: b, approve: true, at: self.july1) }
    }

    func testR3TekunApplicationMustNameTheApplicant() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        XCTAssertCaseworkError(.tekunApplicantMissing) { try cw.apply(household: h, category: "tekun", channel: "window", receivedAt: self.june30) }
    }

    // MARK: R1/R2

    func testR1R2DibaoApprovalSetsTheNextReview12Or6MonthsFromTheDecisionDate() throws {
        let cw = try makeCasework()
        for (irregular, able, expected) in [(false, false, "2027-07-01"), (true, true, "2027-01-01"), (true, false, "2027-07-01")] {
            // No member able to work unless `able` (a member's labour capacity counts for R2 too).
            let (h, _) = try cw.sampleHousehold(labour: able ? "full" : "none", irregularIncome: irregular, memberAbleToWork: able)
            let a = try cw.apply(household: h, category: "dibao", channel: "window", receivedAt: june30)
            try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: june30)
            try cw.decide(application: a, approve: true, at: july1)
            let household = try XCTUnwrap(try cw.household(h))
            XCTAssertEqual(household.nextReview, day(expected), "irregular \(irregular) able \(able)")
            XCTAssertEqual(household.category, .dibao)
        }
    }

    func testR1ADoneReviewComputesTheNextFromTheReviewDateAndTerminateCloses() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(irregularIncome: true, memberAbleToWork: true)
        let a = try cw.apply(household: h, category: "dibao", channel: "window", receivedAt: june30)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: june30)
        try cw.decide(application: a, approve: true, at: july1)
        let r = try cw.recordReview(household: h, outcome: "continue", at: moment("2027-01-05T09:00:00+08:00"))
        XCTAssertEqual(try cw.replica.row(table: "review", rowID: r)?["scheduled_for"], .text("2027-01-01"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-07-05"))
        try cw.recordReview(household: h, outcome: "terminate", at: moment("2027-07-05T09:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.status, "closed")
        XCTAssertNil(try cw.household(h)?.nextReview)
    }

    // MARK: R6

    func testR6SmallTemporaryAmountIsPaidBeforeTheCheckAndALargerOneIsNot() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let a = try cw.apply(household: h, category: "temporary", channel: "hotline12349", emergency: true, amount: "1000", receivedAt: june30)
        let g = try cw.give(application: a, kind: "cash", amount: "1000.00", deliveredBy: "王某", at: june30)
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: g)?["before_check"], .integer(1))
        XCTAssertNotNil(try cw.replica.row(table: "application", rowID: a)?["helped_at"])
        let b = try cw.apply(household: h, category: "temporary", channel: "window", amount: "1500", receivedAt: june30)
        XCTAssertCaseworkError(.paymentBeforeCheckNotAllowed(ceiling: Money(yuan: 1000))) {
            try cw.give(application: b, kind: "cash", amount: "1000.01", at: self.june30)
        }
        XCTAssertEqual(try cw.replica.rowIDs(table: "assistance", limit: nil), [g])
    }

    func testR6DibaoIsPaidOnlyAfterApproval() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let a = try cw.apply(household: h, category: "dibao", channel: "window", receivedAt: june30)
        XCTAssertThrowsError(try cw.give(application: a, kind: "cash", amount: "10", at: june30))
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: june30)
        try cw.decide(application: a, approve: true, amount: "450", at: july1)
        let g = try cw.give(application: a, kind: "cash", amount: "450", at: july1)
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: g)?["before_check"], .integer(0))
    }

    // MARK: R9

    func testR9PlaceOfResidenceApplicationNeedsAResidencePermitHolder() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        XCTAssertCaseworkError(.placeOfResidenceNeedsResidencePermit) {
            try cw.apply(household: h, category: "dibao", channel: "placeOfResidence", receivedAt: self.june30)
        }
        let (p, _) = try cw.sampleHousehold(residencePermit: true)
        XCTAssertNoThrow(try cw.apply(household: p, category: "dibao", channel: "placeOfResidence", receivedAt: june30))
    }

    func testR10LongTermUrbanResidentHouseholdReadsBackWithTheUrbanStandard() throws {
        let cw = try makeCasework()
        let h = try cw.addHousehold(HouseholdInput(township: "630122100", hukou: "rural", longTermUrbanResident: true), at: july1)
        XCTAssertEqual(try cw.household(h)?.applicableStandard, .urban)
    }

    // MARK: R13 and due

    func testR13ReferralIsDueAfter15DaysAndFeedbackClearsIt() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let a = try cw.apply(household: h, category: "medical", channel: "window", receivedAt: june30)
        let r = try cw.refer(application: a, to: "medicalInsurance", at: july1)
        XCTAssertEqual(try cw.replica.row(table: "referral", rowID: r)?["due_at"], .text("2026-07-16T10:00:00+08:00"))
        let late = try cw.due(at: moment("2026-07-17T10:00:00+08:00"))
        XCTAssertEqual(late.map(\.rowID), [r])
        XCTAssertEqual(late.first?.secondsOverdue, 24 * 3600)
        try cw.feedback(referral: r, outcome: "accepted", at: moment("2026-07-17T11:00:00+08:00"))
        XCTAssertEqual(try cw.due(at: moment("2026-07-17T12:00:00+08:00")), [])
        XCTAssertCaseworkError(.notAChoice(field: "department", allowed: Department.allCases.map(\.rawValue))) {
            try cw.refer(application: a, to: "police", at: self.july1)
        }
    }

    func testDueListsRepliesEmergenciesAndReviewsMostUrgentFirst() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        let temp = try cw.apply(household: h, category: "temporary", channel: "phone", receivedAt: moment("2026-11-28T08:00:00+08:00"))
        let emerg = try cw.apply(household: h, category: "medical", channel: "window", emergency: true,
                                 receivedAt: moment("2026-11-29T08:00:00+08:00"))
        let due = try cw.due(at: moment("2026-11-29T09:00:00+08:00"))
        XCTAssertEqual(due.map(\.rowID), [temp, emerg])
        XCTAssertEqual(due.map(\.kind), [.temporaryReply, .emergencyHelp])
        XCTAssertEqual(due.map(\.isOverdue), [true, false])
        try cw.reply(application: temp, at: moment("2026-11-29T09:30:00+08:00"))
        XCTAssertEqual(try cw.due(at: moment("2026-11-29T10:00:00+08:00")).map(\.rowID), [emerg])
    }

    // MARK: Parameters

    func testParametersAreSetAtTheHubOnlyAndApplyFromTheirDate() throws {
        let station = try makeCasework()
        XCTAssertCaseworkError(.parametersOnlyAtHub) {
            try station.setParameter("temporaryReplyHours", effectiveFrom: "2026-07-01", value: "6")
        }
        XCTAssertEqual(try station.replica.rowIDs(table: "rule_parameter", limit: nil), [])
        let hub = try makeCasework(role: .hub)
        let id = try hub.setParameter("temporaryReplyHours", effectiveFrom: "2026-07-01", value: "6", note: "省厅通知")
        XCTAssertEqual(id, "param:temporaryReplyHours:2026-07-01")
        try hub.setParameter("temporaryReplyHours", effectiveFrom: "2026-07-01", value: "8")
        let p = try hub.parameters()
        XCTAssertEqual(p.count(.temporaryReplyHours, on: day("2026-06-30")), 12)
        XCTAssertEqual(p.count(.temporaryReplyHours, on: day("2026-07-01")), 8)
        XCTAssertCaseworkError(.invalidDate(field: "effective_from")) {
            try hub.setParameter("temporaryReplyHours", effectiveFrom: "2026-7-1", value: "8")
        }
        XCTAssertCaseworkError(.notAChoice(field: "name", allowed: RuleParameter.allCases.map(\.rawValue))) {
            try hub.setParameter("noSuchRule", effectiveFrom: "2026-07-01", value: "8")
        }
    }

    func testADeletedHouseholdIsSaidToBeDeletedNotMissing() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        try cw.replica.delete(table: "household", rowID: h)
        XCTAssertCaseworkError(.deleted(table: "household", id: h)) {
            try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: "100"), at: self.july1)
        }
        XCTAssertCaseworkError(.notFound(table: "household", id: "never-0")) {
            try cw.editHousehold("never-0", HouseholdChanges(monthlyIncomeYuan: "100"), at: self.july1)
        }
    }

    func testAmountsAreValidatedWithTheirFieldName() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold()
        XCTAssertCaseworkError(.invalidAmount(field: "amount")) {
            try cw.apply(household: h, category: "temporary", channel: "window", amount: "12.345", receivedAt: self.june30)
        }
        XCTAssertCaseworkError(.invalidWholeYuan(field: "monthly_income")) {
            try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: "-5"), at: self.july1)
        }
        for tooMuch in ["99999999999999999999", "100000001", "1200.50"] {
            XCTAssertCaseworkError(.invalidWholeYuan(field: "monthly_income")) {
                try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: tooMuch), at: self.july1)
            }
        }
        XCTAssertTrue(CaseworkError.invalidWholeYuan(field: "monthly_income").description.contains("100,000,000"))
        XCTAssertCaseworkError(.notFound(table: "household", id: "nope")) {
            try cw.apply(household: "nope", category: "temporary", channel: "window", receivedAt: self.june30)
        }
    }
}
