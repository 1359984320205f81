import Foundation
import FieldSyncCore
import GRDB

/// The interned origin sites (`fs_sites`) and their contiguous counters, cached for one
/// transaction.
///
/// A replica talks to tens of sites, so loading them all at the start of a transaction is
/// cheaper than a lookup per change, and lets the change log and cell versions store a
/// small integer instead of 16 bytes.
struct SiteDirectory {
    private(set) var numberOf: [SiteID: Int64] = [:]
    private(set) var siteOf: [Int64: SiteID] = [:]
    /// Contiguous sequence per site number, as currently known in this transaction.
    private(set) var contiguous: [Int64: UInt64] = [:]
    private var stored: [Int64: UInt64] = [:]
    /// Numbers each counter may pass without holding them (K8), per site number.
    private var waived: [Int64: [WaivedRange]] = [:]

    init(_ db: Database) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT site_no, site_id, contiguous FROM fs_sites")
        while let row = try rows.next() {
            let no: Int64 = row[0]
            guard let site = SiteID(bytes: [UInt8](row[1] as Data)) else { throw StoreError.corrupt(reason: "a site id in fs_sites is not 16 bytes") }
            let c = UInt64(sql: row[2])
            numberOf[site] = no
            siteOf[no] = site
            contiguous[no] = c
            stored[no] = c
        }
        // A range of the primary key (`waived:` up to `waived;`), not a scan of every setting.
        let waivers = try Row.fetchCursor(db.cachedStatement(sql: "SELECT key, value FROM fs_settings WHERE key > ? AND key < ?"),
                                          arguments: [WaivedRange.settingPrefix, "waived;"])
        while let row = try waivers.next() {
            let key: String = row[0]
            guard let site = SiteID(hex: String(key.dropFirst(WaivedRange.settingPrefix.count))) else {
                throw StoreError.corrupt(reason: "a waived range names a malformed site id")
            }
            if let no = numberOf[site] { waived[no] = try WaivedRange.decode(row[1]) }
        }
    }

    /// The last site interned: bulk imports bring long runs of one origin.
    private var last: (site: SiteID, no: Int64)?

    mutating func intern(_ site: SiteID, _ db: Database) throws -> Int64 {
        if let last, last.site == site { return last.no }
        if let no = numberOf[site] {
            last = (site, no)
            return no
        }
        try db.cachedStatement(sql: "INSERT INTO fs_sites(site_id) VALUES (?)").execute(arguments: [site.bytes.data])
        let no = db.lastInsertedRowID
        numberOf[site] = no
        siteOf[no] = site
        contiguous[no] = 0
        stored[no] = 0
        return no
    }

    func site(_ no: Int64) throws -> SiteID {
        guard let site = siteOf[no] else { throw StoreError.corrupt(reason: "site number \(no) is not interned") }
        return site
    }

    /// Records that `sequence` of site `no` was just inserted: the fast path of the
    /// contiguous counter, for changes arriving in order.
    mutating func noteInserted(_ no: Int64, sequence: UInt64) {
        if contiguous[no] == sequence - 1 { contiguous[no] = sequence }
    }

    /// The highest sequence in the log per site number, read on first need and kept up to
    /// date by ``noteLogged(_:sequence:)``. A change above it cannot be a duplicate, which
    /// lets an import batch its log inserts without a per-change conflict check.
    private var highestLogged: [Int64: UInt64] = [:]

    mutating func highestLogged(_ no: Int64, _ db: Database) throws -> UInt64 {
        if let h = highestLogged[no] { return h }
        let h = try ChangeLog.highest(db, siteNo: no)
        highestLogged[no] = h
        return h
    }

    /// Records that `sequence`, above the highest logged, was logged for site `no`.
    mutating func noteLogged(_ no: Int64, sequence: UInt64) {
        highestLogged[no] = sequence
        noteInserted(no, sequence: sequence)
    }

    /// Advances each counter over sequences already in the log (out-of-order arrivals fill
    /// a gap) and over waived numbers (K8), then persists the counters that moved. Each
    /// scan stops at the first gap, so the cost is the number of sequences the counter
    /// advances over.
    mutating func advanceAndSave(_ db: Database) throws {
        for (no, value) in contiguous {
            let waivers = waived[no] ?? []
            var c = WaivedRange.passing(waivers, from: value)
            // (No sequence is above 2^63 − 1: past it, nothing is held.)
            let held = try ChangeLog.after(c).flatMap { try ChangeLog.heldRanges(db, siteNo: no, overlapping: $0) }
            runs: while c < UInt64(Int64.max), let run = try held?.next() {
                // Numbers held inside a waived range the counter has just passed are skipped.
                let low = UInt64(sql: run[0]), high = UInt64(sql: run[1])
                var seq = max(low, c + 1)
                while seq <= high {
                    guard seq == c + 1 else { break runs }
                    if waivers.isEmpty {
                        c = high
                        break
                    }
                    c = WaivedRange.passing(waivers, from: seq)
                    guard c < UInt64(Int64.max) else { break runs }
                    seq = max(seq + 1, c + 1)
                }
            }
            contiguous[no] = c
            if stored[no] != c {
                try db.cachedStatement(sql: "UPDATE fs_sites SET contiguous = ? WHERE site_no = ?").execute(arguments: [c.sql, no])
                stored[no] = c
            }
        }
    }

    /// Sets a counter outright: a feed's position (P6), or a lower value after a case's
    /// log entries were removed from a station (P8).
    mutating func setContiguous(_ no: Int64, _ value: UInt64) {
        contiguous[no] = value
    }

    var vector: VersionVector {
        var v = VersionVector.empty
        for (no, c) in contiguous where c > 0 { v[siteOf[no]!] = c }
        return v
    }
}
