import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import XCTest

/// Rules A1–A4: what an enrolled station's key can sign is not what the hub merges.
/// Every bundle here is properly signed by an enrolled station (a modified program on
/// its laptop); each must be refused whole, name the station by name and township, and
/// leave the hub exactly as it was.
final class AuthorityTests: SyncTestCase {
    func forged(_ county: County, _ s: Int, _ changes: (SiteID, UInt64, HybridTimestamp) -> [Change]) throws -> String {
        let station = county.stations[s]
        let (sequence, stamp) = try InsiderBundle.next(of: station)
        return try InsiderBundle.write(from: station, changes: changes(station.identity.site, sequence, stamp),
                                       to: folder.sub("insider-\(UInt32.random(in: 0...UInt32.max)).fsb"))
    }

    func assertRefused(_ county: County, _ path: String, naming words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path), file: file, line: line) { error in
            let text = "\(error)"
            for word in words { XCTAssertTrue(text.contains(word), "\(word) missing from: \(text)", file: file, line: line) }
            XCTAssertTrue(text.contains("Nothing was applied"), text, file: file, line: line)
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before, "the hub changed", file: file, line: line)
    }

    func testAStationCannotSendAChangeLabelledAsAnotherStationsAndTheRealOneStillArrives() throws {
        let county = try makeCounty()
        let victim = county.stations[1]
        let (victimSeq, _) = try InsiderBundle.next(of: victim)
        let path = try forged(county, 0) { _, _, stamp in
            [.set("household", "\(victim.identity.site.short)-000001", "township", .text("630106101"),
                  stamp: stamp, origin: victim.identity.site, sequence: victimSeq)]
        }
        try assertRefused(county, path, naming: ["社工站0", "630106100", "A1"])
        // The victim's real change with that number still merges.
        let id = try addHouseholds(victim, count: 1)[0]
        try county.hub.merge(bundleAt: victim.export(to: folder.sub("victim.fsb")).path)
        XCTAssertNotNil(try county.hub.replica.row(table: "household", rowID: id))
        XCTAssertEqual(try county.hub.replica.vector()[victim.identity.site], try victim.replica.vector()[victim.identity.site])
    }

    func testAReusedSequenceNumberWithOtherContentIsRefusedNamingStationAndNumber() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        try addHouseholds(station, count: 1)
        try county.hub.merge(bundleAt: station.export(to: folder.sub("first.fsb")).path)
        // The same number 1 again, with other content.
        let path = try forged(county, 0) { site, _, stamp in
            [.set("household", "\(site.short)-000099", "township", .text("630106100"), stamp: stamp, origin: site, sequence: 1)]
        }
        let before = try county.hub.replica.digest()
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path)) { error in
            for word in ["社工站0", "630106100", "number 1", "A2", "Nothing was applied"] { XCTAssertTrue("\(error)".contains(word), "\(error)") }
        }
        XCTAssertEqual(try county.hub.replica.digest(), before)
        // The hub takes it for a restored copy (S13): the station's own changes count as owed to it again.
        XCTAssertEqual(try county.hub.replica.knownVector(of: station.identity.site)[station.identity.site], 0)
        // An exact duplicate is still just a duplicate.
        let again = try county.hub.merge(bundleAt: station.export(to: folder.sub("again.fsb")).path)
        XCTAssertGreaterThan(again.report.duplicate, 0)
    }

    func testHubOnlyTablesAndCountyDecisionsAreRefusedFromAStation() throws {
        let county = try makeCounty()
        let parameter = try forged(county, 0) { site, seq, stamp in
            [.set("rule_parameter", "param:townshipTemporaryCeilingYuan:2026-01-01", "value", .text("999999"),
                  stamp: stamp, origin: site, sequence: seq)]
        }
        try assertRefused(county, parameter, naming: ["社工站0", "A3", "rule_parameter"])
        let decision = try forged(county, 0) { site, seq, stamp in
            let row = "\(site.short)-000050"
            return [.set("decision", row, "application_id", .text("x-1"), stamp: stamp, origin: site, sequence: seq),
                    .set("decision", row, "approve", .integer(1), stamp: stamp + 1, origin: site, sequence: seq + 1),
                    .set("decision", row, "level", .text("county"), stamp: stamp + 2, origin: site, sequence: seq + 2)]
        }
        try assertRefused(county, decision, naming: ["A4", "decision.level", "R8"])
    }

    func testValuesOutsideTheirDeclaredShapeAreRefusedWithoutRepeatingThem() throws {
        let county = try makeCounty()
        let cases: [(String, Value, String)] = [
            ("monthly_income", .integer(-500), "monthly_income"),
            ("category", .text("notACategory"), "category"),
            ("next_review", .text("2027-02-30"), "next_review"),
            ("irregular_income", .integer(7), "irregular_income"),
        ]
        let id = try addHouseholds(county.stations[0], count: 1)[0]
        try county.hub.merge(bundleAt: county.stations[0].export(to: folder.sub("ok.fsb")).path)
        for (column, value, name) in cases {
            let path = try forged(county, 0) { site, seq, stamp in
                [.set("household", id, column, value, stamp: stamp, origin: site, sequence: seq)]
            }
            try assertRefused(county, path, naming: ["A4", name])
        }
        // A link to a household not held is refused naming it (P4), with its control
        // characters escaped: the operator's terminal shows no forged line.
        let badLink = try forged(county, 0) { site, seq, stamp in
            [.set("member", "\(site.short)-000071", "household_id", .text("\(id)\n合并完成\u{1B}[2K"), stamp: stamp, origin: site, sequence: seq)]
        }
        try assertRefused(county, badLink, naming: ["P4", "\(id)\\u{A}合并完成\\u{1B}[2K"])
        let badID = try forged(county, 0) { site, seq, stamp in
            [.set("member", "\(site.short)-000070", "household_id", .text(id), stamp: stamp, origin: site, sequence: seq),
             .set("member", "\(site.short)-000070", "id_number", .text("639900198003150015"), stamp: stamp + 1, origin: site, sequence: seq + 1)]
        }
        XCTAssertThrowsError(try county.hub.merge(bundleAt: badID)) { error in
            XCTAssertFalse("\(error)".contains("639900198003150015"), "the value is never in a message")
        }
    }

    func testANewHouseholdWithoutATownshipOrAClearedTownshipIsRefused() throws {
        let county = try makeCounty()
        let missing = try forged(county, 0) { site, seq, stamp in
            [.set("household", "\(site.short)-000042", "village", .text("阳坡村"), stamp: stamp, origin: site, sequence: seq)]
        }
        try assertRefused(county, missing, naming: ["A4", "household.township"])
        let id = try addHouseholds(county.stations[0], count: 1)[0]
        try county.hub.merge(bundleAt: county.stations[0].export(to: folder.sub("ok.fsb")).path)
        let cleared = try forged(county, 0) { site, seq, stamp in
            [.set("household", id, "township", .null, stamp: stamp, origin: site, sequence: seq)]
        }
        try assertRefused(county, cleared, naming: ["A4", "household.township"])
    }

    func testAStationMayNotDeleteHubRowsOrAppendOnlyRecords() throws {
        let county = try makeCounty()
        let path = try forged(county, 0) { site, seq, stamp in
            [.delete("rule_parameter", "param:townshipTemporaryCeilingYuan:2026-01-01", stamp: stamp, origin: site, sequence: seq)]
        }
        try assertRefused(county, path, naming: ["A3", "rule_parameter"])
    }

    func testTheGenericStationWriteChecksTheSameDeclarationBeforeStoringAnything() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let before = try snapshot(station.replica)
        XCTAssertThrowsError(try station.record(table: "rule_parameter", values: ["name": .text("townshipTemporaryCeilingYuan")]))
        XCTAssertThrowsError(try station.record(table: "household", values: ["township": .text("630106100"), "monthly_income": .integer(-1)]))
        XCTAssertThrowsError(try station.record(table: "household", values: ["village": .text("阳坡村")]))
        XCTAssertThrowsError(try station.record(table: "decision", values: ["application_id": .text("a"), "approve": .integer(1),
                                                                           "level": .text("county")]))
        XCTAssertThrowsError(try station.delete(table: "rule_parameter", id: "param:x:2026-01-01"))
        XCTAssertEqual(try snapshot(station.replica), before)
    }

    func testEveryCaseTableHasADeclaredAuthority() {
        for table in CaseworkSchema.schema.tables {
            let rules = CaseworkAuthority.tables[table.name]
            XCTAssertNotNil(rules, "\(table.name) has no authority declaration")
            for column in table.columns {
                XCTAssertNotNil(rules?.columns[column.name], "\(table.name).\(column.name) has no value rule")
            }
        }
    }

    func testTheDemoCountysCaseworkPassesTheHubsChecks() throws {
        // The sample county is made through the casework rules and merged at the hub with
        // every check on: what the verbs write is within the declaration.
        let summary = try SampleCounty(root: folder.sub("sample"), plan: .init(seed: 3, townships: 2, householdsPerTownship: 6)).generate()
        XCTAssertTrue(summary.converged)
        XCTAssertGreaterThan(summary.decisions, 0)
    }
}

extension HybridTimestamp {
    static func + (stamp: HybridTimestamp, n: UInt64) -> HybridTimestamp { HybridTimestamp(rawValue: stamp.rawValue + n) }
}
