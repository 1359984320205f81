import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// The hub's review queue, resolving a conflict by a write that travels back, and the
/// notices that tell the stations, through real stations, bundles and the hub.
final class ConflictReviewTests: SyncTestCase {
    /// One household's income changed by two writers that did not see each other's edit:
    /// the first (earlier) one loses, the second (later) one wins.
    struct Race {
        let county: County
        let household: String
        /// Wall times of the two edits: the first writer's (it loses), the second's (it wins).
        let firstAt: UInt64, secondAt: UInt64
    }

    /// Two stations, through a transfer race. Station 0 changes the income of its case
    /// (1350) and the bundle stays on a stick; the county transfers the case to station 1,
    /// which receives it and changes the income (980); then the late stick is merged. Each
    /// edit was made while the case was its station's own, on top of the same value.
    func transferRaceOnIncome() throws -> Race {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let id = try addHouseholds(giver, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 1_000)
        let firstAt = clock.now
        try giver.record(table: "household", id: id, values: ["monthly_income": .integer(1350)])
        let late = try giver.export(to: folder.sub("late.fsb"))
        clock.advance(by: 1_000)
        try county.hub.transfer(household: id, to: taker.identity.township!)
        try county.deliverReturnBundles(via: folder.sub("d1"))
        clock.advance(by: 1_000)
        let secondAt = clock.now
        try taker.record(table: "household", id: id, values: ["monthly_income": .integer(980)])
        try county.hub.merge(bundleAt: try taker.export(to: folder.sub("taker.fsb")).path)
        XCTAssertEqual(try county.hub.conflictReviews().count, 0, "nothing concurrent yet: the giver's edit is still on the stick")
        try county.hub.merge(bundleAt: late.path)
        XCTAssertEqual(try county.hub.conflictReviews().count, 1, "the late stick's edit and the taker's were made on the same value")
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        return Race(county: county, household: id, firstAt: firstAt, secondAt: secondAt)
    }

    /// The station holding the case and the county hub (a county write) change its income
    /// concurrently: the station first (1350), the hub later (980).
    func stationAndCountyEditIncome() throws -> Race {
        let county = try makeCounty(stations: 1)
        let id = try addHouseholds(county.stations[0], count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 1_000)
        let firstAt = clock.now
        try county.stations[0].record(table: "household", id: id, values: ["monthly_income": .integer(1350)])
        clock.advance(by: 1_000)
        let secondAt = clock.now
        try county.hub.replica.write(table: "household", rowID: id, values: ["monthly_income": .integer(980)])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        return Race(county: county, household: id, firstAt: firstAt, secondAt: secondAt)
    }

    func testConcurrentIncomeEditsListBothValuesBothStationsBothTimesAndTheCase() throws {
        let race = try transferRaceOnIncome()
        let reviews = try race.county.hub.conflictReviews(reveal: true)
        XCTAssertEqual(reviews.count, 1)
        let review = try XCTUnwrap(reviews.first)
        XCTAssertEqual(review.kind, .concurrent)
        XCTAssertEqual(review.field, "household.monthly_income")
        XCTAssertEqual(review.household, race.household)
        XCTAssertEqual(review.winner.value, .integer(980))
        XCTAssertEqual(review.winner.writer.name, "社工站1")
        XCTAssertEqual(review.winner.writer.township, "630106101")
        XCTAssertEqual(review.winner.atMillis, race.secondAt)
        XCTAssertEqual(review.loser.value, .integer(1350))
        XCTAssertEqual(review.loser.writer.displayName, "社工站0 (630106100)")
        XCTAssertEqual(review.loser.atMillis, race.firstAt)
        XCTAssertGreaterThanOrEqual(review.detectedAtMillis, race.secondAt)
        XCTAssertNil(review.resolution)
    }

    func testPersonalValuesAreMaskedUnlessRevealedAndOtherValuesAreShown() throws {
        let race = try stationAndCountyEditIncome()
        let hub = race.county.hub
        let masked = try XCTUnwrap(try hub.conflictReviews().first)
        XCTAssertTrue(masked.isPersonal)
        XCTAssertNil(masked.winner.value)
        XCTAssertNil(masked.loser.value)

        clock.advance(by: 1_000)
        try race.county.stations[0].record(table: "household", id: race.household, values: ["category": .text("tekun")])
        clock.advance(by: 1_000)
        try hub.replica.write(table: "household", rowID: race.household, values: ["category": .text("lowIncome")])
        try race.county.syncUntilQuiet(stick: folder.sub("s3"))
        let category = try XCTUnwrap(try hub.conflictReviews().first { $0.column == "category" })
        XCTAssertFalse(category.isPersonal)
        XCTAssertEqual(category.winner.value, .text("lowIncome"), "a code is not personal: shown without --reveal")
        XCTAssertEqual(category.loser.value, .text("tekun"))
    }

