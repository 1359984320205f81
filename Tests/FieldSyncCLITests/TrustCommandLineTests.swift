import FieldSyncCore
import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Rules A1–A4 and S13 as a hub operator and a caseworker meet them: a modified laptop's
/// bundle refused in one line at `hub merge`; a station folder restored from a backup
/// told what happened at `station import` and repaired by `station repair`.
final class TrustCommandLineTests: CLITestCase {
    var trips = 0

    func addHousehold(_ station: String, _ address: String) throws {
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", address])
    }

    /// Export, merge, return bundle, import; returns the import's stderr.
    @discardableResult
    func trip(_ hub: String, _ station: String) throws -> String {
        trips += 1
        try ok(["station", "export", station, "--out", folder.sub("up-\(trips)") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up-\(trips)")])
        return try importReturn(hub, station)
    }

    func importReturn(_ hub: String, _ station: String) throws -> String {
        trips += 1
        let out = try ok(["hub", "export", hub, "--out-dir", folder.sub("down-\(trips)"), "--json"]).stdout
        let file = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])?.first?["file"] as? String)
        return try ok(["station", "import", station, file]).stderr
    }

    func testHubMergeRefusesAModifiedLaptopsBundleInOneLineNamingStationAndRule() throws {
        let (hub, station) = try enrolledPair()
        let before = try ok(["digest", hub]).stdout
        let path = folder.sub("insider.fsb")
        do {
            let laptop = try Station.open(at: station)
            let (sequence, stamp) = try InsiderBundle.next(of: laptop)
            try InsiderBundle.write(from: laptop, changes: [
                .set("rule_parameter", "param:townshipTemporaryCeilingYuan:2026-01-01", "value", .text("999999"),
                     stamp: stamp, origin: laptop.identity.site, sequence: sequence),
            ], to: path)
        }
        let refused = try run(["hub", "merge", hub, path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        for word in ["鲁沙尔镇社工站", "630106100", "A3", "rule_parameter", "县级中心", "Nothing was applied"] {
            XCTAssertTrue(refused.stderr.contains(word), "\(word): \(refused.stderr)")
        }
        XCTAssertFalse(refused.stderr.contains("999999"), "the value is never repeated")
        XCTAssertEqual(try ok(["digest", hub]).stdout, before)
    }

    func testAStationFolderRestoredFromABackupIsToldAndRepairedAndNothingIsLost() throws {
        let (hub, station) = try enrolledPair()
        try addHousehold(station, "阳坡村1号")
        try trip(hub, station)
        let backup = folder.sub("backup")
        try FileManager.default.copyItem(atPath: station, toPath: backup)
        try addHousehold(station, "阳坡村2号")
        try addHousehold(station, "阳坡村3号")
        try trip(hub, station)
        // The laptop's folder is put back from the backup, and the caseworker keeps working.
        try FileManager.default.removeItem(atPath: station)
        try FileManager.default.moveItem(atPath: backup, toPath: station)
        try addHousehold(station, "阳坡村4号")

        try ok(["station", "export", station, "--out", folder.sub("restored-up") + "/"])
        let refused = try run(["hub", "merge", hub, folder.sub("restored-up")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("restored from an older copy"), refused.stderr)
        let told = try importReturn(hub, station)
        XCTAssertTrue(told.contains("fieldsync station repair") && told.contains("备份"), told)
        XCTAssertTrue(try ok(["station", "status", station]).stderr.contains("station repair"))
        let repaired = try json(ok(["station", "repair", station, "--json"]).stdout)
        XCTAssertEqual(repaired["renamedRows"] as? Int, 1)
        XCTAssertTrue(try trip(hub, station).isEmpty, "the warning is gone once the hub's copy is taken")
        try trip(hub, station)

        XCTAssertEqual(try json(ok(["station", "status", station, "--json"]).stdout)["changesOwed"] as? Int, 0)
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub]).stdout)
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok(["station", "household", "list", station, "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(list.count, 4, "every household, once each")
        let again = try run(["station", "repair", station])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("nothing to repair"), again.stderr)
    }
}
