import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// The audit log in every replica: each act writes its event, the events sync in scope,
/// a station cannot forge, edit or delete one, and syncing the log alone comes to rest.
final class AuditLogTests: SyncTestCase {
    func events(_ log: AuditLog, _ action: AuditAction) throws -> [AuditEvent] {
        try log.events(action: action.rawValue)
    }

    func auditRowCount(_ replica: Replica) throws -> Int {
        try replica.rowIDs(table: AuditLog.table, limit: nil).count
    }

    /// The audit log is outside the state digest (M6), so its convergence is checked here:
    /// each station holds exactly the hub's events for its township.
    func assertEachStationHoldsTheHubsEventsForItsTownship(_ county: County, file: StaticString = #filePath, line: UInt = #line) throws {
        let atHub = try county.hub.auditLog.events()
        for station in county.stations {
            let township = try XCTUnwrap(station.identity.township)
            XCTAssertEqual(try station.auditLog.events(), atHub.filter { $0.township == township || $0.township == CaseworkScope.countyWide },
                           township, file: file, line: line)
        }
    }

    func testEnrollingAStationRecordsWhoWhenAndWhichStationAtTheHub() throws {
        let county = try makeCounty(stations: 2)
        let enrolled = try events(county.hub.auditLog, .enrolled)
        XCTAssertEqual(Set(enrolled.map(\.subject)), Set(county.stations.map { $0.identity.site.hex }))
        XCTAssertEqual(Set(enrolled.map(\.township)), ["630106100", "630106101"])
        for event in enrolled {
            XCTAssertEqual(event.actorSite, county.hub.identity.site.hex)
            XCTAssertEqual(event.actorName, "湟中区民政局")
            XCTAssertEqual(event.atMillis, clock.now)
            XCTAssertEqual(event.detail, "role=station")
        }
    }

    func testAMergeThatBringsCaseworkIsRecordedAndReachesOnlyThatStation() throws {
        let county = try makeCounty(stations: 2)
        let (writer, other) = (county.stations[0], county.stations[1])
        try addHouseholds(writer, count: 2)
        let bundle = try writer.export(to: folder.sub("up.fsb"))
        let result = try county.hub.merge(bundleAt: bundle.path)
        let merged = try events(county.hub.auditLog, .merged)
        XCTAssertEqual(merged.count, 1)
        XCTAssertEqual(merged.first?.subject, result.header.bundleID.hex)
        XCTAssertEqual(merged.first?.township, "630106100")
        XCTAssertEqual(merged.first?.detail, "from=\(writer.identity.site.hex) changes=\(result.report.applied) conflicts=0")
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertEqual(try events(writer.auditLog, .merged).map(\.subject), [result.header.bundleID.hex], "the hub's event reached the station")
        XCTAssertEqual(try events(writer.auditLog, .enrolled).map(\.subject), [writer.identity.site.hex], "its own enrollment, not the other's")
        XCTAssertEqual(try events(other.auditLog, .merged), [], "another township's events do not reach a station")
        XCTAssertEqual(try events(other.auditLog, .enrolled).map(\.subject), [other.identity.site.hex])
        try assertEachStationMatchesTheHubForItsTownship(county)
        try assertEachStationHoldsTheHubsEventsForItsTownship(county)
    }

    func testAStationsImportIsRecordedThereAndItsEventReachesTheHub() throws {
        let county = try makeCounty(stations: 2)
        try county.syncUntilQuiet(stick: folder.sub("s0"))
        XCTAssertEqual(try events(county.stations[0].auditLog, .imported), [], "a return bundle of audit events alone records nothing")
        // A county parameter reaches every station: each import brings a change of the cases' data.
        try county.hub.replica.write(table: "rule_parameter", rowID: "param:dibaoUrbanMonthly:2026-01-01", values: [
            "name": .text("dibaoUrbanMonthly"), "effective_from": .text("2026-01-01"), "value": .text("820")])
        let results = try county.deliverReturnBundles(via: folder.sub("d1"))
        for (station, result) in zip(county.stations, results) {
            let imported = try events(station.auditLog, .imported)
            XCTAssertEqual(imported.map(\.subject), [result.header.bundleID.hex])
            XCTAssertEqual(imported.first?.actorSite, station.identity.site.hex)
            XCTAssertEqual(imported.first?.township, station.identity.township)
        }
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let atHub = try events(county.hub.auditLog, .imported)
        XCTAssertEqual(Set(atHub.map(\.actorSite)), Set(county.stations.map { $0.identity.site.hex }))
        XCTAssertEqual(try events(county.hub.auditLog, .merged).count, 0,
                       "the stations' bundles carried only their audit events: merging them records nothing")
        try assertEachStationMatchesTheHubForItsTownship(county)
        try assertEachStationHoldsTheHubsEventsForItsTownship(county)
    }

