import FieldSyncTestSupport
import Foundation
import XCTest

/// `hub serve` and `station sync` as an operator runs them, with the built binary: a whole
/// round over loopback, and a round with no hub to reach.
final class HTTPCommandLineTests: CLITestCase {
    func testHubServeAndStationSyncCompleteARoundAndExitZero() throws {
        let (hub, station) = try enrolledPair()
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", "阳坡村1号"])
        let server = Process()
        server.executableURL = Self.binary
        server.arguments = ["hub", "serve", hub, "--listen", "127.0.0.1:0", "--json"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = Pipe()
        try server.run()
        defer {
            server.interrupt()
            server.waitUntilExit()
        }
        // The first line names the port it bound.
        var first = Data()
        while !first.contains(UInt8(ascii: "\n")) {
            let piece = out.fileHandleForReading.availableData
            guard !piece.isEmpty else { break }
            first += piece
        }
        let listening = try XCTUnwrap(try json(String(decoding: first, as: UTF8.self))["listening"] as? String)
        let synced = try ok(["station", "sync", station, "--hub", "http://\(listening)", "--timeout", "60", "--json"])
        let report = try json(synced.stdout)
        XCTAssertEqual(report["completed"] as? Bool, true)
        let merge = try XCTUnwrap(report["merge"] as? [String: Any])
        XCTAssertGreaterThan(merge["changes"] as? Int ?? 0, 0)
        XCTAssertEqual(merge["applied"] as? Int, merge["changes"] as? Int)
        XCTAssertFalse(synced.stdout.contains("阳坡村"), "no personal data in the output")
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub, "--township", "630106100"]).stdout)
    }

    func testRotateKeyIsRefusedWhileTheHubIsServedAndWorksAfterTheServerStops() throws {
        let (hub, _) = try enrolledPair()
        let server = Process()
        server.executableURL = Self.binary
        server.arguments = ["hub", "serve", hub, "--listen", "127.0.0.1:0", "--json"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = Pipe()
        try server.run()
        var stopped = false
        defer {
            if !stopped {
                server.interrupt()
                server.waitUntilExit()
            }
        }
        var first = Data()
        while !first.contains(UInt8(ascii: "\n")) {
            let piece = out.fileHandleForReading.availableData
            guard !piece.isEmpty else { break }
            first += piece
        }
        XCTAssertNotNil(try json(String(decoding: first, as: UTF8.self))["listening"] as? String)
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
