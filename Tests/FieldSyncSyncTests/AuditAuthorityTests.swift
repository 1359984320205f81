import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import XCTest

/// A station writes only its own audit events about its own township, and no replica edits
/// or deletes one: a modified program's properly signed bundle that tries is refused whole
/// at merge, naming the rule, and the hub is left as it was.
final class AuditAuthorityTests: SyncTestCase {
    /// An audit event row as `station` would send it, with `overrides` applied.
    /// `after` skips that many numbers past the station's next one, for a second event in the same bundle.
    func event(from station: Station, id: String, _ overrides: [String: Value] = [:], after: Int = 0) throws -> [Change] {
        let (next, stamp) = try InsiderBundle.next(of: station)
        let sequence = next + UInt64(after)
        var values: [String: Value] = [
            "township": .text(station.identity.township!), "at": .integer(Int64(clock.now)),
            "actor_site": .text(station.identity.site.hex), "actor_name": .text(station.identity.name),
            "action": .text(AuditAction.imported.rawValue), "subject": .text("00ff"), "detail": .text("changes=1"),
        ]
        values.merge(overrides) { _, new in new }
        // Under the station's own ids, as its generator numbers them (A5), so that the rule
        // each test means is the one that refuses.
        let prefix = RowIDGenerator.prefix(of: station.identity.site)
        let rowID = id.hasPrefix(prefix) ? id : prefix + id
        return values.keys.sorted().enumerated().map { i, column in
            .set(AuditLog.table, rowID, column, values[column]!, stamp: stamp, origin: station.identity.site, sequence: sequence + UInt64(i))
        }
    }