    func testTwoRoundsWithoutCaseworkCarryNothingTheSecondTime() throws {
        let county = try makeCounty(stations: 2)
        for station in county.stations { try addHouseholds(station, count: 2) }
        try county.hub.replica.write(table: "rule_parameter", rowID: "param:dibaoUrbanMonthly:2026-01-01", values: [
            "name": .text("dibaoUrbanMonthly"), "effective_from": .text("2026-01-01"), "value": .text("820")])
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertTrue(try county.isQuiet())
        let before = try auditRowCount(county.hub.replica)
        XCTAssertGreaterThan(before, 0)
        for round in 1...2 {
            let up = folder.sub("round\(round)/up")
            try NodeFolder(up).create()
            let exported = try county.stations.map { try $0.export(to: up + "/") }
            for merged in try county.hub.merge(paths: [up]) { XCTAssertEqual(try merged.result.get().report.applied, 0) }
            let imported = try county.deliverReturnBundles(via: folder.sub("round\(round)/down"))
            XCTAssertEqual(exported.map(\.header.totalChanges), [0, 0], "round \(round): the stations owe nothing")
            XCTAssertEqual(imported.map(\.report.applied), [0, 0], "round \(round): the return bundles bring nothing")
            XCTAssertEqual(try auditRowCount(county.hub.replica), before, "round \(round) recorded no event")
            XCTAssertTrue(try county.isQuiet())
        }
    }

    func testATransferIsRecordedForTheGivingAndTheReceivingTownship() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let id = try addHouseholds(giver, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try county.hub.transfer(household: id, to: "630106101", note: "迁居")
        let atHub = try events(county.hub.auditLog, .transferred)
        XCTAssertEqual(Set(atHub.map(\.township)), ["630106100", "630106101"])
        XCTAssertTrue(atHub.allSatisfy { $0.subject == id && $0.detail == "from=630106100 to=630106101" })
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        for station in [giver, taker] {
            XCTAssertEqual(try events(station.auditLog, .transferred).map(\.township), [station.identity.township!])
        }
        try assertEachStationMatchesTheHubForItsTownship(county)
        try assertEachStationHoldsTheHubsEventsForItsTownship(county)
    }

    func testResolvingAConflictRecordsTheOperatorTheConflictAndTheSideKeptNeverTheValue() throws {
        let county = try makeCounty(stations: 1)
        let id = try addHouseholds(county.stations[0], count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        clock.advance(by: 1_000)
        try county.stations[0].record(table: "household", id: id, values: ["monthly_income": .integer(1350)])
        clock.advance(by: 1_000)
        try county.hub.replica.write(table: "household", rowID: id, values: ["monthly_income": .integer(980)])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        let number = try XCTUnwrap(try county.hub.conflictReviews().first?.number)
        try county.hub.resolve(conflict: number, keep: .side("loser"), note: "入户核实", by: "李芳")
        let resolved = try events(county.hub.auditLog, .resolved)
        XCTAssertEqual(resolved.count, 1)
        XCTAssertEqual(resolved.first?.actorName, "李芳")
        XCTAssertEqual(resolved.first?.subject, id)
        XCTAssertEqual(resolved.first?.township, "630106100")
        XCTAssertEqual(resolved.first?.detail, "conflict=\(number) field=household.monthly_income kept=loser")
        XCTAssertFalse(resolved.first?.detail?.contains("1350") ?? true, "never the value")
        try county.syncUntilQuiet(stick: folder.sub("s3"))
        XCTAssertEqual(try events(county.stations[0].auditLog, .resolved).count, 1)
    }

    func testARefusedResolutionLeavesNoEvent() throws {
        let county = try makeCounty(stations: 1)
        XCTAssertThrowsError(try county.hub.resolve(conflict: 7, keep: .side("winner")))
        XCTAssertEqual(try events(county.hub.auditLog, .resolved), [])
    }

    func testADecisionThroughTheCaseworkServiceIsRecordedWithTheApplicationAndOutcomeOnly() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let casework = station.casework()
        let received = Date().addingTimeInterval(-3_600)
        let household = try casework.addHousehold(HouseholdInput(township: "630106100", hukou: "rural", monthlyIncomeYuan: "600"),
                                                  at: received)
        let application = try casework.apply(household: household, category: "dibao", channel: "window", amount: "650", receivedAt: received)
        try casework.decide(application: application, approve: false, reasons: "收入超出标准", at: Date())
        let decided = try events(station.auditLog, .decided)
        XCTAssertEqual(decided.map(\.subject), [application])
        XCTAssertEqual(decided.first?.detail, "outcome=rejected level=township")
        XCTAssertEqual(decided.first?.township, "630106100")
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertEqual(try events(county.hub.auditLog, .decided).map(\.subject), [application])
    }

    func testADecisionRefusedByTheRulesLeavesNoEvent() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let casework = station.casework()
        let received = Date().addingTimeInterval(-3_600)
        let household = try casework.addHousehold(HouseholdInput(township: "630106100", hukou: "rural"), at: received)
        let application = try casework.apply(household: household, category: "dibao", channel: "window", amount: "650", receivedAt: received)
        XCTAssertThrowsError(try casework.decide(application: application, approve: true, at: Date()), "R7: no check yet")
        XCTAssertEqual(try events(station.auditLog, .decided), [])
    }

    func testAReplicaOfAnOlderCaseSchemaKeepsNoLogAndSyncsAsBefore() throws {
        let county = try County.create(at: folder.sub("old"), hubName: "湟中区民政局",
                                       stations: [.init(name: "社工站0", township: "630106100")],
                                       schema: CaseworkSchema.version(4), wallClock: clock.wallClock(), stationClocks: [clock.wallClock()])
        try addHouseholds(county.stations[0], count: 1)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertFalse(county.hub.auditLog.isKept)
        XCTAssertEqual(try county.hub.auditLog.events(), [])
    }
}
