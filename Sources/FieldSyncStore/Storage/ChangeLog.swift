import FieldSyncCore
import Foundation
import GRDB

/// A run of the change log as `fs_change_runs` stores it: changes of one origin with the
/// consecutive sequences `low...high`, logged in that order (their arrival numbers rise).
///
/// Why runs and not a row per change (issue 10): a B-tree row per change was the largest
/// single cost of a hub's merge, about a third of it. A station's bundle is one long run
/// of its origin, and a batch of a hub's steady state holds a few hundred consecutive
/// numbers of each station, so a row per run stores the same records in a tenth of the
/// rows. A run stays under ``maxBytes`` so that it fits in its B-tree page without
/// overflow pages, and reading one change reads at most that much.
///
/// `bytes` holds, per change in sequence order: the arrival number's step from the
/// previous change's (uvarint; 0 for the first, whose arrival is ``firstArrival``), the
/// record's length (uvarint), then the change's canonical record ("Change record" in
/// `Protocol/bundle-format.md`), so that re-export stays bit-exact by construction.
struct LogRun {
    let siteNo: Int64
    let low: UInt64
    private(set) var high: UInt64
    let firstArrival: Int64
    private(set) var lastArrival: Int64
    private(set) var bytes: [UInt8]

    /// The most bytes a run grows to by appending: with its key columns under SQLite's
    /// largest in-page payload of a WITHOUT ROWID table on 4 KiB pages (1,002 bytes). A
    /// larger record is a run by itself.
    static let maxBytes = 940

    init(siteNo: Int64, sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer) {
        self.siteNo = siteNo
        low = sequence
        high = sequence
        firstArrival = arrival
        lastArrival = arrival
        bytes = []
        bytes.reserveCapacity(Self.maxBytes)
        Self.putEntry(&bytes, step: 0, record: record)
    }

    /// A run as read back from its row.
    init(siteNo: Int64, low: UInt64, high: UInt64, firstArrival: Int64, bytes: [UInt8]) throws {
        self.siteNo = siteNo
        self.low = low
        self.high = high
        self.firstArrival = firstArrival
        self.bytes = bytes
        lastArrival = firstArrival
        guard high >= low else { throw StoreError.corrupt(reason: "a change log run ends before it starts") }
        var count: UInt64 = 0
        try forEach { _, arrival, _ in
            count += 1
            lastArrival = arrival
        }
        guard count == high - low + 1 else { throw StoreError.corrupt(reason: "a change log run holds \(count) changes for \(high - low + 1) numbers") }
    }

    /// Appends the change numbered `high + 1` when it joins the run: logged after its last
    /// change and small enough to keep the run under ``maxBytes``. False leaves the run as is.
    mutating func append(sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer) -> Bool {
        guard sequence == high + 1, arrival > lastArrival,
              bytes.count + record.count + 2 * 10 <= Self.maxBytes else { return false }
        extend(sequence: sequence, arrival: arrival, record: record)
        return true
    }

    /// Appends the next change without the size limit (the caller checked the rest).
    private mutating func extend(sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer) {
        Self.putEntry(&bytes, step: UInt64(arrival - lastArrival), record: record)
        high = sequence
        lastArrival = arrival
    }

    /// Calls `body` with each change's sequence, arrival and record (a range of ``bytes``),
    /// in sequence order. Throws when the bytes do not hold exactly one entry per number.
    func forEach(_ body: (UInt64, Int64, Range<Int>) throws -> Void) throws {
        var offset = 0
        var sequence = low
        var arrival = firstArrival
        while offset < bytes.count {
            guard sequence <= high else { throw StoreError.corrupt(reason: "a change log run holds more changes than numbers") }
            let step = try Self.uvarint(bytes, &offset)
            let length = try Self.uvarint(bytes, &offset)
            guard step <= UInt64(Int64.max - arrival), length <= UInt64(bytes.count - offset) else {
                throw StoreError.corrupt(reason: "a change log run is truncated")
            }
            arrival += Int64(step)
            let end = offset + Int(length)
            try body(sequence, arrival, offset..<end)
            offset = end
            sequence &+= 1
        }
    }

    /// The part of the run inside `range`, nil when none of it is.
    func keeping(_ range: ClosedRange<UInt64>) throws -> LogRun? {
        var kept: LogRun?
        try bytes.withUnsafeBytes { all in
            try forEach { sequence, arrival, record in
                guard range.contains(sequence) else { return }
                let slice = UnsafeRawBufferPointer(rebasing: all[record])
                if kept == nil {
                    kept = LogRun(siteNo: siteNo, sequence: sequence, arrival: arrival, record: slice)
                } else {
                    // A part of a run is never larger than the run: no size limit here.
                    kept!.extend(sequence: sequence, arrival: arrival, record: slice)
                }
            }
        }
        return kept
    }

    private static func putEntry(_ bytes: inout [UInt8], step: UInt64, record: UnsafeRawBufferPointer) {
        putUVarint(&bytes, step)
        putUVarint(&bytes, UInt64(record.count))
        bytes.append(contentsOf: record)
    }

