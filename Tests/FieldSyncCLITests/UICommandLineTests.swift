import FieldSyncTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `station ui` and `hub ui` as a caseworker and an operator start them: the address they
/// print, loopback unless told otherwise, and a page from the running program.
final class UICommandLineTests: CLITestCase {
    func testBothCommandsHaveHelpWithAnExample() throws {
        for command in [["station", "ui", "--help"], ["hub", "ui", "--help"]] {
            let help = try ok(command)
            XCTAssertTrue(help.stdout.contains("Example:"), command.joined(separator: " "))
            XCTAssertTrue(help.stdout.contains("--lock-after"))
        }
    }

    func testANetworkAddressIsRefusedUnlessAllowedAndABadOneSaysHowToWriteIt() throws {
        let (_, station) = try enrolledPair()
        let open = try run(["station", "ui", station, "--listen", "0.0.0.0:8480"])
        XCTAssertNotEqual(open.status, 0)
        XCTAssertTrue(open.stderr.contains("--allow-network"), open.stderr)
        let bad = try run(["station", "ui", station, "--listen", "8480"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("HOST:PORT"), bad.stderr)
        let lock = try run(["hub", "ui", station, "--lock-after", "0"])
        XCTAssertNotEqual(lock.status, 0)
        XCTAssertTrue(lock.stderr.contains("--lock-after"))
    }

    func testTheStationsWorkbenchServesItsPagesAndRefusesAnotherHostName() throws {
        let (hub, station) = try enrolledPair()
        for (command, folder) in [("station", station), ("hub", hub)] {
            let server = Process()
            server.executableURL = Self.binary
            server.arguments = [command, "ui", folder, "--listen", "127.0.0.1:0", "--json"]
            server.environment = Self.childEnvironment
            let out = Pipe()
            server.standardOutput = out
            server.standardError = Pipe()
            try server.run()
            defer {
                server.interrupt()
                server.waitUntilExit()
            }
            var first = Data()
            while !first.contains(UInt8(ascii: "\n")) {
                let piece = out.fileHandleForReading.availableData
                guard !piece.isEmpty else { break }
                first += piece
            }
            let url = try XCTUnwrap(try json(String(decoding: first, as: UTF8.self))["url"] as? String)
            XCTAssertTrue(url.hasPrefix("http://127.0.0.1:"), url)
            let (status, body) = try fetch(url)
            XCTAssertEqual(status, 200, body)
            XCTAssertTrue(body.contains("FieldSync"))
            // A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) sends its own Host.
            let port = URL(string: url)!.port!
            let (rebound, _) = try fetch(url, host: "attacker.example:\(port)")
            XCTAssertEqual(rebound, 403)
            if command == "hub" {
                // The desk holds the hub's keys: a rotation waits until it is closed.
                let rotate = try run(["hub", "rotate-key", hub])
                XCTAssertNotEqual(rotate.status, 0)
                XCTAssertTrue(rotate.stderr.contains("hub ui"), rotate.stderr)
                let second = try run(["hub", "ui", hub, "--listen", "127.0.0.1:0"])
                XCTAssertNotEqual(second.status, 0, "one desk per hub folder")
                let busy = try run(["station", "ui", station, "--listen", "127.0.0.1:\(port)"])
                XCTAssertNotEqual(busy.status, 0)
                XCTAssertTrue(busy.stderr.contains("--listen 127.0.0.1:0"), "a port in use says how to pick another: \(busy.stderr)")
            }
        }
    }

    /// A GET with an optional Host header; the status (after redirects) and the body.
    func fetch(_ url: String, host: String? = nil) throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        if let host { request.setValue(host, forHTTPHeaderField: "Host") }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String) = (0, "")
        URLSession.shared.dataTask(with: request) { data, response, _ in
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        return result
    }
}
