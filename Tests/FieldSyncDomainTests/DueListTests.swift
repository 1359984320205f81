import FieldSyncDomain
import XCTest

final class DueListTests: XCTestCase {
    func testDueListPutsOverdueFirstMostLateFirstThenSoonestDue() {
        let now = Timestamp("2026-11-29T12:00:00+08:00")!
        let apps = [
            // temporary received 30 h ago: reply overdue by 18 h
            DueList.Application(id: "a-late", householdID: "h1", category: .temporary, emergency: false,
                                receivedAt: Timestamp("2026-11-28T06:00:00+08:00")!, replied: false, helped: false),
            // emergency received 25 h ago: help overdue by 1 h; not temporary, no reply clock
            DueList.Application(id: "a-emerg", householdID: "h2", category: .medical, emergency: true,
                                receivedAt: Timestamp("2026-11-28T11:00:00+08:00")!, replied: false, helped: false),
            // temporary received 2 h ago: reply due in 10 h
            DueList.Application(id: "a-new", householdID: "h3", category: .temporary, emergency: false,
                                receivedAt: Timestamp("2026-11-29T10:00:00+08:00")!, replied: false, helped: false),
            // answered: nothing due
            DueList.Application(id: "a-done", householdID: "h4", category: .temporary, emergency: false,
                                receivedAt: Timestamp("2026-11-28T06:00:00+08:00")!, replied: true, helped: true),
        ]
        let referrals = [
            DueList.Referral(id: "r-soon", householdID: "h5", dueAt: Timestamp("2026-12-05T10:00:00+08:00")!, answered: false),
            DueList.Referral(id: "r-answered", householdID: "h6", dueAt: Timestamp("2026-11-01T10:00:00+08:00")!, answered: true),
        ]
        let reviews = [
            DueList.Review(householdID: "h7", date: day("2026-12-20")),   // within 30 days
            DueList.Review(householdID: "h8", date: day("2027-03-01")),   // too far ahead
            DueList.Review(householdID: "h9", date: day("2026-11-28")),   // overdue since 11-29 00:00, 12 h
        ]
        let items = DueList.build(at: now, applications: apps, referrals: referrals, reviews: reviews, parameters: .defaults)
        XCTAssertEqual(items.map(\.rowID), ["a-late", "h9", "a-emerg", "a-new", "r-soon", "h7"])
        XCTAssertEqual(items.map(\.kind), [.temporaryReply, .review, .emergencyHelp, .temporaryReply, .referralFeedback, .review])
        XCTAssertEqual(items.map(\.isOverdue), [true, true, true, false, false, false])
        XCTAssertEqual(items[0].secondsOverdue, 18 * 3600)
        XCTAssertEqual(items[2].secondsOverdue, 3600)
    }

    func testR4ReplyExactlyAt12HoursIsDueNotOverdue() {
        let received = Timestamp("2026-11-29T00:00:00+08:00")!
        let app = DueList.Application(id: "a", householdID: nil, category: .temporary, emergency: false, receivedAt: received,
                                      replied: false, helped: false)
        let atDeadline = DueList.build(at: received.adding(hours: 12), applications: [app], referrals: [], reviews: [], parameters: .defaults)
        XCTAssertEqual(atDeadline.first?.isOverdue, false)
        let after = DueList.build(at: Timestamp(epochSeconds: received.adding(hours: 12).epochSeconds + 1), applications: [app],
                                  referrals: [], reviews: [], parameters: .defaults)
        XCTAssertEqual(after.first?.isOverdue, true)
    }
}
