import Foundation
import XCTest

/// `fieldsync audit DIR`: the log of a hub or a station, as an operator and a script read it.
final class AuditCommandLineTests: CLITestCase {
    func events(_ dir: String, _ more: [String] = []) throws -> [[String: Any]] {
        let out = try ok(["audit", dir, "--json"] + more).stdout
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]], out)
    }

    func testAuditJSONListsTheHubsAndTheStationsEventsNewestFirstWithoutPersonalValues() throws {
        let (hub, station) = try enrolledPair()
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural",
                "--head-name", "马明", "--address", "阳坡村3社12号"])
        try ok(["station", "export", station, "--out", folder.sub("up") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up")])

        let atHub = try events(hub)
        XCTAssertEqual(atHub.map { $0["action"] as? String }, ["merged", "enrolled"], "newest first")
        let merged = atHub[0]
        XCTAssertEqual(merged["township"] as? String, "630106100")
        XCTAssertEqual(merged["actorName"] as? String, "湟中区民政局")
        XCTAssertNotNil(merged["subject"] as? String)
        XCTAssertTrue((merged["at"] as? String)?.hasSuffix("+08:00") ?? false)
        XCTAssertEqual(try events(hub, ["--action", "enrolled"]).count, 1)
        XCTAssertEqual(try events(hub, ["--limit", "1"]).map { $0["action"] as? String }, ["merged"])
        XCTAssertEqual(try events(hub, ["--since", "2999-01-01"]).count, 0)

        let text = try ok(["audit", hub]).stdout
        for word in ["操作 action", "合并 merged", "登记 enrolled", "湟中区民政局"] { XCTAssertTrue(text.contains(word), "\(word): \(text)") }
        for personal in ["马明", "阳坡村3社12号"] { XCTAssertFalse(text.contains(personal), "\(personal) shown: \(text)") }

        let out = try ok(["hub", "export", hub, "--out-dir", folder.sub("down"), "--json"]).stdout
        let file = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])?.first?["file"] as? String)
        try ok(["station", "import", station, file])
        XCTAssertEqual(Set(try events(station).compactMap { $0["action"] as? String }), ["merged", "enrolled"],
                       "the hub's events about this station reached it")
    }

    func testAuditRefusesAnUnknownActionAndABadDateAndExplainsInBothLanguages() throws {
        let (hub, _) = try enrolledPair()
        let action = try run(["audit", hub, "--action", "stolen"])
        XCTAssertNotEqual(action.status, 0)
        XCTAssertTrue(action.stderr.contains("--action"), action.stderr)
        let since = try run(["audit", hub, "--since", "yesterday"])
        XCTAssertNotEqual(since.status, 0)
        XCTAssertTrue(since.stderr.contains("日期无效") && since.stderr.contains("--since must be"), since.stderr)
        let help = try ok(["audit", "--help"]).stdout
        XCTAssertTrue(help.contains("Example:") && help.contains("fieldsync audit"), help)
    }
}