    func testResolveKeepingTheLoserWritesOnTopAndPropagatesToTheStationHoldingTheCase() throws {
        let race = try transferRaceOnIncome()
        let hub = race.county.hub
        let number = try XCTUnwrap(try hub.conflictReviews().first?.number)
        clock.advance(by: 1_000)
        let resolved = try hub.resolve(conflict: number, keep: .side("loser"), note: "以入户核实为准", by: "李芳")
        XCTAssertEqual(resolved.outcome, .keptLoser)
        XCTAssertEqual(resolved.changes.count, 1)
        XCTAssertEqual(resolved.changes.first?.origin, hub.identity.site, "a county write, origin the hub")
        XCTAssertEqual(Set(resolved.notified), ["630106100", "630106101"])

        try race.county.syncUntilQuiet(stick: folder.sub("s3"))
        let (giver, holder) = (race.county.stations[0], race.county.stations[1])
        for replica in [hub.replica, holder.replica] {
            XCTAssertEqual(try replica.row(table: "household", rowID: race.household)?["monthly_income"], .integer(1350))
        }
        XCTAssertNil(try giver.replica.row(table: "household", rowID: race.household), "the kept value does not bring the case back")
        try assertEachStationMatchesTheHubForItsTownship(race.county)
        XCTAssertEqual(try hub.conflictReviews().count, 0, "the queue is empty")
        let all = try hub.conflictReviews(includeResolved: true, reveal: true)
        XCTAssertEqual(all.count, 1, "the resolving write is sequential, not a new conflict")
        let resolution = try XCTUnwrap(all.first?.resolution)
        XCTAssertEqual(resolution.by, "李芳")
        XCTAssertEqual(resolution.resolution, "kept loser")
        XCTAssertEqual(resolution.note, "以入户核实为准")
        XCTAssertEqual(resolution.atMillis, clock.now)
    }

