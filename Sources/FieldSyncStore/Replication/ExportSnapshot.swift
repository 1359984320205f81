import FieldSyncCore
import Foundation
import GRDB

/// One consistent read of a replica's change log, for writing a bundle: the vector, the
/// counts and the changes all describe the same instant, even while imports commit.
///
/// Every query is a range scan of the log's primary key (origin, sequence) per origin, so
/// the cost follows the number of changes exported, not the size of the replica.
/// Only valid inside the closure of ``Replica/exportSnapshot(_:)``.
public struct ExportSnapshot {
    let db: Database

    /// The replica's contiguous vector at the snapshot.
    public func vector() throws -> VersionVector {
        try SiteDirectory(db).vector
    }

    /// Per table, how many log entries `since` does not cover.
    public func counts(since: VersionVector) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let stmt = try db.cachedStatement(sql: "SELECT tbl, COUNT(*) FROM fs_changes WHERE site_no = ? AND seq > ? GROUP BY tbl")
        for (no, site) in try originsInOrder() {
            let rows = try Row.fetchCursor(stmt, arguments: [no, since[site].sql])
            while let row = try rows.next() { counts[row[0], default: 0] += row[1] as Int }
        }
        return counts
    }

    /// How many log entries `since` does not cover.
    public func changeCount(since: VersionVector) throws -> Int {
        var total = 0
        let stmt = try db.cachedStatement(sql: "SELECT COUNT(*) FROM fs_changes WHERE site_no = ? AND seq > ?")
        for (no, site) in try originsInOrder() {
            total += try Int.fetchOne(stmt, arguments: [no, since[site].sql]) ?? 0
        }
        return total
    }

    /// Hands every log entry with `sequence > since[origin]` to `body`, ordered by (origin,
    /// sequence), in batches of at most `batchSize`. Only one batch is in memory at a time.
    public func forEachBatch(since: VersionVector, batchSize: Int, _ body: ([Change]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        let sites = try SiteDirectory(db)
        var batch: [Change] = []
        batch.reserveCapacity(batchSize)
        let stmt = try db.cachedStatement(sql: """
            SELECT seq, tbl, row_id, kind, col, value, stamp, base_stamp, base_site_no
            FROM fs_changes WHERE site_no = ? AND seq > ? ORDER BY seq
            """)
        for (no, site) in try originsInOrder() {
            let rows = try Row.fetchCursor(stmt, arguments: [no, since[site].sql])
            while let row = try rows.next() {
                guard let kind = Change.Kind(rawValue: UInt8(truncatingIfNeeded: row[3] as Int64)) else {
                    throw StoreError.corrupt(reason: "a log entry has an unknown kind")
                }
                let value: Value
                do { value = try Value.decode(encoded: [UInt8](row[5] as Data)) } catch {
                    throw StoreError.corrupt(reason: "a log entry value: \(error)")
                }
                var base: CellVersion?
                if let baseStamp: Int64 = row[7] {
                    base = CellVersion(stamp: HybridTimestamp(rawValue: UInt64(sql: baseStamp)), site: try sites.site(row[8]))
                }
                batch.append(Change(table: row[1], rowID: row[2], kind: kind, column: row[4], value: value,
                                    stamp: HybridTimestamp(rawValue: UInt64(sql: row[6])), origin: site,
                                    sequence: UInt64(sql: row[0]), base: base))
                if batch.count == batchSize {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    /// Interned sites in site-id byte order (the order of ``ChangeID``).
    private func originsInOrder() throws -> [(Int64, SiteID)] {
        let sites = try SiteDirectory(db)
        return sites.siteOf.sorted { $0.value < $1.value }.map { ($0.key, $0.value) }
    }
}
