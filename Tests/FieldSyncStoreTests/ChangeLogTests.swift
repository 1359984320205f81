import FieldSyncCore
@testable import FieldSyncStore
import FieldSyncTestSupport
import Foundation
import GRDB
import XCTest

/// The change log is stored as runs of one origin's consecutive sequences (``LogRun``,
/// store migration v5), each change written against the one before it (v7). These tests
/// prove that the runs change nothing a replica reads back: every change under its own
/// number and byte for byte, in export, duplicate checks, counts, gaps and removal of
/// part of a run; and that files of every earlier layout open with the same log.
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

    /// Every change `replica` holds above `since`, in the order it logged them.
    private func exportByArrival(_ replica: Replica, since: VersionVector = .empty, batchSize: Int) throws -> [Change] {
        try replica.exportSnapshot { snapshot in
            var all: [Change] = []
            try snapshot.forEachBatchInArrivalOrder(since: since, batchSize: batchSize) { all += $0 }
            return all
        }
    }

    private func runCount(_ replica: Replica) throws -> Int {
        try replica.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fs_log_runs") ?? 0 }
    }

    func testABundleInOrderIsLoggedAsFewRunsAndExportsChangeForChange() throws {
        let changes = try stationChanges(300)
        let hub = try makeReplica(9, role: .hub)
        try apply(changes, to: hub)
        XCTAssertEqual(try exportAll(hub), changes)
        // A run stays under one B-tree page: some 30 changes of this size each, far fewer rows than changes.
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
        XCTAssertEqual(try exportByArrival(hub, batchSize: 7), interleaved)
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
                DROP TABLE fs_log_runs;
                DELETE FROM grdb_migrations WHERE identifier IN ('v5 the change log by runs', 'v7 a denser change log');
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
        let byArrival = { (replica: Replica) in try self.exportByArrival(replica, batchSize: 4) }
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
                DROP TABLE fs_log_runs;
                DELETE FROM grdb_migrations WHERE identifier IN ('v5 the change log by runs', 'v7 a denser change log');
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
            XCTAssertEqual(try exportByArrival(hub, since: vector, batchSize: 8), [])
        }
    }

    /// A change record of origin `site` numbered `sequence`, encoded.
    private func record(_ change: Change) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        change.encode(into: &writer)
        return writer.bytes
    }

    private func cell(_ row: String, _ column: String, _ value: Value, stamp: UInt64, sequence: UInt64, site: UInt8 = 1,
                      base: CellVersion? = nil) -> Change {
        .set("household", row, column, value, stamp: HybridTimestamp(rawValue: stamp), origin: TestSchema.site(site),
             sequence: sequence, base: base)
    }

    private func records(of run: LogRun) throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        try run.forEach { _, _, record in all.append(Array(record)) }
        return all
    }

    func testARunWhoseBytesDoNotMatchItsNumbersIsReportedCorrupt() throws {
        let five = record(cell("h1", "address", .text("a"), stamp: 100, sequence: 5))
        var run = try five.withUnsafeBytes { try LogRun(siteNo: 1, sequence: 5, arrival: 10, record: $0) }
        let secondEntry = run.bytes.count
        let six = record(cell("h1", "phone", .text("b"), stamp: 101, sequence: 6))
        XCTAssertTrue(six.withUnsafeBytes { run.append(sequence: 6, arrival: 12, record: $0) })
        let eight = record(cell("h2", "address", .text("c"), stamp: 102, sequence: 8))
        XCTAssertFalse(eight.withUnsafeBytes { run.append(sequence: 8, arrival: 13, record: $0) }, "a gap does not join")
        let seven = record(cell("h2", "address", .text("c"), stamp: 102, sequence: 7))
        XCTAssertFalse(seven.withUnsafeBytes { run.append(sequence: 7, arrival: 12, record: $0) }, "an earlier arrival does not join")
        let read = try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: run.bytes)
        XCTAssertEqual(read.lastArrival, 12)
        XCTAssertEqual(try records(of: read), [five, six])
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 7, firstArrival: 10, bytes: run.bytes))
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 5, firstArrival: 10, bytes: run.bytes))
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: Array(run.bytes.dropLast())))
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: Array(run.bytes.prefix(LogRun.originCount))))
        // The second change claims more shared bytes than the first change's body has.
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: -1, bytes: run.bytes), "an arrival below the first")
        var stepped = run.bytes
        stepped[LogRun.originCount] = 1
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: stepped), "the first change stepped away from the run's arrival")
        // (Its entry: the arrival step, then the shared count, one byte each here.)
        var overlong = run.bytes
        XCTAssertEqual(overlong[secondEntry], 2)
        overlong[secondEntry + 1] = 0x7F
        XCTAssertThrowsError(try LogRun(siteNo: 1, low: 5, high: 6, firstArrival: 10, bytes: overlong))
    }

    /// Both log formats byte for byte, for two cells of one row: v7's (``LogRun``, what the
    /// store writes) and v5's (``LegacyLogRun``, what files of v5 and v6 hold and the v7
    /// migration reads). A change to either encoding fails here, not in a county's files.
    func testTheLogFormatsAreFrozen() throws {
        let five = record(cell("h1", "address", .text("a"), stamp: 100, sequence: 5))
        let six = record(cell("h1", "phone", .text("b"), stamp: 101, sequence: 6))
        var run = try five.withUnsafeBytes { try LogRun(siteNo: 1, sequence: 5, arrival: 10, record: $0) }
        XCTAssertTrue(six.withUnsafeBytes { run.append(sequence: 6, arrival: 12, record: $0) })
        // The origin; then per change the arrival step, the shared count (17: the table, the
        // row, the kind and the column's first length byte), the rest of the body, the
        // stamp's zigzag step (100 → c8 01, then 1 → 02) and the base flag.
        XCTAssertEqual(Hex.encode(run.bytes), "01010101010101010101010101010101" + "00001f0009686f757365686f6c6400026831010007616464726573730300000001" +
                       "61c80100" + "02110c0570686f6e650300000001620200")

        let legacy = "00400009686f757365686f6c640002683101000761646472657373030000000161000000000000006401010101010101010101010101010101"
            + "000000000000000500023e0009686f757365686f6c640002683101000570686f6e65030000000162000000000000006501010101010101010101010101010101"
            + "000000000000000600"
        var old = LegacyLogRun(siteNo: 1, sequence: 5, arrival: 10, record: five)
        XCTAssertTrue(old.append(sequence: 6, arrival: 12, record: six))
        XCTAssertEqual(Hex.encode(old.bytes), legacy)
        let queue = try DatabaseQueue()
        var read: [String] = []
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE fs_change_runs(site_no INTEGER NOT NULL, seq_lo INTEGER NOT NULL, seq_hi INTEGER NOT NULL, arrival INTEGER NOT NULL, records BLOB NOT NULL, PRIMARY KEY(site_no, seq_lo)) WITHOUT ROWID")
            try db.execute(sql: "INSERT INTO fs_change_runs VALUES (1, 5, 6, 10, x'\(legacy)')")
            try LegacyLogRun.forEachEntry(db) { siteNo, sequence, arrival, record in read.append("\(siteNo) \(sequence) \(arrival) \(Hex.encode(Array(record)))") }
        }
        XCTAssertEqual(read, ["1 5 10 \(Hex.encode(five))", "1 6 12 \(Hex.encode(six))"])
    }

    /// Only a canonical change record is logged, and a run holds one origin: what the log
    /// could not put back byte for byte is refused, never stored.
    func testARecordThatIsNotCanonicalOrOfAnotherOriginDoesNotJoinARun() throws {
        XCTAssertThrowsError(try [UInt8]([1, 2, 3]).withUnsafeBytes { try LogRun(siteNo: 1, sequence: 5, arrival: 10, record: $0) })
        let five = record(cell("h1", "address", .text("a"), stamp: 100, sequence: 5))
        XCTAssertThrowsError(try five.withUnsafeBytes { try LogRun(siteNo: 1, sequence: 4, arrival: 10, record: $0) }, "numbered otherwise")
        XCTAssertThrowsError(try (five + [0]).withUnsafeBytes { try LogRun(siteNo: 1, sequence: 5, arrival: 10, record: $0) }, "a byte too many")
        var run = try five.withUnsafeBytes { try LogRun(siteNo: 1, sequence: 5, arrival: 10, record: $0) }
        let other = record(cell("h1", "phone", .text("b"), stamp: 101, sequence: 6, site: 2))
        XCTAssertFalse(other.withUnsafeBytes { run.append(sequence: 6, arrival: 11, record: $0) })
        let truncated = Array(record(cell("h1", "phone", .text("b"), stamp: 101, sequence: 6)).dropLast())
        XCTAssertFalse(truncated.withUnsafeBytes { run.append(sequence: 6, arrival: 11, record: $0) })
        XCTAssertEqual(try records(of: run), [five])
    }

    /// Every shape a record takes comes back byte for byte from a run, whole or in any part:
    /// sets and deletes, each kind of value, with and without a base, names of every length
    /// the format allows, stamps that go down as well as up, rows that change and repeat.
    func testEveryKindOfRecordComesBackByteForByteWholeAndInParts() throws {
        let long = String(repeating: "栏", count: 85)
        let base = CellVersion(stamp: HybridTimestamp(rawValue: 7), site: TestSchema.site(3))
        let shapes: [(UInt64) -> Change] = [
            { self.cell("h1", "address", .text("a"), stamp: 1 << 40, sequence: $0) },
            { self.cell("h1", "address", .text("ab"), stamp: (1 << 40) + 1, sequence: $0) },
            { self.cell("h1", "income", .integer(-5), stamp: 3, sequence: $0, base: base) },
            { self.cell("h1", "score", .real(-0.0), stamp: UInt64.max, sequence: $0) },
            { self.cell("h1", "photo", .blob([0, 1, 2]), stamp: 0, sequence: $0) },
            { self.cell("h1", "note", .null, stamp: 1 << 63, sequence: $0, base: base) },
            { self.cell("h1", long, .text(long), stamp: 12, sequence: $0) },
            { self.cell("h10", "address", .text(""), stamp: 12, sequence: $0) },
            { Change(table: "household", rowID: "h10", kind: .delete, column: "", value: .null,
                     stamp: HybridTimestamp(rawValue: 13), origin: TestSchema.site(1), sequence: $0) },
            { Change(table: "member", rowID: "h", kind: .delete, column: "", value: .null,
                     stamp: HybridTimestamp(rawValue: 11), origin: TestSchema.site(1), sequence: $0) },
            { self.cell("h", "a", .integer(.max), stamp: 11, sequence: $0) },
        ]
        var generator = SeededGenerator(seed: 0x10_6)
        for round in 0..<40 {
            let count = round == 0 ? shapes.count : Int.random(in: 1...30, using: &generator)
            let low = UInt64.random(in: 1...1_000, using: &generator)
            let expected = (0..<count).map { i in record((round == 0 ? shapes[i] : shapes.randomElement(using: &generator)!)(low + UInt64(i))) }
            var runs: [LogRun] = []
            var arrival: Int64 = 100
            var arrivals: [Int64] = []
            for (i, bytes) in expected.enumerated() {
                arrival += Int64.random(in: 1...3, using: &generator)
                arrivals.append(arrival)
                let sequence = low + UInt64(i)
                if !runs.isEmpty, bytes.withUnsafeBytes({ runs[runs.count - 1].append(sequence: sequence, arrival: arrival, record: $0) }) { continue }
                runs.append(try bytes.withUnsafeBytes { try LogRun(siteNo: 1, sequence: sequence, arrival: arrival, record: $0) })
            }
            var read: [[UInt8]] = []
            for run in runs {
                XCTAssertLessThanOrEqual(run.bytes.count, max(LogRun.maxBytes, expected.map(\.count).max()! + 60))
                let again = try LogRun(siteNo: 1, low: run.low, high: run.high, firstArrival: run.firstArrival, bytes: run.bytes)
                read += try records(of: again)
                for lower in run.low...run.high {
                    let upper = UInt64.random(in: lower...run.high, using: &generator)
                    let part = try XCTUnwrap(try again.keeping(lower...upper))
                    XCTAssertEqual(try records(of: part), Array(expected[Int(lower - low)...Int(upper - low)]))
                    var partArrivals: [Int64] = []
                    try part.forEachArrival { _, arrival in partArrivals.append(arrival) }
                    XCTAssertEqual(partArrivals, Array(arrivals[Int(lower - low)...Int(upper - low)]))
                }
            }
            XCTAssertEqual(read, expected, "round \(round)")
        }
    }

    /// The log keeps a new row's cells in a fraction of their records' bytes: the origin
    /// once a run, the sequence implied, the stamp as a step, the table and row not repeated.
    func testTheLogOfNewRowsTakesAboutAThirdOfTheirRecordsBytes() throws {
        let station = try makeReplica(1)
        for i in 0..<200 {
            try station.write(table: "sample", rowID: "sample-row-\(i)",
                              values: ["i": .integer(Int64(i)), "r": .real(Double(i) / 3), "t": .text("街道 \(i)"), "b": .blob([UInt8(i % 256)])])
        }
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub)
        try apply(changes, to: hub)
        let logged = try hub.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(records)) FROM fs_log_runs") ?? 0 }
        let whole = changes.reduce(0) { $0 + record($1).count }
        XCTAssertLessThan(Double(logged), 0.45 * Double(whole), "\(logged) bytes logged for \(whole) bytes of records")
        XCTAssertEqual(try exportAll(hub), changes)
    }

    /// A file of store version 6 (each change's record whole in `fs_change_runs`) opens
    /// with the same log, change for change and in the same arrival order, in denser runs;
    /// duplicates are still recognised and new changes join.
    func testAFileWithWholeRecordsInItsRunsOpensWithTheSameLogDenser() throws {
        let path = temporaryPath()
        let clock = TestClock()
        let a = try stationChanges(150, site: 1), b = try stationChanges(40, site: 2)
        var interleaved: [Change] = []
        for i in 0..<40 { interleaved += [a[i], b[i]] }
        interleaved += a[40...]
        let byArrival = { (replica: Replica) in try self.exportByArrival(replica, batchSize: 9) }
        let newBytes: Int
        do {
            let hub = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(9), name: "hub", role: .hub,
                                         wallClock: clock.closure)
            try apply(Array(interleaved[1...]), to: hub)
            try apply([interleaved[0]], to: hub)
            XCTAssertEqual(try byArrival(hub), Array(interleaved[1...]) + [interleaved[0]])
            newBytes = try hub.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(records)) FROM fs_log_runs") ?? 0 }
        }
        // Back to version 6's shape: whole records in fs_change_runs, migration v7 not applied.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            var entries: [LogEntry] = []
            try ChangeLog.forEachEntry(db) { entries.append($0) }
            try db.execute(sql: """
                CREATE TABLE fs_change_runs(site_no INTEGER NOT NULL, seq_lo INTEGER NOT NULL, seq_hi INTEGER NOT NULL,
                    arrival INTEGER NOT NULL, records BLOB NOT NULL, PRIMARY KEY(site_no, seq_lo)) WITHOUT ROWID;
                DROP TABLE fs_log_runs;
                DELETE FROM grdb_migrations WHERE identifier = 'v7 a denser change log';
                """)
            var open: LegacyLogRun?
            for entry in entries {
                if open?.siteNo == entry.siteNo, open!.append(sequence: entry.sequence, arrival: entry.arrival, record: Array(entry.record)) { continue }
                try open?.insert(db)
                open = LegacyLogRun(siteNo: entry.siteNo, sequence: entry.sequence, arrival: entry.arrival, record: Array(entry.record))
            }
            try open?.insert(db)
        }
        let oldBytes = try queue.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(records)) FROM fs_change_runs") ?? 0 }
        try queue.close()

        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(Set(try exportAll(reopened)), Set(interleaved))
        XCTAssertEqual(try byArrival(reopened), Array(interleaved[1...]) + [interleaved[0]])
        let migratedBytes = try reopened.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(records)) FROM fs_log_runs") ?? 0 }
        XCTAssertLessThan(Double(migratedBytes), 0.6 * Double(oldBytes), "\(migratedBytes) of \(oldBytes) bytes")
        XCTAssertLessThanOrEqual(migratedBytes, newBytes + 200)
        XCTAssertEqual(try reopened.vector()[TestSchema.site(1)], 150)
        XCTAssertEqual(try apply(interleaved, to: reopened).duplicate, interleaved.count)
        let more = try stationChanges(160, site: 1)
        let report = try apply(more, to: reopened)
        XCTAssertEqual(report.applied, 10)
        var forged = a[77]
        forged.value = .text("something else")
        XCTAssertThrowsError(try apply([forged], to: reopened)) { error in
            guard case .reusedSequence(_, 78)? = error as? StoreError else { return XCTFail("\(error)") }
        }
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