    func testKeepTakesATownshipCodeOrStationNameOfOneSide() throws {
        let race = try transferRaceOnIncome()
        let hub = race.county.hub
        let number = try XCTUnwrap(try hub.conflictReviews().first?.number)
        XCTAssertThrowsError(try hub.resolve(conflict: number, keep: .side("630199999"))) { error in
            guard case SyncError.review(.unknownSide) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("630106100"), "names the sides: \(error)")
        }
        XCTAssertEqual(try hub.resolve(conflict: number, keep: .side("社工站1")).outcome, .keptWinner)
        XCTAssertEqual(try hub.replica.row(table: "household", rowID: race.household)?["monthly_income"], .integer(980))
    }

    func testStationNoticesShowUnderReviewThenResolvedWithoutEitherValue() throws {
        let race = try transferRaceOnIncome()
        // Station 0 gave the case away; the notices addressed to its township still reach it.
        let station = race.county.stations[0]
        XCTAssertNil(try station.replica.row(table: "household", rowID: race.household))
        let first = try station.notices()
        XCTAssertEqual(first.map(\.kind), [.underReview, .transferredOut], "newest first")
        let notice = try XCTUnwrap(first.first)
        XCTAssertEqual(notice.household, race.household)
        XCTAssertEqual(notice.subject, "household.monthly_income")
        XCTAssertEqual(notice.subjectRow, race.household)
        XCTAssertTrue(notice.wordsZh.contains("审核"), notice.wordsZh)
        XCTAssertTrue(notice.wordsEn.contains("review queue"), notice.wordsEn)
        let number = try XCTUnwrap(notice.reference.flatMap { Int64($0) })

        clock.advance(by: 2_000)
        try race.county.hub.resolve(conflict: number, keep: .side("loser"))
        try race.county.syncUntilQuiet(stick: folder.sub("s3"))
        let after = try station.notices()
        XCTAssertEqual(after.map(\.kind), [.resolved, .underReview, .transferredOut], "newest first")
        XCTAssertTrue(after[0].wordsEn.contains("this station's value was kept"), after[0].wordsEn)
        let taker = try race.county.stations[1].notices()
        XCTAssertEqual(taker.map(\.kind), [.resolved, .underReview, .transferredIn])
        XCTAssertTrue(taker[0].wordsEn.contains("the other edit's value was kept"), taker[0].wordsEn)
        XCTAssertEqual(try station.notices(kind: .resolved).count, 1)
        for n in after + taker {
            for value in ["1350", "980"] {
                XCTAssertFalse(n.wordsZh.contains(value) || n.wordsEn.contains(value), "a notice never holds a value: \(n)")
            }
        }
        let hubNotices = try race.county.hub.replica.rowIDs(table: "notice", limit: nil).compactMap {
            try race.county.hub.replica.row(table: "notice", rowID: $0)?["reference"]
        }
        XCTAssertEqual(hubNotices.filter { $0 == .text(String(number)) }.count, 4,
                       "one underReview and one resolved per station, none again on later merges")
    }

    /// A merge that read how far the notices went before another process (a `hub serve`
    /// beside a `hub merge` batch) told the stations of the same conflicts posts none of
    /// them again: the posting reads it again in its own transaction.
    func testConflictsAnotherProcessToldOfMeanwhileAreNotPostedAgain() throws {
        let race = try transferRaceOnIncome()
        let hub = race.county.hub
        let notices = { try hub.replica.rowIDs(table: "notice", limit: nil).count }
        let before = try notices()
        XCTAssertGreaterThan(before, 0)
        try hub.postConflictNotices(after: 0)
        XCTAssertEqual(try notices(), before)
    }

    func testResolvingTwiceIsRefused() throws {
        let race = try stationAndCountyEditIncome()
        let hub = race.county.hub
        let number = try XCTUnwrap(try hub.conflictReviews().first?.number)
        try hub.resolve(conflict: number, keep: .side("winner"))
        let before = try snapshot(hub.replica)
        XCTAssertThrowsError(try hub.resolve(conflict: number, keep: .side("loser"))) { error in
            guard case SyncError.review(.alreadyResolved(number, _)) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try snapshot(hub.replica), before)
        XCTAssertThrowsError(try hub.resolve(conflict: 999, keep: .side("winner"))) { error in
            guard case SyncError.review(.notFound(999)) = error else { return XCTFail("\(error)") }
        }
    }

    func testConflictMarkedReviewedWithoutAResolutionCountsAsResolved() throws {
        let race = try stationAndCountyEditIncome()
        let hub = race.county.hub
        let number = try XCTUnwrap(try hub.conflictReviews().first?.number)
        try hub.replica.resolveConflict(id: number)
        let review = try hub.conflictReview(number)
        XCTAssertTrue(review.isResolved)
        XCTAssertNil(review.resolution)
        XCTAssertThrowsError(try hub.resolve(conflict: number, keep: .side("loser"))) { error in
            guard case SyncError.review(.alreadyResolved(number, nil)) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try hub.replica.row(table: "household", rowID: race.household)?["monthly_income"], .integer(980))
    }

    func testBadNewValueIsRefusedNamingTheFieldAndNothingIsWritten() throws {
        let race = try stationAndCountyEditIncome()
        let hub = race.county.hub
        let number = try XCTUnwrap(try hub.conflictReviews().first?.number)
        let before = try snapshot(hub.replica)
        for bad in ["-5", "abc", "1200.5"] {
            XCTAssertThrowsError(try hub.resolve(conflict: number, keep: .newValue(bad))) { error in
                guard case SyncError.review(.valueRefused(field: "household.monthly_income", _, _)) = error else { return XCTFail("\(error)") }
                XCTAssertFalse("\(error)".contains(bad), "the value is not repeated: \(error)")
                XCTAssertTrue("\(error)".contains("household.monthly_income"), "\(error)")
            }
        }
        XCTAssertEqual(try snapshot(hub.replica), before, "nothing written, the conflict still open")
        XCTAssertEqual(try hub.resolve(conflict: number, keep: .newValue("1200")).outcome, .newValue)
        XCTAssertEqual(try hub.replica.row(table: "household", rowID: race.household)?["monthly_income"], .integer(1200))
    }

    func testResolvingAConflictOnADeletedRowIsRefused() throws {
        let race = try stationAndCountyEditIncome()
        let hub = race.county.hub
        let number = try XCTUnwrap(try hub.conflictReviews().first?.number)
        clock.advance(by: 1_000)
        try race.county.stations[0].delete(table: "household", id: race.household)
        try race.county.syncUntilQuiet(stick: folder.sub("s3"))
        let before = try snapshot(hub.replica)
        XCTAssertThrowsError(try hub.resolve(conflict: number, keep: .side("loser"))) { error in
            guard case SyncError.review(.rowDeleted(number, "household.monthly_income", race.household)) = error else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(try snapshot(hub.replica), before)
    }

    func testPostedNoticeReachesTheAddressedStation() throws {
        let county = try makeCounty(stations: 2)
        let id = try addHouseholds(county.stations[1], count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try county.hub.postNotice(NoticeDraft(township: "630106101", household: id, kind: .transferredIn, subjectTable: "household",
                                              subjectRow: id, detailZh: "一个案件转入本站", detailEn: "a case was transferred to this station",
                                              reference: "transfer-1"))
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        let notices = try county.stations[1].notices()
        XCTAssertEqual(notices.map(\.kind), [.transferredIn])
        XCTAssertEqual(notices.first?.wordsZh, "一个案件转入本站")
        XCTAssertEqual(notices.first?.wordsEn, "a case was transferred to this station")
        XCTAssertEqual(notices.first?.reference, "transfer-1")
        XCTAssertEqual(try county.stations[0].notices(), [], "addressed to the other township")

        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.postNotice(NoticeDraft(township: "鲁沙尔", household: id, kind: .duplicate,
                                                                   detailZh: "疑似重复", detailEn: "possible duplicate", reference: nil))) { error in
            guard case SyncError.store(.unauthorized(let violation)) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(violation.field, "notice.township")
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before, "a notice to no township is not written")
    }
}

