import FieldSyncCore
import FieldSyncDomain
import FieldSyncTestSupport
import Foundation
import XCTest

/// `hub duplicates`, `hub pending`, the county figures of `hub status` and the station's
/// same-ID-number warning, through the built binary.
final class HubCountyCommandLineTests: CLITestCase {
    let number = "639900198003150014"
    let personName = "韩福祥"
    /// Every log line too, to prove that none carries the number or the personName.
    let verbose = ["FIELDSYNC_LOG": "debug"]

    /// A hub and two joined stations (townships 630106100 and 630106101).
    func county() throws -> (hub: String, stations: [String]) {
        let (hub, first) = try enrolledPair()
        let second = folder.sub("station2")
        try ok(["station", "init", second, "--name", "田家寨镇社工站", "--township", "630106101", "--request", folder.sub("req2.json")])
        try ok(["hub", "enroll", hub, folder.sub("req2.json"), "--out", folder.sub("enr2.json")])
        try ok(["station", "join", second, folder.sub("enr2.json")])
        return (hub, [first, second])
    }

    func household(_ station: String, township: String) throws -> String {
        try ok(["station", "household", "add", station, "--township", township, "--hukou", "rural", "--head-name", personName,
                "--at", "2026-11-02T09:00:00+08:00"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func addMember(_ station: String, _ household: String, json: Bool = false) throws -> Run {
        try ok(["station", "member", "add", station, household, "--name", personName, "--id-number", number, "--relation", "head",
                "--labour-capacity", "full", "--at", "2026-11-02T09:10:00+08:00"] + (json ? ["--json"] : []), environment: verbose)
    }

    func assertNothingPersonal(_ run: Run, file: StaticString = #filePath, line: UInt = #line) {
        for text in [run.stdout, run.stderr] {
            XCTAssertFalse(text.contains(number) || text.contains(String(number.prefix(14))) || text.contains(personName),
                           "personal data in output or logs: \(text)", file: file, line: line)
        }
    }

    func testStationWarnsOfAnIDNumberItHoldsOnStandardErrorAndInJSON() throws {
        let (_, stations) = try county()
        let h1 = try household(stations[0], township: "630106100")
        let h2 = try household(stations[0], township: "630106100")
        let first = try addMember(stations[0], h1)
        XCTAssertEqual(first.stderr.contains("warning"), false)
        let m1 = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let second = try addMember(stations[0], h2)
        XCTAssertEqual(second.stdout.split(separator: "\n").count, 1, "the id alone on stdout: \(second.stdout)")
        XCTAssertTrue(second.stderr.contains("身份证号") && second.stderr.contains("ID number"), second.stderr)
        XCTAssertTrue(second.stderr.contains(m1) && second.stderr.contains(h1), second.stderr)
        assertNothingPersonal(second)

        let third = try addMember(stations[0], h2, json: true)
        let warning = try XCTUnwrap(json(third.stdout)["sameIDNumber"] as? [String: Any])
        let others = try XCTUnwrap(warning["others"] as? [[String: Any]])
        XCTAssertEqual(Set(others.compactMap { $0["member"] as? String }).count, 2, "both earlier members: \(others)")
        assertNothingPersonal(third)
    }

    func testDuplicatesPendingAndStatusForTheCounty() throws {
        let (hub, stations) = try county()
        let h1 = try household(stations[0], township: "630106100")
        try addMember(stations[0], h1)
        let h2 = try household(stations[1], township: "630106101")
        try addMember(stations[1], h2)
        let medical = try ok(["station", "apply", stations[1], h2, "--category", "medical", "--channel", "window",
                              "--at", "2026-11-03T09:00:00+08:00"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (i, station) in stations.enumerated() {
            try ok(["station", "export", station, "--out", folder.sub("up\(i)/")])
        }
        let before = try json(ok(["hub", "status", hub, "--json"]).stdout)
        let unknown = try XCTUnwrap((before["stations"] as? [[String: Any]])?.first?["overview"] as? [String: Any])
        XCTAssertTrue(unknown["changesStillOwed"] is NSNull || unknown["changesStillOwed"] == nil, "\(unknown)")
        try ok(["hub", "merge", hub, folder.sub("up0"), folder.sub("up1")], environment: verbose)

        let found = try ok(["hub", "duplicates", hub, "--json"], environment: verbose)
        assertNothingPersonal(found)
        let report = try json(found.stdout)
        let groups = try XCTUnwrap(report["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.count, 1)
        XCTAssertEqual(groups.first?["kind"] as? String, "twoStations")
        XCTAssertEqual(groups.first?["households"] as? [String], [h1, h2].sorted())
        XCTAssertEqual(report["noticesWritten"] as? Int, 2)
        XCTAssertEqual(try json(ok(["hub", "duplicates", hub, "--json"]).stdout)["noticesWritten"] as? Int, 0, "a rescan notifies nobody again")
        let table = try ok(["hub", "duplicates", hub]).stdout
        XCTAssertTrue(table.contains(groups.first?["reference"] as? String ?? "?") && table.contains("two stations"), table)

        let exported = try ok(["hub", "export", hub, "--out-dir", folder.sub("down")], environment: verbose)
        assertNothingPersonal(exported)
        for (station, code) in zip(stations, ["630106100", "630106101"]) {
            let file = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: folder.sub("down")).first { $0.contains(code) })
            try ok(["station", "import", station, folder.sub("down/") + file])
            let notices = try ok(["station", "notices", station, "--kind", "duplicate"], environment: verbose)
            assertNothingPersonal(notices)
            XCTAssertTrue(notices.stdout.contains("疑似重复人员") && notices.stdout.contains("Possible duplicate person")
                          && notices.stdout.contains(groups.first?["reference"] as? String ?? "?"), notices.stdout)
        }

        let pending = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok(["hub", "pending", hub, "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(pending.map { $0["application"] as? String }, [medical])
        XCTAssertEqual(pending.first?["township"] as? String, "630106101")
        XCTAssertEqual(pending.first?["station"] as? String, "田家寨镇社工站")
        XCTAssertNotNil(pending.first?["waitedSeconds"] as? Int)
        XCTAssertTrue(try ok(["hub", "pending", hub]).stdout.contains(medical))

        let status = try json(ok(["hub", "status", hub, "--json"]).stdout)
        let overviews = try XCTUnwrap(status["stations"] as? [[String: Any]]).map { try XCTUnwrap($0["overview"] as? [String: Any]) }
        XCTAssertEqual(overviews.map { $0["householdsInScope"] as? Int }, [1, 1])
        XCTAssertEqual(overviews.map { $0["duplicateGroups"] as? Int }, [1, 1])
        XCTAssertEqual(overviews.map { $0["pendingDecisions"] as? Int }, [0, 1])
        XCTAssertEqual(overviews.map { $0["changesStillOwed"] as? Int }, [0, 0])
        XCTAssertEqual(overviews.map { ($0["lastSent"] as? [String: Any])?["file"] as? String },
                       ["hub-to-630106100-", "hub-to-630106101-"].map { prefix in
                           try? FileManager.default.contentsOfDirectory(atPath: folder.sub("down")).first { $0.hasPrefix(prefix) } })
        let text = try ok(["hub", "status", hub]).stdout
        XCTAssertTrue(text.contains("duplicate groups 1") && text.contains("last received"), text)
    }

    func testCountyCommandsHaveHelpWithAnExample() throws {
        for command in ["duplicates", "pending", "status"] {
            let help = try ok(["hub", command, "--help"]).stdout
            XCTAssertTrue(help.contains("Example:") && help.contains("fieldsync hub \(command)") && help.contains("--json"), help)
        }
    }

    func testDuplicatesOnAFolderThatIsNotAHubFailsClearly() throws {
        let result = try run(["hub", "duplicates", folder.sub("nothing")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("not a FieldSync hub folder"), result.stderr)
    }
}