    func assertRefused(_ county: County, _ changes: [Change], naming words: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try InsiderBundle.write(from: county.stations[0], changes: changes, to: folder.sub("forged-\(UInt32.random(in: 0...UInt32.max)).fsb"))
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path), file: file, line: line) { error in
            for word in words + ["Nothing was applied"] {
                XCTAssertTrue("\(error)".contains(word), "\(word) missing from: \(error)", file: file, line: line)
            }
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before, "the hub changed", file: file, line: line)
    }

    func testAnHonestStationEventIsMerged() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let path = try InsiderBundle.write(from: station, changes: try event(from: station, id: "\(station.identity.site.short)-000900"),
                                           to: folder.sub("honest.fsb"))
        try county.hub.merge(bundleAt: path)
        XCTAssertNotNil(try county.hub.replica.row(table: AuditLog.table, rowID: "\(station.identity.site.short)-000900"))
    }

    func testAStationCannotRecordAnEventInAnotherSitesName() throws {
        let county = try makeCounty()
        let other = county.stations[1].identity.site.hex
        try assertRefused(county, try event(from: county.stations[0], id: "x-1", ["actor_site": .text(other)]),
                          naming: ["社工站0", "A1 actor", "audit_event.actor_site"])
        try assertRefused(county, try event(from: county.stations[0], id: "x-2", ["actor_site": .text(county.hub.identity.site.hex)]),
                          naming: ["A1 actor"])
    }

    func testAStationCannotAddressAnEventToAnotherTownshipOrTheWholeCounty() throws {
        let county = try makeCounty()
        try assertRefused(county, try event(from: county.stations[0], id: "x-3", ["township": .text("630106101")]),
                          naming: ["P4 scope", "630106101"])
        try assertRefused(county, try event(from: county.stations[0], id: "x-4", ["township": .text(CaseworkScope.countyWide)]),
                          naming: ["A4 county-wide"])
        try assertRefused(county, try event(from: county.stations[0], id: "x-5", ["township": .null]),
                          naming: ["A4 required field", "township"])
    }

    func testNoStationEditsOrDeletesAnEventOnceTheHubHoldsIt() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let household = try addHouseholds(station, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s0"))
        try county.hub.transfer(household: household, to: "630106101")
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let theirs = try XCTUnwrap(try station.auditLog.events(action: AuditAction.transferred.rawValue).first)
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        let own = try XCTUnwrap(try county.hub.auditLog.events().first { $0.actorSite == station.identity.site.hex }, "the station's import event")
        let (sequence, stamp) = try InsiderBundle.next(of: station)
        for target in [theirs.id, own.id] {
            try assertRefused(county, [.set(AuditLog.table, target, "detail", .text("changes=0"), stamp: stamp,
                                            origin: station.identity.site, sequence: sequence)],
                              naming: ["A3 append-only record", "audit_event"])
            try assertRefused(county, [.delete(AuditLog.table, target, stamp: stamp, origin: station.identity.site, sequence: sequence)],
                              naming: ["audit_event"])
        }
    }

    func testTheStationsOwnWritesAreCheckedTheSameWay() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let before = try snapshot(station.replica)
        XCTAssertThrowsError(try station.record(table: AuditLog.table, values: [
            "township": .text("630106100"), "at": .integer(1), "actor_site": .text(county.hub.identity.site.hex),
            "actor_name": .text("x"), "action": .text("imported")])) { XCTAssertTrue("\($0)".contains("A1 actor"), "\($0)") }
        XCTAssertThrowsError(try station.auditLog.record(AuditEntry(.imported, township: CaseworkScope.countyWide))) {
            XCTAssertTrue("\($0)".contains("A4 county-wide"), "\($0)")
        }
        // A hub's act, free text in the detail or subject, a far time: refused before storing.
        XCTAssertThrowsError(try station.auditLog.record(AuditEntry(.revoked, township: station.identity.township!,
                                                                      subject: station.identity.site.hex, detail: "key=0123456789abcdef"))) {
            XCTAssertTrue("\($0)".contains("A1 hub act"), "\($0)")
        }
        XCTAssertThrowsError(try station.auditLog.record(AuditEntry(.decided, township: station.identity.township!,
                                                                      subject: "x-1", detail: "name=张三 id=630122199001011234"))) {
            XCTAssertTrue("\($0)".contains("A4 value") && "\($0)".contains("audit_event.detail"), "\($0)")
        }
        XCTAssertThrowsError(try station.auditLog.record(AuditEntry(.decided, township: station.identity.township!,
                                                                      subject: "630122199001011234"))) {
            XCTAssertTrue("\($0)".contains("audit_event.subject"), "\($0)")
        }
        XCTAssertThrowsError(try station.record(table: AuditLog.table, values: [
            "township": .text(station.identity.township!), "at": .integer(4_102_444_800_000), "actor_site": .text(station.identity.site.hex),
            "actor_name": .text(station.identity.name), "action": .text("imported")])) { XCTAssertTrue("\($0)".contains("A4 time"), "\($0)") }
        XCTAssertEqual(try snapshot(station.replica), before)
    }

    // MARK: The forged revocation (red-team finding): each part refused at merge

    func testAStationCannotRecordAHubAct() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        for action in AuditAction.allCases where !AuditGrammar.stationActions.contains(action.rawValue) {
            try assertRefused(county, try event(from: station, id: "x-\(action.rawValue)", ["action": .text(action.rawValue),
                                                                                             "subject": .text(station.identity.site.hex)]),
                              naming: ["A1 hub act", "audit_event.action"])
        }
        // The two acts a station does record itself are merged (one bundle: a forged bundle
        // does not advance the station's own numbering).
        let imported = try event(from: station, id: "\(station.identity.site.short)-000902", ["action": .text(AuditAction.imported.rawValue)])
        let decided = try event(from: station, id: "\(station.identity.site.short)-000901", ["action": .text(AuditAction.decided.rawValue)],
                                after: imported.count)
        let path = try InsiderBundle.write(from: station, changes: imported + decided, to: folder.sub("own-acts.fsb"))
        try county.hub.merge(bundleAt: path)
        let actions = try county.hub.auditLog.events().filter { $0.actorSite == station.identity.site.hex }.map(\.action)
        XCTAssertTrue(actions.contains("decided") && actions.contains("imported"), "\(actions)")
    }

    func testAnEventCarriesNoFreeTextNameOrIDNumber() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        for detail in ["name=张三 id=630122199001011234", "id=630122199001011234", "id=63012219900101123X", "reason=lost laptop",
                       "张三", "changes=1  conflicts=0", "note=", "=1", "who=zhang.san.x"] {
            try assertRefused(county, try event(from: station, id: "x-d", ["detail": .text(detail)]),
                              naming: ["A4 value", "audit_event.detail"])
        }
        for subject in ["630122199001011234", "张三", "a b", ""] {
            try assertRefused(county, try event(from: station, id: "x-s", ["subject": .text(subject)]),
                              naming: ["A4 value", "audit_event.subject"])
        }
        // What every writer writes stays valid.
        for detail in ["from=0123456789abcdef0123456789abcdef changes=12 conflicts=1", "outcome=approved level=township",
                       "role=station", "key=0123456789abcdef", "quarantine=3 bundle=0123456789abcdef0123456789abcdef",
                       "conflict=7 field=household.monthly_income kept=newValue", "conflict=8 field=member. kept=winner", "from=630122101 to=630106101", "old=0123456789abcdef new=fedcba9876543210"] {
            XCTAssertTrue(AuditGrammar.isDetail(detail), detail)
        }
        for subject in ["0a1b2c3d-000012", "0123456789abcdef0123456789abcdef"] { XCTAssertTrue(AuditGrammar.isSubject(subject), subject) }
    }

    func testAnEventDatedAfterItsStampIsRefusedAndOneFromASlowClockIsMerged() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        try assertRefused(county, try event(from: station, id: "x-t", ["at": .integer(4_102_444_800_000)]), naming: ["A4 time", "audit_event.at"])
        try assertRefused(county, try event(from: station, id: "x-u", ["at": .integer(Int64(clock.now) + 2 * 86_400_000)]), naming: ["A4 time"])
        // A laptop whose clock is a week slow (or whose hybrid clock a faster peer pulled
        // ahead) writes `at` well before the stamp: honest, and merged.
        let slow = try event(from: station, id: "\(station.identity.site.short)-000950",
                             ["at": .integer(Int64(clock.now) - 7 * 86_400_000)])
        try county.hub.merge(bundleAt: try InsiderBundle.write(from: station, changes: slow, to: folder.sub("slow-clock.fsb")))
    }

    func testTheActorIsShownByTheNameTheReplicaKnows() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let id = "\(station.identity.site.short)-000903"
        let path = try InsiderBundle.write(from: station, changes: try event(from: station, id: id, ["actor_name": .text(county.hub.identity.name)]),
                                           to: folder.sub("named.fsb"))
        try county.hub.merge(bundleAt: path)
        let shown = try XCTUnwrap(try county.hub.auditLog.events().first { $0.id == id })
        XCTAssertEqual(shown.actorName, station.identity.name)
        XCTAssertNotEqual(shown.actorName, county.hub.identity.name)
    }
}