/// Which stations a newly recorded conflict tells, and with which kind, for each kind the
/// merge records (the words themselves never hold a value).
final class ConflictNoticeWordsTests: XCTestCase {
    let hubSite = SiteID(bytes: Array(repeating: 1, count: 16))!
    let siteA = SiteID(bytes: Array(repeating: 2, count: 16))!
    let siteB = SiteID(bytes: Array(repeating: 3, count: 16))!

    func review(_ kind: ConflictKind, winner: SiteID, loser: SiteID) -> ConflictReview {
        let writers = ConflictWriters(hub: hubSite, peers: [
            Peer(site: siteA, name: "社工站A", role: .station, township: "630106100", signingKey: [], agreementKey: [], enrolledAtMillis: 0),
            Peer(site: siteB, name: "社工站B", role: .station, township: "630106101", signingKey: [], agreementKey: [], enrolledAtMillis: 0),
        ])
        func side(_ site: SiteID, _ value: Value) -> ConflictSide {
            ConflictSide(value: value, writer: writers.writer(of: site), atMillis: 0,
                         version: CellVersion(stamp: HybridTimestamp(rawValue: 1), site: site))
        }
        return ConflictReview(number: 7, kind: kind, table: "application", rowID: "r-1", column: "status", household: "h-1",
                              winner: side(winner, kind == .lostToDelete ? .null : .text("approved")), loser: side(loser, .text("closed")),
                              detectedAtMillis: 0, isResolved: false, resolution: nil, isPersonal: false)
    }

    func testConcurrentConflictPutsBothStationsEditsUnderReview() {
        let drafts = ConflictNoticeWords.drafts(for: review(.concurrent, winner: siteA, loser: siteB))
        XCTAssertEqual(drafts.map(\.township), ["630106100", "630106101"])
        XCTAssertEqual(Set(drafts.map(\.kind)), [.underReview])
        XCTAssertEqual(drafts.first?.reference, "7")
        XCTAssertEqual(drafts.first?.household, "h-1")
    }

    func testOverruledEditTellsOnlyTheLosingStationAndNotTheHub() {
        let drafts = ConflictNoticeWords.drafts(for: review(.overruled, winner: hubSite, loser: siteB))
        XCTAssertEqual(drafts.map(\.township), ["630106101"])
        XCTAssertEqual(drafts.map(\.kind), [.overruled])
        XCTAssertTrue(drafts[0].detailEn.contains("took precedence"), drafts[0].detailEn)
    }

    func testEditLostToADeleteIsOverruledAndSaysTheRecordWasDeleted() {
        let drafts = ConflictNoticeWords.drafts(for: review(.lostToDelete, winner: siteA, loser: siteB))
        XCTAssertEqual(drafts.map(\.township), ["630106101"])
        XCTAssertEqual(drafts.map(\.kind), [.overruled])
        XCTAssertTrue(drafts[0].detailEn.contains("deleted"), drafts[0].detailEn)
        for draft in drafts { XCTAssertFalse(draft.detailZh.contains("closed") || draft.detailEn.contains("closed")) }
    }

    func testResolvedNoticeTellsEachSideWhetherItsValueWasKept() {
        let drafts = ConflictNoticeWords.resolved(review(.concurrent, winner: siteA, loser: siteB), outcome: .keptLoser)
        XCTAssertEqual(drafts.map(\.kind), [.resolved, .resolved])
        XCTAssertTrue(drafts[0].detailEn.contains("the other edit's value was kept"), drafts[0].detailEn)
        XCTAssertTrue(drafts[1].detailEn.contains("this station's value was kept"), drafts[1].detailEn)
    }
}
