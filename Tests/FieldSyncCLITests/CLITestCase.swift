import FieldSyncTestSupport
import Foundation
import XCTest

/// Runs the built `fieldsync` binary, as a person or a script would, and checks output and
/// exit status together.
class CLITestCase: XCTestCase {
    var folder: TemporaryFolder!

    override func setUp() { folder = TemporaryFolder("fieldsync-cli") }
    override func tearDown() { folder.cleanUp() }

    struct Run {
        let status: Int32
        let stdout: String
        /// Standard error without the one-line warning that the folder's keys are not
        /// protected: most folders of these tests are made with `--unprotected-key` (scrypt
        /// would cost every command a second), and the warning is proven on its own
        /// (`PassphraseCommandLineTests`), from ``fullStderr``.
        var stderr: String {
            fullStderr.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains(Self.unprotectedKeyWarning) }.joined(separator: "\n")
        }
        let fullStderr: String

        static let unprotectedKeyWarning = "are not protected by a passphrase: a copy of the file signs as this replica"
    }

    static let binary: URL = {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for dir in candidates {
            let url = dir.appendingPathComponent("fieldsync")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("the fieldsync binary was not built next to the tests (looked in \(candidates.map(\.path)))")
    }()

    /// The passphrase that seals the keys of the folders the tests make: every child process
    /// gets it in `FIELDSYNC_PASSPHRASE`, as a script would.
    static let passphrase = "青海 test passphrase"

    /// This process's environment with the test passphrase, for a child process.
    static var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["FIELDSYNC_PASSPHRASE": passphrase]) { $1 }
    }

    /// Runs the binary; `environment` adds variables to this process's own (e.g. the test
    /// hook `FIELDSYNC_CLOCK_OFFSET_MS` for a laptop whose date is wrong) and to
    /// `FIELDSYNC_PASSPHRASE`; `unset` removes variables (a script that gives no passphrase).
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
             file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var variables = Self.childEnvironment.merging(environment) { $1 }
        for name in unset { variables[name] = nil }
        process.environment = variables
        return try collect(process)
    }

    /// Runs `process` to its end and returns its status and output.
    func collect(_ process: Process) throws -> Run {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        // Never the terminal the tests were started from: a command that would prompt for a
        // passphrase must fail as it does in a script.
        if process.standardInput == nil { process.standardInput = FileHandle.nullDevice }
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   fullStderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs and fails the test unless the command succeeds.
    @discardableResult
    func ok(_ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
            file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let result = try run(arguments, environment: environment, unset: unset)
        XCTAssertEqual(result.status, 0, "fieldsync \(arguments.joined(separator: " ")) failed: \(result.stderr)", file: file, line: line)
        return result
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Sets up a hub and one joined station through the CLI; returns their folders.
    ///
    /// Their keys are unprotected unless `protected`: opening sealed keys derives scrypt's
    /// 32 MiB key, about a second per command in a debug build, and the suite runs hundreds
    /// of commands on these folders. The passphrase tests, and every test that runs `init`
    /// itself, work on sealed keys.
    func enrolledPair(protected: Bool = false) throws -> (hub: String, station: String) {
        let hub = folder.sub("hub"), station = folder.sub("station")
        let keys = protected ? [] : ["--unprotected-key"]
        try ok(["hub", "init", hub, "--name", "湟中区民政局"] + keys)
        try ok(["station", "init", station, "--name", "鲁沙尔镇社工站", "--township", "630106100", "--request", folder.sub("req.json")] + keys)
        try ok(["hub", "enroll", hub, folder.sub("req.json"), "--out", folder.sub("enr.json")])
        try ok(["station", "join", station, folder.sub("enr.json")])
        return (hub, station)
    }
}
