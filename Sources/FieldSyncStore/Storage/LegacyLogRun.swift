import Foundation
import GRDB

/// The log's runs as store migrations v5 and v6 kept them in `fs_change_runs`: per change,
/// the arrival step (uvarint), the record's length (uvarint) and the whole canonical
/// record. Only the migrations use it: v5 writes it from the row per change of earlier
/// files, v7 reads it to write the denser runs of ``LogRun``. Frozen with them.
struct LegacyLogRun {
    let siteNo: Int64
    let low: UInt64
    private(set) var high: UInt64
    let firstArrival: Int64
    private(set) var lastArrival: Int64
    private(set) var bytes: [UInt8] = []

    /// The size v5 kept its runs under.
    static let maxBytes = 940

    init(siteNo: Int64, sequence: UInt64, arrival: Int64, record: [UInt8]) {
        self.siteNo = siteNo
        low = sequence
        high = sequence
        firstArrival = arrival
        lastArrival = arrival
        Self.put(&bytes, step: 0, record: record)
    }

    /// Appends the change numbered `high + 1` when it joins the run, as v5 did.
    mutating func append(sequence: UInt64, arrival: Int64, record: [UInt8]) -> Bool {
        guard sequence == high + 1, arrival > lastArrival, bytes.count + record.count + 2 * 10 <= Self.maxBytes else { return false }
        Self.put(&bytes, step: UInt64(arrival - lastArrival), record: record)
        high = sequence
        lastArrival = arrival
        return true
    }

    func insert(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO fs_change_runs(site_no, seq_lo, seq_hi, arrival, records) VALUES (?, ?, ?, ?, ?)",
                       arguments: [siteNo, low.sql, high.sql, firstArrival, Data(bytes)])
    }

    private static func put(_ bytes: inout [UInt8], step: UInt64, record: [UInt8]) {
        LogRun.putUVarint(&bytes, step)
        LogRun.putUVarint(&bytes, UInt64(record.count))
        bytes.append(contentsOf: record)
    }

    /// Calls `body` with every change of `fs_change_runs` by (site number, sequence): its
    /// site number, sequence, arrival and record. Throws when a run's bytes do not hold
    /// exactly one change per number.
    static func forEachEntry(_ db: Database, _ body: (Int64, UInt64, Int64, ArraySlice<UInt8>) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT site_no, seq_lo, seq_hi, arrival, records FROM fs_change_runs ORDER BY site_no, seq_lo")
        while let row = try rows.next() {
            let siteNo: Int64 = row[0], low = UInt64(sql: row[1]), high = UInt64(sql: row[2])
            var arrival: Int64 = row[3]
            guard arrival >= 0 else { throw StoreError.corrupt(reason: "a change log run of store version 5 is damaged") }
            let bytes = [UInt8](row[4] as Data)
            var offset = 0
            var sequence = low
            while offset < bytes.count {
                let step = try LogRun.uvarint(bytes, &offset)
                let length = try LogRun.uvarint(bytes, &offset)
                guard sequence <= high, step <= UInt64(Int64.max - arrival), length <= UInt64(bytes.count - offset) else {
                    throw StoreError.corrupt(reason: "a change log run of store version 5 is damaged")
                }
                arrival += Int64(step)
                try body(siteNo, sequence, arrival, bytes[offset..<(offset + Int(length))])
                offset += Int(length)
                sequence &+= 1
            }
            guard high >= low, sequence == high &+ 1 else { throw StoreError.corrupt(reason: "a change log run of store version 5 is damaged") }
        }
    }
}
