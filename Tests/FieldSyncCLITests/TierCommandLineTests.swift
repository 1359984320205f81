import FieldSyncTestSupport
import Foundation
import XCTest

/// Tiers as the operators meet them (sync-protocol.md §4c): the county hub's four upstream
/// commands beside the province's ordinary hub commands, with the built binary.
final class TierCommandLineTests: CLITestCase {
    func file(ofExport stdout: String) throws -> String {
        let json = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        let object = (json as? [String: Any]) ?? (json as? [[String: Any]])?.first
        return try XCTUnwrap(object?["file"] as? String, stdout)
    }

    func testACountyHubEnrolsUpstreamRelaysItsCountyAndTakesTheProvincesReturnBundle() throws {
        let (hub, station) = try enrolledPair()
        let province = folder.sub("province")
        try ok(["hub", "init", province, "--name", "青海省民政厅"])
        try ok(["hub", "request-upstream", hub, "--county", "630106", "--request", folder.sub("county-req.json")])
        try ok(["hub", "enroll", province, folder.sub("county-req.json"), "--out", folder.sub("county-enr.json")])
        try ok(["hub", "join-upstream", hub, folder.sub("county-enr.json")])
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村1号"])
        try ok(["station", "export", station, "--out", folder.sub("up") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up")])
        let up = try file(ofExport: try ok(["hub", "export-upstream", hub, "--out", folder.sub("county-up") + "/", "--json"]).stdout)
        XCTAssertTrue((up as NSString).lastPathComponent.hasPrefix("630106-to-hub-"), up)
        try ok(["hub", "merge", province, up])
        XCTAssertEqual(try ok(["digest", province, "--township", "630106"]).stdout, try ok(["digest", hub, "--township", "630106"]).stdout)
        let down = try file(ofExport: try ok(["hub", "export", province, "--out-dir", folder.sub("province-down"), "--json"]).stdout)
        let imported = try ok(["hub", "import-upstream", hub, down, "--json"]).stdout
        XCTAssertTrue(imported.contains("\"outcome\""), imported)
        // A county hub cannot move a case out of its county; the refusal changes nothing.
        let before = try ok(["digest", hub]).stdout
        let households = try ok(["station", "household", "list", station, "--json"]).stdout
        let id = try XCTUnwrap(households.range(of: #"[0-9a-f]{8}-[0-9]{6}"#, options: .regularExpression).map { String(households[$0]) })
        let refused = try run(["hub", "transfer", hub, id, "--to", "630107101"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("跨县移交由上级中心办理"), refused.stderr)
        XCTAssertEqual(try ok(["digest", hub]).stdout, before)
    }

    func testEveryUpstreamCommandHasHelpWithAnExample() throws {
        for command in ["request-upstream", "join-upstream", "export-upstream", "import-upstream"] {
            let help = try ok(["hub", command, "--help"]).stdout
            XCTAssertTrue(help.contains("Example:") && help.contains("fieldsync hub \(command)"), help)
        }
    }

    func testAJoinUpstreamWithoutARequestIsRefusedNamingTheCommandToRunFirst() throws {
        let (hub, _) = try enrolledPair()
        let refused = try run(["hub", "join-upstream", hub, folder.sub("enr.json")])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("request-upstream"), refused.stderr)
    }
}
