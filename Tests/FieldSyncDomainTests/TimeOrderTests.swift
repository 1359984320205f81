import FieldSyncDomain
import FieldSyncStore
import FieldSyncTestSupport
import XCTest

/// Casework records never contradict time (issue 6 §5): each rule that depends on an earlier
/// event counts only events at or before the act's moment, nothing is dated before what it
/// belongs to or in the future, and derived dates follow their inputs.
final class TimeOrderTests: XCTestCase {
    let registered = moment("2026-06-01T09:00:00+08:00")
    let received = moment("2026-06-30T09:00:00+08:00")
    let checked = moment("2026-06-30T11:00:00+08:00")
    let oneMinute: TimeInterval = 60

    /// A household with a dibao application received at `received`.
    func dibaoCase(_ cw: Casework, irregularIncome: Bool = false, memberAbleToWork: Bool = false,
                   labour: String = "none") throws -> (household: String, application: String) {
        let (h, _) = try cw.sampleHousehold(labour: labour, irregularIncome: irregularIncome, memberAbleToWork: memberAbleToWork,
                                            at: registered)
        let a = try cw.apply(household: h, category: "dibao", channel: "window", receivedAt: received)
        return (h, a)
    }

    func digest(_ cw: Casework) throws -> String { try cw.replica.digest() }

    // MARK: R7: the check before the decision

    func testR7ApprovalDatedBeforeItsCheckIsRefusedExactlyAtTheCheckIsAccepted() throws {
        let cw = try makeCasework()
        let (_, a) = try dibaoCase(cw)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        let before = try digest(cw)
        // The case: check at 11:00, approval --at 10:30 the same day.
        XCTAssertCaseworkError(.economicCheckAfterDecision(category: "dibao")) {
            try cw.decide(application: a, approve: true, at: moment("2026-06-30T10:30:00+08:00"))
        }
        XCTAssertCaseworkError(.economicCheckAfterDecision(category: "dibao")) {
            try cw.decide(application: a, approve: true, at: self.checked.addingTimeInterval(-self.oneMinute))
        }
        XCTAssertEqual(try digest(cw), before, "a refused decision writes nothing")
        XCTAssertNoThrow(try cw.decide(application: a, approve: true, at: checked))
        XCTAssertEqual(try cw.application(a)?.status, .approved)
    }

