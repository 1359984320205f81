import FieldSyncCore
@testable import FieldSyncStore
import FieldSyncTestSupport
import Foundation
import GRDB
import XCTest

/// The change log is stored as runs of one origin's consecutive sequences (``LogRun``,
/// store migration v5). These tests prove that the runs change nothing a replica reads
/// back: every change under its own number, in export, duplicate checks, counts, gaps
/// and removal of part of a run.
final class ChangeLogTests: XCTestCase {
    /// `n` cell writes of station 1, one per row.
    private func stationChanges(_ n: Int, site: UInt8 = 1, clock: TestClock = TestClock()) throws -> [Change] {
        let station = try makeReplica(site, clock: clock)
        for i in 0..<n {
            clock.advance(1)
            try station.write(table: "household", rowID: "h\(i)", values: ["address": .text("a\(i)")])
        }
        return try exportAll(station)
    }

    private func runCount(_ replica: Replica) throws -> Int {
        try replica.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fs_change_runs") ?? 0 }
    }

    func testABundleInOrderIsLoggedAsFewRunsAndExportsChangeForChange() throws {
        let changes = try stationChanges(300)
        let hub = try makeReplica(9, role: .hub)
        try apply(changes, to: hub)
        XCTAssertEqual(try exportAll(hub), changes)
        // A run stays under one B-tree page: ~10 changes of this size each, far fewer rows than changes.
        let runs = try runCount(hub)
        XCTAssertLessThan(runs, changes.count / 5)
        XCTAssertGreaterThan(runs, 1)
        XCTAssertEqual(try hub.exportSnapshot { try $0.changeCount(since: .empty) }, changes.count)
        // Since any number inside a run: exactly the changes above it.
        let site = TestSchema.site(1)
        for since: UInt64 in [0, 1, 7, 150, 299, 300, 301] {
            let expected = changes.filter { $0.sequence > since }
            XCTAssertEqual(try exportAll(hub, since: VersionVector([site: since])), expected, "since \(since)")
            XCTAssertEqual(try hub.exportSnapshot { try $0.changeCount(since: VersionVector([site: since])) }, expected.count)
        }
        XCTAssertEqual(try hub.loggedChanges(origin: site, in: 95...105).keys.sorted(), Array(95...105))
        XCTAssertEqual(try hub.highestLogged(origin: site), 300)
    }

    /// Stations' changes interleaved one by one (a hub's steady state) still make a run per
    /// origin in a batch; arrival order is kept change for change.
    func testInterleavedOriginsMakeARunEachAndKeepTheirArrivalOrder() throws {
        let clock = TestClock()
        let a = try stationChanges(40, site: 1, clock: clock), b = try stationChanges(40, site: 2, clock: clock)
        var interleaved: [Change] = []
        for i in 0..<40 { interleaved += [a[i], b[i]] }
        let hub = try makeReplica(9, role: .hub)
        try apply(interleaved, to: hub)
        XCTAssertLessThan(try runCount(hub), 20)
        let byArrival = try hub.exportSnapshot { snapshot in
            var all: [Change] = []
            try snapshot.forEachBatchInArrivalOrder(since: .empty, batchSize: 7) { all += $0 }
            return all
        }
        XCTAssertEqual(byArrival, interleaved)
    }

