import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation
import XCTest

/// What a hub operator sees while the county's stations upgrade one at a time.
final class SchemaUpgradeCommandLineTests: CLITestCase {
    /// Station 630106100 enrolled with a request of the first release (no `schemaVersion`),
    /// by a hub of an earlier release that did not scope yet, so the hub takes it to run
    /// version 2 (a hub that scopes holds a station it enrolls to scoping, V7: the test sets
    /// what the earlier hub recorded); station 630106101 runs this release. The county
    /// transfers a case from 630106101 to 630106100: the transfer record (a version-3 table),
    /// the notices (version 4) and the audit events (version 5) cannot reach the first
    /// station until the hub learns it upgraded, though the case itself (version-2 tables) does.
    func testHubExportAndStatusSayWhatWaitsForAStationsUpgradeAndSendItOnceItHasUpgraded() throws {
        let hub = folder.sub("hub"), old = folder.sub("st-old"), new = folder.sub("st-new")
        try ok(["hub", "init", hub, "--name", "湟中区民政局"])
        for (dir, code) in [(old, "630106100"), (new, "630106101")] {
            let request = folder.sub("req-\(code).json")
            try ok(["station", "init", dir, "--name", "社工站\(code)", "--township", code, "--request", request])
            if code == "630106100" {
                var fields = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: request))) as? [String: Any])
                XCTAssertEqual(fields.removeValue(forKey: "schemaVersion") as? Int, CaseworkSchema.schema.version)
                try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: request))
            }
            try ok(["hub", "enroll", hub, request, "--out", folder.sub("enr-\(code).json")])
            try ok(["station", "join", dir, folder.sub("enr-\(code).json")])
            if code == "630106100" {
                let site = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: request))) as? [String: Any])["site"]
                let replica = try Replica.open(at: hub + "/replica.sqlite", schema: CaseworkSchema.schema, wallClock: { SystemWallClock.now() })
                try replica.setSetting("station-schema-version:\(try XCTUnwrap(site as? String))", "2")
            }
        }
        let household = try XCTUnwrap(ok(["station", "household", "add", new, "--township", "630106101", "--village", "阳坡村",
                                          "--address", "阳坡村3社12号", "--head-name", "马明", "--hukou", "rural", "--income", "600",
                                          "--at", "2026-11-02T09:00:00+08:00"]).stdout.split(separator: "\n").first.map(String.init))
        try ok(["station", "export", new, "--out", folder.sub("up1") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up1")])
        try ok(["hub", "transfer", hub, household, "--to", "630106100", "--note", "迁居"])

        let export = try ok(["hub", "export", hub, "--out-dir", folder.sub("down1")]).stdout
        // A station on version 2 is served the whole county (protocol version 1), so both
        // notices wait for it: 6 cells of the transfer record, 8 of each notice, and 7 of each
        // of the hub's 5 audit events (2 enrollments, the merge of st-new's bundle, the transfer
        // for each of its 2 townships).
        XCTAssertTrue(export.contains("note: 57 changes (audit_event, case_transfer, notice) wait until 社工站630106100 upgrades FieldSync: it runs case schema version 2"), export)
        XCTAssertFalse(export.contains("迁居"), "no case data in the notice")
        let status = try json(ok(["hub", "status", hub, "--json"]).stdout)
        let stations = try XCTUnwrap(status["stations"] as? [[String: Any]])
        let waiting = try XCTUnwrap(stations.first { $0["township"] as? String == "630106100" })
        XCTAssertEqual(waiting["schemaVersion"] as? Int, 2)
        XCTAssertEqual(waiting["waitingForUpgrade"] as? Int, 57)
        XCTAssertEqual(try ok(["hub", "status", hub]).stdout.components(separatedBy: "wait until").count, 2, "one station waits")
        let down1 = try FileManager.default.contentsOfDirectory(atPath: folder.sub("down1")).filter { $0.contains("630106100") }
        try ok(["station", "import", old, folder.sub("down1/") + down1[0]])
        XCTAssertEqual(try ok(["digest", old, "--schema-version", "2"]).stdout, try ok(["digest", hub, "--schema-version", "2"]).stdout,
                       "equal on what version 2 holds")
        XCTAssertNotEqual(try ok(["digest", old]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout,
                          "the transfer is not there yet")
        XCTAssertEqual(try run(["digest", hub, "--schema-version", "1"]).status, 64, "never released")

        // The station's FieldSync is this release: its next bundle says so.
        try ok(["station", "export", old, "--out", folder.sub("up2") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up2")])
        let after = try ok(["hub", "export", hub, "--out-dir", folder.sub("down2"), "--json"]).stdout
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(after.utf8)) as? [[String: Any]])
        let sent = try XCTUnwrap(results.first { ($0["file"] as? String)?.contains("630106100") == true })
        XCTAssertEqual(sent["waitingForUpgrade"] as? Int, 0)
        // Upgraded, it is served its township's feed: the transfer and only its own notice.
        XCTAssertEqual((sent["tableCounts"] as? [String: Int])?["case_transfer"], 6)
        XCTAssertEqual((sent["tableCounts"] as? [String: Int])?["notice"], 8)
        try ok(["station", "import", old, try XCTUnwrap(sent["file"] as? String)])
        XCTAssertEqual(try ok(["digest", old]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout)
    }
}
