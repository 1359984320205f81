import FieldSyncTestSupport
import Foundation
import XCTest

/// The review queue, `hub resolve` and `station notices` through the built binary.
final class ConflictReviewCommandLineTests: CLITestCase {
    /// A hub and two stations whose concurrent income edits of one household conflict at
    /// the hub (station B's later edit wins), through a transfer race: A changes the income
    /// of its case and its bundle stays on a stick, the county transfers the case to B, B
    /// receives it and changes the income, then A's late stick is merged. Returns the
    /// folders and the household.
    func conflictingStations() throws -> (hub: String, a: String, b: String, household: String) {
        let hub = folder.sub("hub"), a = folder.sub("a"), b = folder.sub("b")
        try ok(["hub", "init", hub, "--name", "湟中区民政局"])
        for (dir, name, township) in [(a, "鲁沙尔镇社工站", "630106100"), (b, "田家寨镇社工站", "630106101")] {
            try ok(["station", "init", dir, "--name", name, "--township", township, "--request", dir + ".req.json"])
            try ok(["hub", "enroll", hub, dir + ".req.json", "--out", dir + ".enr.json"])
            try ok(["station", "join", dir, dir + ".enr.json"])
        }
        let household = try ok(["station", "household", "add", a, "--township", "630106100", "--village", "阳坡村",
                                 "--address", "阳坡村3社12号", "--head-name", "马明", "--hukou", "rural", "--income", "600"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try sync(hub, [a, b], round: "1")
        try ok(["station", "household", "edit", a, household, "--income", "900"])
        let late = folder.sub("late")
        try ok(["station", "export", a, "--out", late + "/"])
        try ok(["hub", "transfer", hub, household, "--to", "630106101"])
        try deliver(hub, [a, b], round: "transfer")
        Thread.sleep(forTimeInterval: 0.01)
        try ok(["station", "household", "edit", b, household, "--income", "1100"])
        let fromB = folder.sub("b-edit")
        try ok(["station", "export", b, "--out", fromB + "/"])
        try ok(["hub", "merge", hub, fromB])
        try ok(["hub", "merge", hub, late])
        try sync(hub, [a, b], round: "2")
        return (hub, a, b, household)
    }

    /// Every station exports, the hub merges and writes return bundles, every station imports.
    func sync(_ hub: String, _ stations: [String], round: String) throws {
        let up = folder.sub("up-\(round)")
        for station in stations { try ok(["station", "export", station, "--out", up + "/"]) }
        try ok(["hub", "merge", hub, up])
        try deliver(hub, stations, round: round)
    }

    /// The hub writes return bundles and every station imports its own.
    func deliver(_ hub: String, _ stations: [String], round: String) throws {
        let down = folder.sub("down-\(round)")
        let written = try ok(["hub", "export", hub, "--out-dir", down, "--json"]).stdout
        let files = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [[String: Any]]).compactMap { $0["file"] as? String }
        for station in stations {
            let township = station == stations[0] ? "630106100" : "630106101"
            try ok(["station", "import", station, try XCTUnwrap(files.first { $0.contains("hub-to-\(township)") })])
        }
    }

    func testConflictsAreListedMaskedUnlessRevealedWithBothStationsAndTheCase() throws {
        let (hub, _, _, household) = try conflictingStations()
        let listed = try ok(["hub", "conflicts", hub]).stdout
        XCTAssertTrue(listed.contains("household.monthly_income") && listed.contains(household), listed)
        XCTAssertTrue(listed.contains("鲁沙尔镇社工站 (630106100)") && listed.contains("田家寨镇社工站 (630106101)"), listed)
        XCTAssertFalse(listed.contains("900") || listed.contains("1100"), "income is masked: \(listed)")

        let masked = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ok(["hub", "conflicts", hub, "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(masked.count, 1)
        XCTAssertEqual(masked[0]["winner"] as? String, "‹personal›")
        XCTAssertEqual(masked[0]["household"] as? String, household)
        XCTAssertEqual((masked[0]["loserBy"] as? [String: Any])?["township"] as? String, "630106100")
        let revealed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ok(["hub", "conflicts", hub, "--json", "--reveal"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(revealed[0]["winner"] as? Int, 1100)
        XCTAssertEqual(revealed[0]["loser"] as? Int, 900)
    }

    func testResolveKeepsOneSideOnceRefusesBadInputAndTheStationsSeeTheirNotices() throws {
        let (hub, a, b, household) = try conflictingStations()
        let before = try ok(["digest", hub]).stdout
        let bad = try run(["hub", "resolve", hub, "1", "--value=-300"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("household.monthly_income") && !bad.stderr.contains("300"), bad.stderr)
        XCTAssertNotEqual(try run(["hub", "resolve", hub, "1", "--keep", "loser", "--value", "5"]).status, 0, "one of --keep, --value")
        XCTAssertEqual(try ok(["digest", hub]).stdout, before, "nothing written")

        let resolved = try json(ok(["hub", "resolve", hub, "1", "--keep", "鲁沙尔镇社工站", "--note", "入户核实", "--by", "李芳", "--json"]).stdout)
        XCTAssertEqual(resolved["outcome"] as? String, "kept loser")
        XCTAssertEqual(resolved["changes"] as? Int, 1)
        let again = try run(["hub", "resolve", hub, "1", "--keep", "winner"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already resolved"), again.stderr)

        let all = try ok(["hub", "conflicts", hub, "--all"]).stdout
        XCTAssertTrue(all.contains("by 李芳: kept loser") && !all.contains("入户核实"), "the note is masked without --reveal: \(all)")
        XCTAssertEqual(try ok(["hub", "conflicts", hub]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "没有待处理的冲突 / no open conflicts")

        try sync(hub, [a, b], round: "3")
        let shown = try json(ok(["station", "show", b, "household", household, "--json"]).stdout)
        XCTAssertEqual(shown["monthly_income"] as? Int, 900, "the kept value reached the station holding the case")
        XCTAssertNotEqual(try run(["station", "show", a, "household", household]).status, 0, "the giving station holds the case no more")
        // A gave the case away; the notices addressed to its township still reach it.
        let notices = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ok(["station", "notices", a, "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(notices.map { $0["kind"] as? String }, ["resolved", "underReview", "transferredOut"])
        let text = try ok(["station", "notices", a]).stdout
        XCTAssertTrue(text.contains("已处理 resolved") && text.contains("this station's value was kept"), text)
        // The transfer notice names the case by its row id, whose hex digits could hold either value by chance.
        let words = text.replacingOccurrences(of: household, with: "‹household›")
        XCTAssertFalse(words.contains("900") || words.contains("1100"), text)
        XCTAssertEqual(try ok(["station", "notices", b, "--kind", "resolved"]).stdout.components(separatedBy: "the other edit's value was kept").count, 2)
        XCTAssertTrue(try ok(["station", "status", a]).stdout.contains("3 notices from the hub"))
        XCTAssertEqual(try run(["station", "notices", a, "--kind", "bogus"]).status, 1)
    }
}
