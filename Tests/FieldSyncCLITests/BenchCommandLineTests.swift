import Foundation
import XCTest

/// `fieldsync-bench` at its smallest size, as a script would run it. Nothing here is timed
/// (its figures are for release builds: README, "Performance"); what these prove is that the
/// command runs to the end, that its own checks hold (the floor files exactly the feed
/// entries the merge filed, the per-bundle hub ends like the one-import hub: either failing
/// stops the bench), and that its JSON carries the figures the README quotes.
final class BenchCommandLineTests: CLITestCase {
    static let bench = binary.deletingLastPathComponent().appendingPathComponent("fieldsync-bench")

    private func runBench(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = Self.bench
        process.arguments = arguments
        let result = try collect(process)
        XCTAssertEqual(result.status, 0, result.fullStderr)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(json, "not one JSON object: \(result.stdout)")
    }

    private func assertPositive(_ figures: [String: Any], _ keys: [String], file: StaticString = #filePath, line: UInt = #line) {
        for key in keys {
            let value = (figures[key] as? NSNumber)?.doubleValue
            XCTAssertNotNil(value, "\(key) missing", file: file, line: line)
            XCTAssertGreaterThan(value ?? 0, 0, key, file: file, line: line)
        }
    }

    func testNewRowsReportTheFloorOfFieldSyncsRecordsBesideThePeers() throws {
        let figures = try runBench(["--changes", "1000", "--json"])
        assertPositive(figures, ["changesetApplySeconds", "insertSeconds", "mergeSeconds", "endToEndSeconds",
                                 "floorSeconds", "floorCommitSeconds", "floorRatioToChangesetApply", "mergeRatioToFloor",
                                 "endToEndRatioToFloor", "rowsAloneSeconds", "bytesPerChange", "logBytesPerChange", "logRuns"])
        // The log holds each change written against the one before it: well under the ~90
        // bytes of its whole record.
        XCTAssertLessThan((figures["logBytesPerChange"] as? NSNumber)?.doubleValue ?? .infinity, 45)
        let tables = try XCTUnwrap(figures["floorTableSeconds"] as? [String: Any])
        XCTAssertEqual(Set(tables.keys), ["household", "fs_log_runs", "fs_feed_entries", "fs_case", "fs_case_scopes"])
    }

    func testTheSteadyStateReportsThePerBundlePeerAndTheFloorOfEachWayOfCommitting() throws {
        let figures = try runBench(["--workload", "steady", "--changes", "1000", "--json"])
        XCTAssertEqual(figures["edits"] as? Int, 1_000)
        XCTAssertEqual(figures["bundles"] as? Int, 15)
        assertPositive(figures, ["changesetApplySeconds", "changesetApplyPerBundleSeconds", "mergeSeconds", "endToEndSeconds",
                                 "mergeRatioToOneImportFloor", "endToEndRatioToChangesetApplyPerBundle", "endToEndRatioToBundleFloor",
                                 "bundleFloorRatioToChangesetApplyPerBundle", "roundFloorRatioToChangesetApply",
                                 "endToEndRatioToRoundFloor"])
        // Each floor wrote the edited rows and the feed entries and log runs the merge filed, in
        // as many transactions as it says (the bench stops if a record of the merge was left out).
        for (name, transactions) in [("oneImportFloor", 1), ("bundleFloor", 15), ("roundFloor", 1)] {
            let floor = try XCTUnwrap(figures[name] as? [String: Any], name)
            XCTAssertEqual(floor["transactions"] as? Int, transactions, name)
            // One entry per run of one origin's consecutive edits of one row: about one per edit.
            XCTAssert((900...1_000).contains(floor["feedEntries"] as? Int ?? 0), "\(name): \(floor)")
            assertPositive(floor, ["seconds", "rowSeconds", "feedSeconds", "logSeconds", "commitSeconds", "rows", "logRuns"])
        }
    }
}