    /// A change numbered below what the log holds (it fills a gap) is a run of its own, and
    /// the vector then passes every run above it.
    func testAGapFilledLaterLetsTheVectorPassTheRunsAboveIt() throws {
        let changes = try stationChanges(50)
        let hub = try makeReplica(9, role: .hub)
        try apply(Array(changes[1...]), to: hub)
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 0)
        try apply([changes[0]], to: hub)
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 50)
        XCTAssertEqual(try exportAll(hub), changes)
    }

    /// A bundle delivered again is counted as duplicates change for change, wherever the
    /// changes sit in their runs; a known number with other content is refused.
    func testADuplicateInsideARunIsCountedAndAReusedNumberRefused() throws {
        let changes = try stationChanges(60)
        let hub = try makeReplica(9, role: .hub)
        try apply(changes, to: hub)
        let again = try apply(changes.shuffled(), to: hub)
        XCTAssertEqual(again.duplicate, changes.count)
        XCTAssertEqual(again.applied, 0)
        var forged = changes[33]
        forged.value = .text("something else")
        XCTAssertThrowsError(try apply([forged], to: hub)) { error in
            guard case .reusedSequence(_, 34)? = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try exportAll(hub), changes)
    }

    /// A batch that fails part way leaves no trace in the log, although some of its
    /// changes had joined a run not yet written when it failed; the import goes on.
    func testABatchThatFailsLeavesNoneOfItsChangesInTheLog() throws {
        let clock = TestClock()
        let a = try stationChanges(20, site: 1, clock: clock), b = try stationChanges(5, site: 2, clock: clock)
        let hub = try makeReplica(9, role: .hub)
        let (_, report) = try hub.importChanges { tx in
            // Refused when its row is complete, after its change and four others joined a run.
            tx.mergeGuard = MergeGuard(onlyOrigin: nil, authority: RefusesRow(rowID: "h14"), writer: .station)
            try tx.apply(Array(a[0..<10]))
            XCTAssertThrowsError(try tx.apply(Array(a[10..<15]))) { error in
                guard case .unauthorized = error as? StoreError else { return XCTFail("\(error)") }
            }
            try tx.apply(b)
        }
        XCTAssertEqual(report.applied, 15)
        XCTAssertEqual(try exportAll(hub), Array(a[0..<10]) + b)
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 10)
        // The failed batch's changes merge when they come again.
        try apply(a, to: hub)
        XCTAssertEqual(try exportAll(hub), a + b)
    }

    /// Removing numbers from the middle of runs (a released case, P8) keeps each run's
    /// numbers outside the range, with their records and arrival numbers.
    func testRemovingARangeKeepsThePartsOfItsRunsOutsideIt() throws {
        let changes = try stationChanges(100)
        let hub = try makeReplica(9, role: .hub)
        try apply(changes, to: hub)
        let before = try hub.read { db in
            var arrivals: [UInt64: Int64] = [:]
            try ChangeLog.forEachEntry(db) { arrivals[$0.sequence] = $0.arrival }
            return arrivals
        }
        let no = try hub.read { db in try SiteDirectory(db).numberOf[TestSchema.site(1)]! }
        try hub.write { db in
            try ChangeLog.delete(db, siteNo: no, in: 23...61)
            try ChangeLog.delete(db, siteNo: no, in: 5...5)
            try ChangeLog.delete(db, siteNo: no, in: 95...1_000)
        }
        let kept = changes.filter { !(23...61).contains($0.sequence) && $0.sequence != 5 && $0.sequence < 95 }
        XCTAssertEqual(try exportAll(hub), kept)
        try hub.read { db in
            var seen: [UInt64] = []
            try ChangeLog.forEachEntry(db) { entry in
                seen.append(entry.sequence)
                XCTAssertEqual(entry.arrival, before[entry.sequence])
            }
            XCTAssertEqual(seen, kept.map(\.sequence))
            XCTAssertEqual(try ChangeLog.count(db, siteNo: no, in: 1...100), kept.count)
            XCTAssertEqual(try ChangeLog.count(db, siteNo: no, in: 20...70), (20...70).filter { !(23...61).contains($0) }.count)
            XCTAssertEqual(try ChangeLog.highest(db, siteNo: no), 94)
        }
    }

    /// A replica file of store version 4 (a row per change in `fs_changes`) opens, and its
    /// log is the same change for change, now in runs.
    func testAFileWithARowPerChangeOpensWithTheSameLogInRuns() throws {
        let path = temporaryPath()
        let changes = try stationChanges(120)
        let clock = TestClock()
        do {
            let hub = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(9), name: "hub", role: .hub,
                                         wallClock: clock.closure)
            try apply(changes, to: hub)
        }
        // Back to version 4's shape: the log as a row per change, migration v5 not applied.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            var entries: [LogEntry] = []
            try ChangeLog.forEachEntry(db) { entries.append($0) }
            try db.execute(sql: """
                CREATE TABLE fs_changes(site_no INTEGER NOT NULL, seq INTEGER NOT NULL, arrival INTEGER NOT NULL,
                    record BLOB NOT NULL, PRIMARY KEY(site_no, seq)) WITHOUT ROWID;
                DROP TABLE fs_change_runs;
                DELETE FROM grdb_migrations WHERE identifier = 'v5 the change log by runs';
                """)
            for entry in entries.reversed() {
                try db.execute(sql: "INSERT INTO fs_changes VALUES (?, ?, ?, ?)",
                               arguments: [entry.siteNo, entry.sequence.sql, entry.arrival, Data(entry.record)])
            }
        }
        try queue.close()

        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(try exportAll(reopened), changes)
        XCTAssertLessThan(try runCount(reopened), changes.count / 5)
        XCTAssertEqual(try reopened.vector()[TestSchema.site(1)], 120)
        let more = try stationChanges(130)
        let report = try apply(more, to: reopened)
        XCTAssertEqual(report.duplicate, 120)
        XCTAssertEqual(report.applied, 10)
        XCTAssertEqual(try exportAll(reopened), more)
    }

    /// A file whose rows per change were logged out of order (a gap filled later) and hold
    /// a record larger than a run: the migration keeps every change, its arrival order and
    /// its bytes.
    func testAMigratedLogKeepsArrivalOrderAcrossAGapFilledLaterAndALargeRecord() throws {
        let path = temporaryPath()
        let clock = TestClock()
        let station = try makeReplica(1, clock: clock)
        for i in 0..<30 {
            clock.advance(1)
            let address = i == 12 ? String(repeating: "长", count: 700) : "a\(i)"
            try station.write(table: "household", rowID: "h\(i)", values: ["address": .text(address)])
        }
        let changes = try exportAll(station)
        let byArrival: (Replica) throws -> [Change] = { replica in
            try replica.exportSnapshot { snapshot in
                var all: [Change] = []
                try snapshot.forEachBatchInArrivalOrder(since: .empty, batchSize: 4) { all += $0 }
                return all
            }
        }
        let expectedOrder: [Change]
        do {
            let hub = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(9), name: "hub", role: .hub,
                                         wallClock: clock.closure)
            try apply(Array(changes[5...]), to: hub)
            try apply(Array(changes[..<5]).reversed(), to: hub)
            expectedOrder = try byArrival(hub)
            XCTAssertEqual(expectedOrder, Array(changes[5...]) + Array(changes[..<5]).reversed())
        }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            var entries: [LogEntry] = []
            try ChangeLog.forEachEntry(db) { entries.append($0) }
            XCTAssertTrue(entries.contains { $0.record.count > LogRun.maxBytes })
            try db.execute(sql: """
                CREATE TABLE fs_changes(site_no INTEGER NOT NULL, seq INTEGER NOT NULL, arrival INTEGER NOT NULL,
                    record BLOB NOT NULL, PRIMARY KEY(site_no, seq)) WITHOUT ROWID;
                DROP TABLE fs_change_runs;
                DELETE FROM grdb_migrations WHERE identifier = 'v5 the change log by runs';
                """)
            for entry in entries {
                try db.execute(sql: "INSERT INTO fs_changes VALUES (?, ?, ?, ?)",
                               arguments: [entry.siteNo, entry.sequence.sql, entry.arrival, Data(entry.record)])
            }
        }
        try queue.close()
        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(try exportAll(reopened), changes)
        XCTAssertEqual(try byArrival(reopened), expectedOrder)
        XCTAssertEqual(try reopened.vector()[TestSchema.site(1)], 30)
        XCTAssertEqual(try apply(changes, to: reopened).duplicate, changes.count)
    }

    /// An acknowledged number at the top (2^63 − 1 or beyond, which only an API caller can
    /// pass now that headers refuse it) leaves nothing to send, in every export and count.
    func testNothingIsExportedOrCountedAboveTheLargestNumber() throws {
        let changes = try stationChanges(20)
        let hub = try makeReplica(9, role: .hub)
        try apply(changes, to: hub)
        let site = TestSchema.site(1)
        for since in [UInt64(Int64.max) - 1, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] {
            let vector = VersionVector([site: since])
            XCTAssertEqual(try exportAll(hub, since: vector), [])
            XCTAssertEqual(try hub.exportSnapshot { try $0.changeCount(since: vector) }, 0)
            XCTAssertEqual(try hub.exportSnapshot { try $0.counts(since: vector) }, [:])
            let byArrival = try hub.exportSnapshot { snapshot in
                var all: [Change] = []
                try snapshot.forEachBatchInArrivalOrder(since: vector, batchSize: 8) { all += $0 }
                return all
            }
            XCTAssertEqual(byArrival, [])
        }
    }

    func testARunWhoseBytesDoNotMatchItsNumbersIsReportedCorrupt() throws {
        let record: [UInt8] = [1, 2, 3]
        var run = record.withUnsafeBytes { LogRun(siteNo: 1, sequence: 5, arrival: 10, record: $0) }
        XCTAssertTrue(record.withUnsafeBytes { run.append(sequence: 6, arrival: 12, record: $0) })
        XCTAssertFalse(record.withUnsafeBytes { run.append(sequence: 8, arrival: 13, record: $0) }, "a gap does not join")
        XCTAssertFalse(record.withUnsafeBytes { run.append(sequence: 7, arrival: 12, record: $0) }, "an earlier arrival does not join")
        let read = try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: run.bytes)
        XCTAssertEqual(read.lastArrival, 12)
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 7, firstArrival: 10, bytes: run.bytes))
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 5, firstArrival: 10, bytes: run.bytes))
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: Array(run.bytes.dropLast())))
    }
}

/// Refuses one new row, allows everything else.
private struct RefusesRow: WriteAuthority {
    let rowID: String
    func checkWrite(table: TableSchema, column: ColumnSchema, value: Value, writer: ReplicaRole, origin: SiteID) -> AuthorityViolation? { nil }
    func checkDelete(table: TableSchema, writer: ReplicaRole) -> AuthorityViolation? { nil }
    func compiled(for table: TableSchema) -> (any CompiledTableAuthority)? { nil }
    func checkExisting(table: TableSchema, current: [Value], kind: Change.Kind, column: String, writer: ReplicaRole) -> AuthorityViolation? { nil }
    func checkNewRow(table: TableSchema, values: [Value], writer: ReplicaRole) -> AuthorityViolation? {
        values.contains(.text("a\(rowID.dropFirst())"))
            ? AuthorityViolation(rule: "test", table: table.name, reason: "refused by the test", reasonZh: "测试拒绝") : nil
    }
}
