import FieldSyncTestSupport
import Foundation
import XCTest

/// `hub serve` and `station sync` as an operator runs them, with the built binary: a whole
/// round over loopback, and a round with no hub to reach.
final class HTTPCommandLineTests: CLITestCase {
    func testHubServeAndStationSyncCompleteARoundAndExitZero() throws {
        let (hub, station) = try enrolledPair()
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村1号"])
        let (server, url) = try serve(hub)
        defer {
            server.interrupt()
            server.waitUntilExit()
        }
        let synced = try ok(["station", "sync", station, "--hub", url, "--timeout", "60", "--json"])
        let report = try json(synced.stdout)
        XCTAssertEqual(report["completed"] as? Bool, true)
        let merge = try XCTUnwrap(report["merge"] as? [String: Any])
        XCTAssertGreaterThan(merge["changes"] as? Int ?? 0, 0)
        XCTAssertEqual(merge["applied"] as? Int, merge["changes"] as? Int)
        XCTAssertFalse(synced.stdout.contains("阳坡村"), "no personal data in the output")
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout)
    }

    /// Starts `hub serve` on a loopback port; returns the process and the address it bound.
    func serve(_ hub: String) throws -> (Process, String) {
        let server = Process()
        server.executableURL = Self.binary
        server.arguments = ["hub", "serve", hub, "--listen", "127.0.0.1:0", "--json"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = Pipe()
        try server.run()
        var first = Data()
        while !first.contains(UInt8(ascii: "\n")) {
            let piece = out.fileHandleForReading.availableData
            guard !piece.isEmpty else { break }
            first += piece
        }
        // The first line names the port it bound; without it the server is stopped here.
        do {
            return (server, "http://" + (try XCTUnwrap(try json(String(decoding: first, as: UTF8.self))["listening"] as? String)))
        } catch {
            server.interrupt()
            server.waitUntilExit()
            throw error
        }
    }

    /// A station that only has the link: a replacement laptop's first sync takes its return
    /// bundle before exporting (K6), and a laptop restored from a copy is refused (A2),
    /// takes the return bundle that says what to repair, repairs, and syncs again, all
    /// without a stick.
    func testOverHTTPAReplacementLaptopJoinsAndARestoredLaptopIsRepairedWithoutAStick() throws {
        let (hub, station) = try enrolledPair()
        let (server, url) = try serve(hub)
        defer { server.interrupt(); server.waitUntilExit() }
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村1号"])
        try ok(["station", "sync", station, "--hub", url, "--timeout", "60"])

        // Restored from a copy, then new work reusing numbers the hub holds.
        let copy = folder.sub("copy")
        try FileManager.default.copyItem(atPath: station, toPath: copy)
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村2号"])
        try ok(["station", "sync", station, "--hub", url, "--timeout", "60"])
        try FileManager.default.removeItem(atPath: station)
        try FileManager.default.moveItem(atPath: copy, toPath: station)
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村3号"])
        let refused = try run(["station", "sync", station, "--hub", url, "--timeout", "60"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("return bundle was imported") && refused.stderr.contains("station repair"), refused.stderr)
        try ok(["station", "repair", station])
        try ok(["station", "sync", station, "--hub", url, "--timeout", "60"])
        try ok(["station", "sync", station, "--hub", url, "--timeout", "60"])
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout)
        let listed = try JSONSerialization.jsonObject(with: Data(ok(["station", "household", "list", station, "--json"]).stdout.utf8))
        XCTAssertEqual((listed as? [Any])?.count, 3, "nothing lost: the two households of before the restore and the one after")

        // The laptop is lost; its replacement has only the link.
        let site = try XCTUnwrap((try json(ok(["hub", "status", hub, "--json"]).stdout)["stations"] as? [[String: Any]])?.first?["site"] as? String)
        try ok(["hub", "revoke", hub, site, "--reason", "laptop lost"])
        let laptop = folder.sub("laptop2")
        try ok(["station", "init", laptop, "--name", "鲁沙尔镇社工站", "--township", "630106100", "--replacing", site,
                "--request", folder.sub("req2.json"), "--unprotected-key"])
        try ok(["hub", "enroll", hub, folder.sub("req2.json"), "--out", folder.sub("enr2.json")])
        try ok(["station", "join", laptop, folder.sub("enr2.json")])
        try ok(["station", "sync", laptop, "--hub", url, "--timeout", "60"])
        XCTAssertEqual(try ok(["digest", laptop]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout)
    }

    func testRotateKeyIsRefusedWhileTheHubIsServedAndWorksAfterTheServerStops() throws {
        let (hub, _) = try enrolledPair()
        let (server, _) = try serve(hub)
        var stopped = false
        defer {
            if !stopped {
                server.interrupt()
                server.waitUntilExit()
            }
        }
        let refused = try run(["hub", "rotate-key", hub])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("hub serve"), refused.stderr)
        let second = try run(["hub", "serve", hub, "--listen", "127.0.0.1:0"])
        XCTAssertNotEqual(second.status, 0, "one server per hub folder")
        XCTAssertTrue(second.stderr.contains("already being served"), second.stderr)
        server.interrupt()
        server.waitUntilExit()
        stopped = true
        try ok(["hub", "rotate-key", hub])
    }

    func testStationSyncWithNoHubToReachExitsNonZeroAndSaysWhatRemains() throws {
        let (_, station) = try enrolledPair()
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村1号"])
        // Port 9 (discard) on loopback: nothing listens, every connection is refused.
        let result = try run(["station", "sync", station, "--hub", "http://127.0.0.1:9", "--timeout", "2", "--request-timeout", "1"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("uploaded 0.0 KB of"), result.stderr)
        XCTAssertTrue(result.stderr.contains("run the same command again to resume"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: station + "/sync/state.json"), "the round's state is kept for the next run")
        let bad = try run(["station", "sync", station, "--hub", "ftp://hub"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--hub"), bad.stderr)
    }

    func testSyncCommandsHaveHelpWithAnExample() throws {
        for command in [["hub", "serve"], ["station", "sync"]] {
            let help = try ok(command + ["--help"]).stdout
            XCTAssertTrue(help.contains("Example:\n  fieldsync \(command.joined(separator: " "))"), help)
        }
    }
}
