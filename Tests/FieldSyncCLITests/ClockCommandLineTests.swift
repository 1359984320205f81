import Foundation
import XCTest

/// A laptop whose date ran a year ahead, met through the command line: the hub's refusal,
/// the warning on every station command, `station clock` and its `--repair`.
final class ClockCommandLineTests: CLITestCase {
    private let yearAhead = ["FIELDSYNC_CLOCK_OFFSET_MS": "\(365 * 24 * 3_600_000)"]

    private func roundTrip(_ hub: String, _ station: String, _ name: String) throws {
        try ok(["station", "export", station, "--out", folder.sub(name) + "/"])
        try ok(["hub", "merge", hub, folder.sub(name)])
        try importReturn(hub, station, name + "-back")
    }

    private func importReturn(_ hub: String, _ station: String, _ name: String) throws {
        let back = try ok(["hub", "export", hub, "--out-dir", folder.sub(name), "--json"]).stdout
        let file = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(back.utf8)) as? [[String: Any]])?.first?["file"] as? String)
        try ok(["station", "import", station, file])
    }

    func testStationAYearAheadIsRefusedByNameWarnedRepairedAndConverges() throws {
        let (hub, station) = try enrolledPair()
        let first = try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural",
                            "--address", "阳坡村3社12号"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try roundTrip(hub, station, "s1")
        XCTAssertFalse(try ok(["station", "status", station]).stderr.contains("时钟"), "clocks agree: no clock warning")

        // The date jumps a year ahead: every station command warns, on stderr only.
        let recorded = try ok(["station", "household", "edit", station, first, "--address", "阳坡村4社1号", "--income", "900"],
                              environment: yearAhead)
        XCTAssertTrue(recorded.stderr.contains("warning"), recorded.stderr)
        XCTAssertTrue(recorded.stderr.contains("警告"), recorded.stderr)
        XCTAssertTrue(recorded.stderr.contains("fieldsync station clock \(station)"), recorded.stderr)
        XCTAssertFalse(recorded.stderr.contains("阳坡村"), "no personal data in the warning")
        let second = try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural",
                             "--village", "阳坡村", "--head-name", "马明", "--income", "600"], environment: yearAhead)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["station", "export", station, "--out", folder.sub("early") + "/"], environment: yearAhead)

        // The hub refuses, naming the station by name and township.
        let refused = try run(["hub", "merge", hub, folder.sub("early")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("鲁沙尔镇社工站"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("630106100"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("station clock"), "<<\(refused.stderr)>>")
        let earlyFile = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: folder.sub("early")).first)
        let dryRun = try run(["bundle", "inspect", folder.sub("early") + "/" + earlyFile, "--key", hub + "/identity.json", "--against", hub])
        XCTAssertEqual(dryRun.status, 1)
        XCTAssertTrue(dryRun.stderr.contains("鲁沙尔镇社工站 (township 630106100)"), dryRun.stderr)
        let status = try json(ok(["hub", "status", hub, "--json"]).stdout)
        let skew = try XCTUnwrap(((status["stations"] as? [[String: Any]])?.first?["largestClockSkew"] as? [String: Any])?["millis"] as? Int)
        XCTAssertGreaterThan(skew, 364 * 24 * 3_600_000)
        XCTAssertTrue(try ok(["hub", "status", hub]).stdout.contains("largest clock skew +36"))

        // While the date is still wrong, --repair is refused in both languages and changes nothing.
        try importReturn(hub, station, "back-wrong")
        let digestBefore = try ok(["digest", station]).stdout
        let wrong = try run(["station", "clock", station, "--repair"], environment: yearAhead)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("看来仍不正确") && wrong.stderr.contains("still looks wrong"), wrong.stderr)
        XCTAssertEqual(try ok(["digest", station]).stdout, digestBefore)

        // The date is corrected: the station is still refused, and `station clock` says why.
        try ok(["station", "export", station, "--out", folder.sub("still") + "/"])
        XCTAssertEqual(try run(["hub", "merge", hub, folder.sub("still")]).status, 1)
        let shown = try ok(["station", "clock", station])
        XCTAssertTrue(shown.stdout.contains("--repair"), shown.stdout)
        XCTAssertTrue(shown.stderr.contains("replica clock"), "the replica clock is a year ahead: warned")
        let report = try json(ok(["station", "clock", station, "--json"]).stdout)
        XCTAssertEqual(report["verdict"] as? String, "repairNeeded")
        let owed = try XCTUnwrap(report["owedChanges"] as? Int)
        XCTAssertGreaterThan(owed, 2)
        XCTAssertEqual(report["owedInFuture"] as? Int, owed)
        XCTAssertGreaterThan(report["replicaMinusWallMillis"] as? Int ?? 0, 364 * 24 * 3_600_000)

        let repaired = try json(ok(["station", "clock", station, "--repair", "--json"]).stdout)
        XCTAssertEqual((repaired["repair"] as? [String: Any])?["restamped"] as? Int, owed)
        XCTAssertEqual(repaired["verdict"] as? String, "ok")
        XCTAssertEqual(repaired["owedChanges"] as? Int, owed)
        XCTAssertFalse(try ok(["station", "status", station]).stderr.contains("时钟"), "no clock warning once repaired")

        // Nothing lost: the hub merges, everything converges, the stick from before is refused.
        try roundTrip(hub, station, "s2")
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub]).stdout)
        XCTAssertEqual(try json(ok(["station", "status", station, "--json"]).stdout)["changesOwed"] as? Int, 0)
        try ok(["station", "household", "show", station, second])
        XCTAssertEqual(try run(["hub", "merge", hub, folder.sub("early")]).status, 1)
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub]).stdout)
    }
}
