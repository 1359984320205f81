import FieldSyncDomain
import FieldSyncSync
@testable import FieldSyncWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The browser walk: Debian's headless Chromium, driven by `Tests/Browser/walk.py` over the
/// DevTools pipe, goes through a caseworker's morning at the station's workbench and the
/// operator's review at the hub's desk, both served for real on loopback ports.
///
/// The screenshots go to `.build/test-output/browser-walk/` (or `$FIELDSYNC_TEST_OUTPUT`).
/// Without Chromium the test is skipped, unless `FIELDSYNC_REQUIRE_BROWSER=1` (CI sets it,
/// and installs Chromium), where a missing browser fails it.
final class BrowserWalkTests: WebTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let chromium = "/usr/bin/chromium"

    func testACaseworkersMorningAndTheCountysReviewInARealBrowser() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard FileManager.default.isExecutableFile(atPath: Self.chromium) else {
            if environment["FIELDSYNC_REQUIRE_BROWSER"] == "1" { XCTFail("Chromium is not installed at \(Self.chromium) (apt-get install chromium)") }
            throw XCTSkip("Chromium is not installed; .ci/run installs it")
        }
        // A conflict waiting at the hub, for the operator to resolve.
        let (household, _) = try registerHousehold(head: "李芳", idNumber: "630121198001010018")
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try station.casework().editHousehold(household, HouseholdChanges(monthlyIncomeYuan: "1350"), at: Date())
        try county.hub.replica.write(table: "household", rowID: household, values: ["monthly_income": .integer(980)])
        try county.hub.merge(bundleAt: try station.export(to: folder.sub("late.fsb")).path)

        let stick = folder.sub("stick"), returns = folder.sub("returns")
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        let shots = environment["FIELDSYNC_TEST_OUTPUT"].map { URL(fileURLWithPath: $0).appendingPathComponent("browser-walk").path }
            ?? Self.packageRoot.appendingPathComponent(".build/test-output/browser-walk").path
        try? FileManager.default.removeItem(atPath: shots)

        let workbench = try StationWorkbench(folder: stationFolder)
        let desk = try HubDesk(folder: county.hub.folder.path)
        let loopback = WebListen(host: "127.0.0.1", port: 0)
        let stationApp = workbench.application(listen: loopback) { _ in }
        let hubApp = desk.application(listen: loopback) { _ in }
        let root = Self.packageRoot
        let (status, output) = try await stationApp.test(.live) { stationClient in
            try await hubApp.test(.live) { hubClient in
                try await Self.runWalk(root: root, arguments: [
                    "--station", "http://127.0.0.1:\(stationClient.port!)", "--hub", "http://127.0.0.1:\(hubClient.port!)",
                    "--stick", stick, "--returns", returns, "--shots", shots, "--chromium", Self.chromium])
            }
        }
        try await workbench.shutdown()
        try await desk.shutdown()
        XCTAssertEqual(status, 0, output)
        let pictures = try FileManager.default.contentsOfDirectory(atPath: shots).filter { $0.hasSuffix(".png") }
        XCTAssertGreaterThanOrEqual(pictures.count, 10, "a screenshot of each page: \(pictures)")
        XCTAssertEqual(try county.hub.conflictReviews().count, 0, "the conflict was resolved in the browser")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: returns).filter { $0.hasSuffix(".fsb") }.count, 1)
        let approved = try station.casework().households().compactMap { $0.headName == "马明" ? $0.nextReview : nil }
        XCTAssertEqual(approved.count, 1, "the household registered in the browser has its next review date")
    }

    /// Runs the walk script and waits for it without holding a thread.
    static func runWalk(root: URL, arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tests/Browser/walk.py").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let collected = OutputBuffer()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { p in
                output.fileHandleForReading.readabilityHandler = nil
                collected.append(output.fileHandleForReading.readDataToEndOfFile())
                continuation.resume(returning: (p.terminationStatus, collected.text))
            }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }
}

/// What the walk printed, gathered from the pipe's handler thread.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.withLock { data.append(more) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
