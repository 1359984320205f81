import FieldSyncTestSupport
import Foundation
import XCTest

/// `fieldsync hub rotate-key` as the hub's operator runs it, on sealed keys.
final class HubRotateKeyCommandLineTests: CLITestCase {
    func testRotatedHubsStationSwitchesOnImportAndTheNextRoundIsSignedByTheNewKey() throws {
        let (hub, station) = try enrolledPair(protected: true)
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        let rotation = try json(ok(["hub", "rotate-key", hub, "--json"]).stdout)
        let newKey = try XCTUnwrap(rotation["signingKey"] as? String)
        let oldKey = try XCTUnwrap(rotation["previousSigningKey"] as? String)
        XCTAssertNotEqual(newKey, oldKey)
        XCTAssertEqual(rotation["stationsToSwitch"] as? Int, 1)
        XCTAssertEqual(try trustedHubKey(hub)?["current"] as? Bool, false, "the station has not heard of the new key")
        XCTAssertTrue(try ok(["hub", "status", hub]).stdout.contains("trusts an earlier hub key"))

        // Exported before the station heard of it: encrypted to the old key, still merged.
        try ok(["station", "export", station, "--out", folder.sub("up1") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up1")])
        try ok(["hub", "export", hub, "--out-dir", folder.sub("down1")])
        let first = try json(ok(["bundle", "verify", firstBundle(in: "down1"), "--json"]).stdout)
        XCTAssertEqual(first["signer"] as? String, oldKey, "the announcement comes signed by the key the station trusts")
        try ok(["station", "import", station, firstBundle(in: "down1")])

        try ok(["station", "export", station, "--out", folder.sub("up2") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up2")])
        XCTAssertEqual(try trustedHubKey(hub)?["current"] as? Bool, true, "its bundle was encrypted to the new key")
        try ok(["hub", "export", hub, "--out-dir", folder.sub("down2")])
        let second = try json(ok(["bundle", "verify", firstBundle(in: "down2"), "--json"]).stdout)
        XCTAssertEqual(second["signer"] as? String, newKey)
        try ok(["station", "import", station, firstBundle(in: "down2")])
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout)
    }

    /// `hub status --json`'s trustedHubKey of the only station.
    func trustedHubKey(_ hub: String) throws -> [String: Any]? {
        let stations = try XCTUnwrap(json(ok(["hub", "status", hub, "--json"]).stdout)["stations"] as? [[String: Any]])
        return stations.first?["trustedHubKey"] as? [String: Any]
    }

    func firstBundle(in name: String) throws -> String {
        let dir = folder.sub(name)
        let file = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".fsb") }.sorted().first)
        return (dir as NSString).appendingPathComponent(file)
    }
}