    private static func putUVarint(_ bytes: inout [UInt8], _ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private static func uvarint(_ bytes: [UInt8], _ offset: inout Int) throws(StoreError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw .corrupt(reason: "a change log run is truncated")
    }
}

/// One change as the log holds it.
struct LogEntry {
    let siteNo: Int64
    let sequence: UInt64
    let arrival: Int64
    /// The change's canonical record.
    let record: ArraySlice<UInt8>
}

/// Reads and removes entries of the change log (`fs_change_runs`, ``LogRun``); appending
/// is ``RowStore``'s, which builds the runs of a batch in memory.
///
/// Every read is a range scan of the primary key (origin, first sequence), starting at
/// the run that holds the first number asked for: the cost follows the changes read,
/// not the size of the log. The scans share GRDB's cached statements: a `body` must not
/// read the log again (a nested scan would reset the outer one); collect first instead.
enum ChangeLog {
    /// The greatest sequence of `siteNo` in the log, 0 when none.
    static func highest(_ db: Database, siteNo: Int64) throws -> UInt64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq_hi FROM fs_change_runs WHERE site_no = ? ORDER BY seq_lo DESC LIMIT 1"),
                           arguments: [siteNo]).map { UInt64(sql: $0) } ?? 0
    }

    /// The condition selecting the runs of `?1` that hold a number in `?2...?3`.
    private static let overlapping = """
        site_no = ?1 AND seq_lo <= ?3 AND seq_hi >= ?2
        AND seq_lo >= IFNULL((SELECT seq_lo FROM fs_change_runs WHERE site_no = ?1 AND seq_lo <= ?2 ORDER BY seq_lo DESC LIMIT 1), ?2)
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
            SELECT seq_lo, seq_hi, arrival, records FROM fs_change_runs WHERE \(overlapping) ORDER BY seq_lo
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
        let rows = try Row.fetchCursor(db, sql: "SELECT site_no, seq_lo, seq_hi, arrival, records FROM fs_change_runs ORDER BY site_no, seq_lo")
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
                try run.forEach { sequence, arrival, _ in
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
            try body(LogEntry(siteNo: run.siteNo, sequence: sequence, arrival: arrival, record: run.bytes[record]))
        }
    }

    /// How many numbers of `siteNo` in `range` the log holds.
    static func count(_ db: Database, siteNo: Int64, in range: ClosedRange<UInt64>) throws -> Int {
        guard let arguments = arguments(siteNo, range) else { return 0 }
        return try Int.fetchOne(db.cachedStatement(sql: """
            SELECT IFNULL(SUM(MIN(seq_hi, ?3) - MAX(seq_lo, ?2) + 1), 0) FROM fs_change_runs WHERE \(overlapping)
            """), arguments: arguments) ?? 0
    }

    /// The runs of `siteNo` in the log holding a number in `range`, as (first, last) number
    /// in order: what the contiguous counter advances over (``SiteDirectory/advanceAndSave(_:)``).
    static func heldRanges(_ db: Database, siteNo: Int64, overlapping range: ClosedRange<UInt64>) throws -> RowCursor? {
        guard let arguments = arguments(siteNo, range) else { return nil }
        return try Row.fetchCursor(db.cachedStatement(sql: "SELECT seq_lo, seq_hi FROM fs_change_runs WHERE \(overlapping) ORDER BY seq_lo"),
                                   arguments: arguments)
    }

    /// Removes the entries of `siteNo` numbered in `range`; a run reaching past either end
    /// keeps its part outside.
    static func delete(_ db: Database, siteNo: Int64, in range: ClosedRange<UInt64>) throws {
        for run in try runs(db, siteNo: siteNo, overlapping: range) {
            try db.cachedStatement(sql: "DELETE FROM fs_change_runs WHERE site_no = ? AND seq_lo = ?").execute(arguments: [siteNo, run.low.sql])
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
    static let insertSQL = "INSERT INTO fs_change_runs(site_no, seq_lo, seq_hi, arrival, records) VALUES (?, ?, ?, ?, ?)"
}

/// Looks up single changes of the log by (site number, sequence), keeping the run last
/// read of each site: an export in arrival order and a re-delivered bundle's duplicate
/// checks read one run's changes one after another.
final class LogLookup {
    let db: Database
    private var lastRun: [Int64: LogRun] = [:]

    init(db: Database) { self.db = db }

    /// The record logged under (`siteNo`, `sequence`), nil when the log lacks it.
    func record(siteNo: Int64, sequence: UInt64) throws -> ArraySlice<UInt8>? {
        let run: LogRun
        if let last = lastRun[siteNo], last.low <= sequence, sequence <= last.high {
            run = last
        } else {
            guard let found = try ChangeLog.runs(db, siteNo: siteNo, overlapping: sequence...sequence).first else { return nil }
            lastRun[siteNo] = found
            run = found
        }
        var found: Range<Int>?
        try run.forEach { s, _, record in if s == sequence { found = record } }
        return found.map { run.bytes[$0] }
    }

    /// Forgets the runs read: needed once the log was written.
    func forget() { lastRun.removeAll() }
}