    func testR7CountsTheLatestCheckAtOrBeforeTheDecisionNotALaterOne() throws {
        let cw = try makeCasework()
        let (_, a) = try dibaoCase(cw)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        // A later check found the family outside the criteria; it cannot undo a decision taken before it.
        try cw.recordCheck(application: a, sources: [.deposits: .found], outcome: .exceedsCriteria,
                           at: moment("2026-06-30T16:00:00+08:00"))
        XCTAssertNoThrow(try cw.decide(application: a, approve: true, at: moment("2026-06-30T15:59:00+08:00")))
        let (_, b) = try dibaoCase(cw)
        try cw.recordCheck(application: b, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.recordCheck(application: b, sources: [.deposits: .found], outcome: .exceedsCriteria,
                           at: moment("2026-06-30T16:00:00+08:00"))
        XCTAssertCaseworkError(.economicCheckExceedsCriteria(category: "dibao")) {
            try cw.decide(application: b, approve: true, at: moment("2026-06-30T16:00:00+08:00"))
        }
    }

    // MARK: Payments after their approval (and R6's window)

    func testPaymentDatedBeforeItsApprovalIsRefusedAtTheApprovalIsAccepted() throws {
        let cw = try makeCasework()
        let (_, a) = try dibaoCase(cw)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        let approved = moment("2026-06-30T14:00:00+08:00")
        try cw.decide(application: a, approve: true, amount: "450", at: approved)
        XCTAssertCaseworkError(.paymentBeforeApproval(application: a)) {
            try cw.give(application: a, kind: "cash", amount: "450", at: approved.addingTimeInterval(-self.oneMinute))
        }
        XCTAssertEqual(try cw.replica.rowIDs(table: "assistance", limit: nil), [])
        let g = try cw.give(application: a, kind: "cash", amount: "450", at: approved)
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: g)?["before_check"], .integer(0))
    }

    func testR6PayFirstIsJudgedOnTheApplicationAsItStoodAtThePayment() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let decided = moment("2026-06-30T14:00:00+08:00")
        let a = try cw.apply(household: h, category: "temporary", channel: "window", amount: "2000", receivedAt: received)
        try cw.decide(application: a, approve: true, amount: "2000", at: decided)
        // Entered after the approval but dated before it: a small amount was paid first (R6) ...
        let first = try cw.give(application: a, kind: "cash", amount: "800", at: decided.addingTimeInterval(-oneMinute))
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: first)?["before_check"], .integer(1))
        // ... but more than R6's ceiling before the approval is not covered by it.
        XCTAssertCaseworkError(.paymentBeforeApproval(application: a)) {
            try cw.give(application: a, kind: "cash", amount: "1200", at: decided.addingTimeInterval(-self.oneMinute))
        }
        let rest = try cw.give(application: a, kind: "cash", amount: "1200", at: decided)
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: rest)?["before_check"], .integer(0))

        // A rejection counts from its moment: a small payment before it was R6, one at it is refused.
        let b = try cw.apply(household: h, category: "temporary", channel: "window", amount: "500", receivedAt: received)
        try cw.decide(application: b, approve: false, at: decided)
        XCTAssertNoThrow(try cw.give(application: b, kind: "cash", amount: "500", at: decided.addingTimeInterval(-oneMinute)))
        XCTAssertCaseworkError(.paymentWithoutApproval(application: b)) {
            try cw.give(application: b, kind: "cash", amount: "500", at: decided)
        }
    }

    func testR6BeforeCheckMarksOnlyPaymentsMadeBeforeAnyCompletedCheck() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let a = try cw.apply(household: h, category: "temporary", channel: "window", amount: "500", receivedAt: received)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        let first = try cw.give(application: a, kind: "cash", amount: "300", at: checked.addingTimeInterval(-oneMinute))
        let after = try cw.give(application: a, kind: "cash", amount: "200", at: checked)
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: first)?["before_check"], .integer(1))
        XCTAssertEqual(try cw.replica.row(table: "assistance", rowID: after)?["before_check"], .integer(0), "the check was complete by then")
    }

    func testHelpAndReplyMomentsAreTheEarliestEvenWhenEnteredLate() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let a = try cw.apply(household: h, category: "temporary", channel: "phone", emergency: true, amount: "500", receivedAt: received)
        try cw.reply(application: a, at: moment("2026-06-30T15:00:00+08:00"))
        try cw.reply(application: a, at: moment("2026-06-30T12:00:00+08:00"))   // the paper form of an earlier call
        XCTAssertEqual(try cw.application(a)?.repliedAt, Timestamp("2026-06-30T12:00:00+08:00"))
        try cw.give(application: a, kind: "inKind", at: moment("2026-07-01T08:00:00+08:00"))
        try cw.give(application: a, kind: "cash", amount: "500", at: moment("2026-06-30T20:00:00+08:00"))
        XCTAssertEqual(try cw.application(a)?.helpedAt, Timestamp("2026-06-30T20:00:00+08:00"))
        XCTAssertEqual(try cw.application(a)?.repliedAt, Timestamp("2026-06-30T12:00:00+08:00"), "a later answer does not move it")
    }

    // MARK: Nothing before what it belongs to

    func testEventsDatedBeforeTheApplicationWasReceivedAreRefusedExactlyAtItAccepted() throws {
        let cw = try makeCasework()
        let (_, a) = try dibaoCase(cw)
        let early = received.addingTimeInterval(-oneMinute)
        let refused = CaseworkError.momentBeforeRecord(field: "at", table: "application", column: "received_at")
        let before = try digest(cw)
        XCTAssertCaseworkError(refused) { try cw.reply(application: a, at: early) }
        XCTAssertCaseworkError(refused) { try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: early) }
        XCTAssertCaseworkError(refused) { try cw.decide(application: a, approve: false, at: early) }
        XCTAssertCaseworkError(refused) { try cw.refer(application: a, to: "health", at: early) }
        XCTAssertCaseworkError(refused) { try cw.give(application: a, kind: "service", at: early) }
        XCTAssertEqual(try digest(cw), before)
        XCTAssertNoThrow(try cw.reply(application: a, at: received))
        XCTAssertNoThrow(try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: received))
        XCTAssertNoThrow(try cw.refer(application: a, to: "health", at: received))
        XCTAssertNoThrow(try cw.decide(application: a, approve: true, at: received))
    }

    func testR13FeedbackDatedBeforeItsReferralIsRefusedExactlyAtItAccepted() throws {
        let cw = try makeCasework()
        let (_, a) = try dibaoCase(cw)
        let referred = moment("2026-07-01T11:00:00+08:00")
        let r = try cw.refer(application: a, to: "health", at: referred)
        XCTAssertCaseworkError(.momentBeforeRecord(field: "at", table: "referral", column: "referred_at")) {
            try cw.feedback(referral: r, outcome: "accepted", at: referred.addingTimeInterval(-self.oneMinute))
        }
        XCTAssertEqual(try cw.replica.rowIDs(table: "referral_feedback", limit: nil), [])
        XCTAssertNoThrow(try cw.feedback(referral: r, outcome: "accepted", at: referred))
    }

    func testEventsDatedBeforeTheHouseholdWasRegisteredAreRefusedExactlyAtItAccepted() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let early = registered.addingTimeInterval(-oneMinute)
        let refused = CaseworkError.momentBeforeRecord(field: "at", table: "household", column: "created_at")
        let before = try digest(cw)
        XCTAssertCaseworkError(refused) { try cw.apply(household: h, category: "dibao", channel: "window", receivedAt: early) }
        XCTAssertCaseworkError(refused) { try cw.visit(household: h, at: early) }
        XCTAssertCaseworkError(refused) { try cw.recordReview(household: h, outcome: "continue", at: early) }
        XCTAssertCaseworkError(refused) { try cw.note(household: h, text: "入户", at: early) }
        XCTAssertCaseworkError(refused) { try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: "500"), at: early) }
        XCTAssertCaseworkError(refused) {
            try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2001-01-01"), relation: "child",
                                                       labourCapacity: "full"), at: early)
        }
        XCTAssertEqual(try digest(cw), before)
        XCTAssertNoThrow(try cw.apply(household: h, category: "dibao", channel: "window", receivedAt: registered))
        XCTAssertNoThrow(try cw.visit(household: h, at: registered))
        XCTAssertNoThrow(try cw.recordReview(household: h, outcome: "continue", at: registered))
        XCTAssertNoThrow(try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: "500"), at: registered))
    }

    // MARK: Birth dates and the future

    func testMemberBornAfterTheFormWasFilledInIsRefusedBornThatDayAccepted() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let filled = moment("2026-07-01T10:00:00+08:00")
        let before = try cw.replica.rowIDs(table: "member", limit: nil)
        // Born in 2099 with a valid check digit: the number is well formed, the date impossible.
        XCTAssertCaseworkError(.birthDateAfterEntry(field: "id_number")) {
            try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2099-03-01"), relation: "child",
                                                       labourCapacity: "none"), at: filled)
        }
        XCTAssertCaseworkError(.birthDateAfterEntry(field: "id_number")) {
            try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2026-07-02"), relation: "child",
                                                       labourCapacity: "none"), at: filled)
        }
        XCTAssertCaseworkError(.birthDateAfterEntry(field: "birth_date")) {
            try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2026-07-02"), birthDate: "2026-07-02",
                                                       relation: "child", labourCapacity: "none"), at: filled)
        }
        XCTAssertEqual(try cw.replica.rowIDs(table: "member", limit: nil), before)
        XCTAssertNoThrow(try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2026-07-01"),
                                                                    relation: "child", labourCapacity: "none"), at: filled))
    }

    func testApplicationForAnApplicantNotYetBornIsRefusedOnTheBirthDayAccepted() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let baby = try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2026-06-20"), relation: "child",
                                                              labourCapacity: "none"), at: moment("2026-07-01T10:00:00+08:00"))
        XCTAssertCaseworkError(.momentBeforeRecord(field: "at", table: "member", column: "birth_date")) {
            try cw.apply(household: h, category: "tekun", channel: "window", receivedAt: moment("2026-06-19T23:59:00+08:00"), applicant: baby)
        }
        XCTAssertEqual(try cw.replica.rowIDs(table: "application", limit: nil), [])
        XCTAssertNoThrow(try cw.apply(household: h, category: "tekun", channel: "window", receivedAt: moment("2026-06-20T08:00:00+08:00"),
                                      applicant: baby))
    }

    func testEveryWritingCallRefusesAMomentMoreThanTenMinutesAheadOfTheClock() throws {
        let now = moment("2026-07-01T12:00:00+08:00")
        let cw = try makeCasework(now: now)
        let (h, _) = try cw.sampleHousehold(at: registered)
        let a = try cw.apply(household: h, category: "temporary", channel: "window", amount: "500", receivedAt: received)
        let r = try cw.refer(application: a, to: "health", at: received)
        let future = now.addingTimeInterval(Casework.futureTolerance + 1)
        let refused = CaseworkError.momentInTheFuture(field: "at")
        XCTAssertEqual(Casework.futureTolerance, 600)
        let before = try digest(cw)
        let calls: [(String, (Date) throws -> Any)] = [
            ("addHousehold", { try cw.addHousehold(HouseholdInput(township: "630122100", hukou: "rural"), at: $0) }),
            ("editHousehold", { try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: "400"), at: $0) }),
            ("addMember", { try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2001-01-01"),
                                                                       relation: "child", labourCapacity: "full"), at: $0) }),
            ("apply", { try cw.apply(household: h, category: "temporary", channel: "window", receivedAt: $0) }),
            ("reply", { try cw.reply(application: a, at: $0) }),
            ("recordCheck", { try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: $0) }),
            ("decide", { try cw.decide(application: a, approve: true, at: $0) }),
            ("give", { try cw.give(application: a, kind: "cash", amount: "500", at: $0) }),
            ("visit", { try cw.visit(household: h, at: $0) }),
            ("refer", { try cw.refer(application: a, to: "health", at: $0) }),
            ("feedback", { try cw.feedback(referral: r, outcome: "accepted", at: $0) }),
            ("recordReview", { try cw.recordReview(household: h, outcome: "continue", at: $0) }),
            ("note", { try cw.note(household: h, text: "入户", at: $0) }),
        ]
        for (name, call) in calls {
            XCTAssertThrowsError(try call(future), name) { XCTAssertEqual($0 as? CaseworkError, refused, name) }
        }
        XCTAssertEqual(try digest(cw), before, "nothing written")
        // Exactly ten minutes ahead is an honest clock difference.
        for (name, call) in calls { XCTAssertNoThrow(try call(now.addingTimeInterval(Casework.futureTolerance)), name) }
    }

    // MARK: R1/R2: the next review follows its inputs

    func testR2FlagsEditedAfterAYearlyApprovalMoveTheNextReviewToSixMonths() throws {
        let cw = try makeCasework()
        let (h, a) = try dibaoCase(cw)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: a, approve: true, startDate: "2026-07-01", at: moment("2026-06-30T14:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-07-01"), "R1: yearly")
        try cw.editHousehold(h, HouseholdChanges(irregularIncome: true, memberAbleToWork: true), at: moment("2026-08-01T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-01-01"), "R2: six months from the same start")
        XCTAssertEqual(try cw.due(at: moment("2026-12-31T10:00:00+08:00")).map(\.kind), [.review], "the due list follows")
        try cw.editHousehold(h, HouseholdChanges(irregularIncome: false), at: moment("2026-09-01T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-07-01"), "back to yearly")
    }

    func testR2ACycleShortenedAfterItWouldHaveRunOutFallsDueOnTheChangeDateAndStaysThere() throws {
        let cw = try makeCasework()
        let (h, a) = try dibaoCase(cw)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: a, approve: true, startDate: "2026-07-01", at: moment("2026-06-30T14:00:00+08:00"))
        try cw.editHousehold(h, HouseholdChanges(irregularIncome: true, memberAbleToWork: true), at: moment("2027-02-01T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-02-01"), "due from the change, not late since January")
        try cw.editHousehold(h, HouseholdChanges(monthlyIncomeYuan: "350"), at: moment("2027-03-01T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-02-01"), "a later edit does not postpone a review already due")
        try cw.recordReview(household: h, outcome: "continue", at: moment("2027-03-02T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-09-02"))
    }

    func testR2AMemberAbleToWorkJoiningMovesTheNextReviewFromTheDayTheyJoined() throws {
        let cw = try makeCasework()
        let (h, a) = try dibaoCase(cw, irregularIncome: true, labour: "none")
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: a, approve: true, startDate: "2026-07-01", at: moment("2026-06-30T14:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-07-01"), "irregular income, nobody able to work: yearly")
        try cw.addMember(household: h, MemberInput(name: "马某某", idNumber: syntheticID(born: "2001-01-01"), relation: "child",
                                                   labourCapacity: "partial"), at: moment("2026-08-01T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-01-01"), "R2: a member able to work makes it six months")
    }

    func testR1ANewDecisionRecomputesAndABackdatedReviewDoesNotMoveTheCycleBack() throws {
        let cw = try makeCasework()
        let (h, a) = try dibaoCase(cw)
        // A review done before the approval (entered late) is not the household's last check.
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: a, approve: true, startDate: "2026-07-01", at: moment("2026-06-30T14:00:00+08:00"))
        try cw.recordReview(household: h, outcome: "continue", at: moment("2026-06-15T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-07-01"))
        // Approval of tekun ends the dibao review cycle.
        let t = try cw.apply(household: h, category: "tekun", channel: "window", receivedAt: received,
                             applicant: try cw.members(household: h).first!.id)
        try cw.recordCheck(application: t, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: t, approve: true, at: moment("2026-07-02T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.category, .tekun)
        XCTAssertNil(try cw.household(h)?.nextReview, "R1/R2 are dibao's cycles")
    }

    func testAnApprovalEnteredLateButDecidedEarlierDoesNotReplaceTheHouseholdsLaterCategory() throws {
        let cw = try makeCasework()
        let (h, dibao) = try dibaoCase(cw)
        try cw.recordCheck(application: dibao, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: dibao, approve: true, startDate: "2026-07-05", at: moment("2026-07-05T10:00:00+08:00"))
        let tekun = try cw.apply(household: h, category: "tekun", channel: "window", receivedAt: received,
                                 applicant: try cw.members(household: h).first!.id)
        try cw.recordCheck(application: tekun, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: tekun, approve: true, at: moment("2026-07-01T10:00:00+08:00"))
        XCTAssertEqual(try cw.household(h)?.category, .dibao, "the later approval (dibao, 5 July) stands")
        XCTAssertEqual(try cw.household(h)?.nextReview, day("2027-07-05"))
    }

    func testR13ReferralDueFollowsAFeedbackLimitCorrectedAtTheHub() throws {
        let hub = try makeCasework(role: .hub)
        let (h, _) = try hub.sampleHousehold(at: registered)
        let a = try hub.apply(household: h, category: "medical", channel: "window", receivedAt: received)
        let r = try hub.refer(application: a, to: "medicalInsurance", at: moment("2026-07-01T10:00:00+08:00"))
        XCTAssertEqual(try hub.due(at: moment("2026-07-12T10:00:00+08:00")).first?.dueAt, Timestamp("2026-07-16T10:00:00+08:00"))
        try hub.setParameter("referralFeedbackDays", effectiveFrom: "2026-01-01", value: "10")
        let due = try hub.due(at: moment("2026-07-12T10:00:00+08:00"))
        XCTAssertEqual(due.map(\.rowID), [r])
        XCTAssertEqual(due.first?.dueAt, Timestamp("2026-07-11T10:00:00+08:00"))
        XCTAssertEqual(due.first?.isOverdue, true)
    }

    // MARK: Due: the records as they stood

    func testDueListAtAMomentCountsOnlyEventsAtOrBeforeIt() throws {
        let cw = try makeCasework()
        let (h, _) = try cw.sampleHousehold(at: registered)
        let t = try cw.apply(household: h, category: "temporary", channel: "phone", receivedAt: moment("2026-11-28T08:00:00+08:00"))
        try cw.reply(application: t, at: moment("2026-11-28T15:00:00+08:00"))
        XCTAssertEqual(try cw.due(at: moment("2026-11-28T14:59:00+08:00")).map(\.rowID), [t], "not yet answered at 14:59")
        XCTAssertEqual(try cw.due(at: moment("2026-11-28T15:00:00+08:00")), [], "answered at 15:00")
        XCTAssertEqual(try cw.due(at: moment("2026-11-28T07:59:00+08:00")), [], "not yet received")
        let m = try cw.apply(household: h, category: "medical", channel: "window", receivedAt: received)
        let r = try cw.refer(application: m, to: "medicalInsurance", at: moment("2026-07-01T10:00:00+08:00"))
        try cw.feedback(referral: r, outcome: "accepted", at: moment("2026-07-20T10:00:00+08:00"))
        XCTAssertEqual(try cw.due(at: moment("2026-07-19T10:00:00+08:00")).map(\.rowID), [r], "feedback had not come yet")
        XCTAssertEqual(try cw.due(at: moment("2026-07-20T10:00:00+08:00")), [])
        let rejected = try cw.apply(household: h, category: "temporary", channel: "phone", receivedAt: moment("2026-11-28T08:00:00+08:00"))
        try cw.decide(application: rejected, approve: false, at: moment("2026-11-29T09:00:00+08:00"))
        XCTAssertTrue(try cw.due(at: moment("2026-11-28T21:00:00+08:00")).map(\.rowID).contains(rejected), "open until the rejection")
        XCTAssertFalse(try cw.due(at: moment("2026-11-29T09:00:00+08:00")).map(\.rowID).contains(rejected))
        // A review belongs to a household only from its registration.
        let (late, a) = try dibaoCase(cw)
        try cw.recordCheck(application: a, sources: [.tax: .none], outcome: .withinCriteria, at: checked)
        try cw.decide(application: a, approve: true, startDate: "2025-12-01", at: moment("2026-06-30T14:00:00+08:00"))
        XCTAssertEqual(try cw.household(late)?.nextReview, day("2026-12-01"))
        XCTAssertTrue(try cw.due(at: moment("2026-11-15T10:00:00+08:00")).map(\.rowID).contains(late))
        XCTAssertFalse(try cw.due(at: moment("2026-05-31T10:00:00+08:00")).map(\.rowID).contains(late), "not yet registered")
    }
}
