import FieldSyncCore
import Foundation
import GRDB

/// One change as the log holds it.
struct LogEntry {
    let siteNo: Int64
    let sequence: UInt64
    let arrival: Int64
    /// The change's canonical record.
    let record: ArraySlice<UInt8>
}

/// Reads and removes entries of the change log (`fs_log_runs`, ``LogRun``); appending
/// is ``RowStore``'s, which builds the runs of a batch in memory.
///
/// Every read is a range scan of the primary key (origin, first sequence), starting at
/// the run that holds the first number asked for: the cost follows the changes read,
/// not the size of the log. The scans share GRDB's cached statements: a `body` must not
/// read the log again (a nested scan would reset the outer one); collect first instead.
enum ChangeLog {
    /// The greatest sequence of `siteNo` in the log, 0 when none.
    static func highest(_ db: Database, siteNo: Int64) throws -> UInt64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq_hi FROM fs_log_runs WHERE site_no = ? ORDER BY seq_lo DESC LIMIT 1"),
                           arguments: [siteNo]).map { UInt64(sql: $0) } ?? 0
    }

    /// The condition selecting the runs of `?1` that hold a number in `?2...?3`.
    private static let overlapping = """
        site_no = ?1 AND seq_lo <= ?3 AND seq_hi >= ?2
        AND seq_lo >= IFNULL((SELECT seq_lo FROM fs_log_runs WHERE site_no = ?1 AND seq_lo <= ?2 ORDER BY seq_lo DESC LIMIT 1), ?2)
        """

    /// The arguments of ``overlapping``; nil when the range starts above every possible
    /// sequence (2^63 − 1, ``ChangeValidation``).
    private static func arguments(_ siteNo: Int64, _ range: ClosedRange<UInt64>) -> StatementArguments? {
        guard range.lowerBound <= UInt64(Int64.max) else { return nil }
        return [siteNo, range.lowerBound.sql, min(range.upperBound, UInt64(Int64.max)).sql]
    }

    /// Every number a change may have: 1 to 2^63 − 1 (``ChangeValidation``).
    static let everyNumber: ClosedRange<UInt64> = 1...UInt64(Int64.max)

    /// The numbers above `sequence` a change may have: what a peer that acknowledged
    /// `sequence` is still owed. Nil when there are none (`sequence` at 2^63 − 1 or
    /// above, where a header may claim but no replica numbers).
    static func after(_ sequence: UInt64) -> ClosedRange<UInt64>? {
        sequence < UInt64(Int64.max) ? (sequence + 1)...UInt64(Int64.max) : nil
    }

    /// The runs of `siteNo` holding a number in `range`, in sequence order.
    static func runs(_ db: Database, siteNo: Int64, overlapping range: ClosedRange<UInt64>) throws -> [LogRun] {
        var runs: [LogRun] = []
        try forEachRun(db, siteNo: siteNo, overlapping: range) { runs.append($0) }
        return runs
    }

    /// Calls `body` with each run of `siteNo` holding a number in `range`, in sequence
    /// order, one run in memory at a time.
    static func forEachRun(_ db: Database, siteNo: Int64, overlapping range: ClosedRange<UInt64>, _ body: (LogRun) throws -> Void) throws {
        guard let arguments = arguments(siteNo, range) else { return }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT seq_lo, seq_hi, arrival, records FROM fs_log_runs WHERE \(overlapping) ORDER BY seq_lo
            """), arguments: arguments)
        while let row = try rows.next() {
            try body(try LogRun(siteNo: siteNo, low: UInt64(sql: row[0]), high: UInt64(sql: row[1]), firstArrival: row[2],
                                bytes: [UInt8](row[3] as Data)))
        }
    }

    /// Calls `body` with each entry of `siteNo` numbered in `range`, in sequence order.
    static func forEach(_ db: Database, siteNo: Int64, in range: ClosedRange<UInt64>, _ body: (LogEntry) throws -> Void) throws {
        try forEachRun(db, siteNo: siteNo, overlapping: range) { try each(of: $0, in: range, body) }
    }

    /// Calls `body` with every run of the log, by (site number, first sequence).
    static func forEachRun(_ db: Database, _ body: (LogRun) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT site_no, seq_lo, seq_hi, arrival, records FROM fs_log_runs ORDER BY site_no, seq_lo")
        while let row = try rows.next() {
            try body(try LogRun(siteNo: row[0], low: UInt64(sql: row[1]), high: UInt64(sql: row[2]), firstArrival: row[3],
                                bytes: [UInt8](row[4] as Data)))
        }
    }

    /// Calls `body` with every entry of the log, by (site number, sequence).
    static func forEachEntry(_ db: Database, _ body: (LogEntry) throws -> Void) throws {
        try forEachRun(db) { run in try each(of: run, in: run.low...run.high, body) }
    }

    /// Calls `body` with the entries of each site number in `ranges` numbered in its range,
    /// in the order they were logged (arrival): the keys are read and sorted first, then
    /// each record is looked up (a run read once for the entries of it that come one after
    /// another), so only the keys are in memory at once.
    static func forEachEntryByArrival(_ db: Database, in ranges: [Int64: ClosedRange<UInt64>], _ body: (LogEntry) throws -> Void) throws {
        var keys: [(arrival: Int64, siteNo: Int64, sequence: UInt64)] = []
        for (siteNo, range) in ranges {
            try forEachRun(db, siteNo: siteNo, overlapping: range) { run in
                try run.forEachArrival { sequence, arrival in
                    if range.contains(sequence) { keys.append((arrival, siteNo, sequence)) }
                }
            }
        }
        keys.sort { ($0.arrival, $0.siteNo, $0.sequence) < ($1.arrival, $1.siteNo, $1.sequence) }
        let lookup = LogLookup(db: db)
        for key in keys {
            guard let record = try lookup.record(siteNo: key.siteNo, sequence: key.sequence) else { continue }
            try body(LogEntry(siteNo: key.siteNo, sequence: key.sequence, arrival: key.arrival, record: record))
        }
    }

    private static func each(of run: LogRun, in range: ClosedRange<UInt64>, _ body: (LogEntry) throws -> Void) throws {
        try run.forEach { sequence, arrival, record in
            guard range.contains(sequence) else { return }
            try body(LogEntry(siteNo: run.siteNo, sequence: sequence, arrival: arrival, record: record))
        }
    }

    /// How many numbers of `siteNo` in `range` the log holds.
    static func count(_ db: Database, siteNo: Int64, in range: ClosedRange<UInt64>) throws -> Int {
        guard let arguments = arguments(siteNo, range) else { return 0 }
        return try Int.fetchOne(db.cachedStatement(sql: """
            SELECT IFNULL(SUM(MIN(seq_hi, ?3) - MAX(seq_lo, ?2) + 1), 0) FROM fs_log_runs WHERE \(overlapping)
            """), arguments: arguments) ?? 0
    }

    /// The runs of `siteNo` in the log holding a number in `range`, as (first, last) number
    /// in order: what the contiguous counter advances over (``SiteDirectory/advanceAndSave(_:)``).
    static func heldRanges(_ db: Database, siteNo: Int64, overlapping range: ClosedRange<UInt64>) throws -> RowCursor? {
        guard let arguments = arguments(siteNo, range) else { return nil }
        return try Row.fetchCursor(db.cachedStatement(sql: "SELECT seq_lo, seq_hi FROM fs_log_runs WHERE \(overlapping) ORDER BY seq_lo"),
                                   arguments: arguments)
    }

    /// Removes the entries of `siteNo` numbered in `range`; a run reaching past either end
    /// keeps its part outside.
    static func delete(_ db: Database, siteNo: Int64, in range: ClosedRange<UInt64>) throws {
        for run in try runs(db, siteNo: siteNo, overlapping: range) {
            try db.cachedStatement(sql: "DELETE FROM fs_log_runs WHERE site_no = ? AND seq_lo = ?").execute(arguments: [siteNo, run.low.sql])
            if run.low < range.lowerBound, let before = try run.keeping(run.low...(range.lowerBound - 1)) { try insert(db, before) }
            if run.high > range.upperBound, let after = try run.keeping((range.upperBound + 1)...run.high) { try insert(db, after) }
        }
    }

    /// Writes `run`, which holds no number the log holds (no conflict clause: a conflict
    /// would be a bug, and must fail loudly rather than drop a change).
    static func insert(_ db: Database, _ run: LogRun) throws {
        try db.cachedStatement(sql: insertSQL).execute(arguments: [run.siteNo, run.low.sql, run.high.sql, run.firstArrival, Data(run.bytes)])
    }

    /// The statement writing a run, its arguments in order: site number, first and last
    /// sequence, first arrival, bytes. ``RowStore`` binds it through the C API.
    static let insertSQL = "INSERT INTO fs_log_runs(site_no, seq_lo, seq_hi, arrival, records) VALUES (?, ?, ?, ?, ?)"
}

/// Looks up single changes of the log by (site number, sequence), keeping the records of
/// the run last read of each site: an export in arrival order and a re-delivered bundle's
/// duplicate checks read one run's changes one after another, and a run's records are
/// each written against the one before (``LogRun``), so they are put back once per run.
final class LogLookup {
    let db: Database
    private var lastRun: [Int64: (low: UInt64, records: [[UInt8]])] = [:]

    init(db: Database) { self.db = db }

    /// The record logged under (`siteNo`, `sequence`), nil when the log lacks it.
    func record(siteNo: Int64, sequence: UInt64) throws -> ArraySlice<UInt8>? {
        if let last = lastRun[siteNo], last.low <= sequence, sequence - last.low < UInt64(last.records.count) {
            return last.records[Int(sequence - last.low)][...]
        }
        guard let found = try ChangeLog.runs(db, siteNo: siteNo, overlapping: sequence...sequence).first else { return nil }
        var records: [[UInt8]] = []
        records.reserveCapacity(Int(found.high - found.low + 1))
        try found.forEach { _, _, record in records.append(Array(record)) }
        lastRun[siteNo] = (found.low, records)
        guard found.low <= sequence, sequence - found.low < UInt64(records.count) else { return nil }
        return records[Int(sequence - found.low)][...]
    }

    /// Forgets the runs read: needed once the log was written.
    func forget() { lastRun.removeAll() }
}
