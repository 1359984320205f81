import FieldSyncTestSupport
import Foundation
import XCTest

/// Two commands at once on one station folder, as a caseworker with two terminals (or the
/// command line beside `station ui`) runs them: every record gets its own id, none lands on
/// another's.
final class ConcurrentCommandLineTests: CLITestCase {
    func testHouseholdsAddedAtOnceEachGetTheirOwnIdAndAllAreKept() throws {
        let (_, station) = try enrolledPair()
        let count = 8
        let processes: [(Process, Pipe)] = try (0..<count).map { i in
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["station", "household", "add", station, "--township", "630106100", "--hukou", "urban",
                                 "--head-name", "并发\(i)", "--income", "1"]
            process.environment = Self.childEnvironment
            let out = Pipe()
            process.standardOutput = out
            process.standardError = Pipe()
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return (process, out)
        }
        var ids: [String] = []
        for (process, out) in processes {
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            ids.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertEqual(Set(ids).count, count, "each command printed its own id: \(ids)")
        let listed = try ok(["station", "household", "list", station, "--json"]).stdout
        for i in 0..<count { XCTAssertTrue(listed.contains("并发\(i)"), "household \(i) was kept") }
    }
}
