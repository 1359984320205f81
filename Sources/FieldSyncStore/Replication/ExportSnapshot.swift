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

    /// Per table, how many log entries `since` does not cover (of `origin` only, when given).
    ///
    /// The table is read from the head of each record (its first field), without decoding
    /// the rest; names are counted as bytes and turned into strings once per table.
    public func counts(since: VersionVector, only origin: SiteID? = nil) throws -> [String: Int] {
        var byName: [[UInt8]: Int] = [:]
        let stmt = try db.cachedStatement(sql: "SELECT record FROM fs_changes WHERE site_no = ? AND seq > ?")
        for (no, site) in try originsInOrder(only: origin) {
            let rows = try Row.fetchCursor(stmt, arguments: [no, since[site].sql])
            while let row = try rows.next() {
                let name: [UInt8]? = try row.withUnsafeData(atIndex: 0) { data -> [UInt8]? in
                    guard let data, data.count >= 2 else { return nil }
                    let n = Int(data[data.startIndex]) << 8 | Int(data[data.startIndex + 1])
                    guard data.count >= 2 + n else { return nil }
                    return [UInt8](data[(data.startIndex + 2)..<(data.startIndex + 2 + n)])
                }
                guard let name else { throw StoreError.corrupt(reason: "a log record is truncated") }
                byName[name, default: 0] += 1
            }
        }
        var counts: [String: Int] = [:]
        for (name, n) in byName {
            guard let table = String(validating: name, as: UTF8.self) else { throw StoreError.corrupt(reason: "a log record's table is not UTF-8") }
            counts[table, default: 0] += n
        }
        return counts
    }

    /// How many log entries `since` does not cover (of `origin` only, when given).
    public func changeCount(since: VersionVector, only origin: SiteID? = nil) throws -> Int {
        var total = 0
        let stmt = try db.cachedStatement(sql: "SELECT COUNT(*) FROM fs_changes WHERE site_no = ? AND seq > ?")
        for (no, site) in try originsInOrder(only: origin) {
            total += try Int.fetchOne(stmt, arguments: [no, since[site].sql]) ?? 0
        }
        return total
    }

    /// Hands every log entry with `sequence > since[origin]` to `body`, ordered by (origin,
    /// sequence), in batches of at most `batchSize`. Only one batch is in memory at a time.
    /// With `origin`, only that origin's entries: a station sends only its own changes (A1).
    public func forEachBatch(since: VersionVector, only origin: SiteID? = nil, batchSize: Int,
                             _ body: ([Change]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        var batch: [Change] = []
        batch.reserveCapacity(batchSize)
        var decoder = ChangeDecoder()
        let stmt = try db.cachedStatement(sql: "SELECT seq, record FROM fs_changes WHERE site_no = ? AND seq > ? ORDER BY seq")
        for (no, site) in try originsInOrder(only: origin) {
            let rows = try Row.fetchCursor(stmt, arguments: [no, since[site].sql])
            while let row = try rows.next() {
                let change = try Self.logged(row[1], site: site, sequence: UInt64(sql: row[0]), &decoder)
                batch.append(change)
                if batch.count == batchSize {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    /// Decodes one log entry stored under the key (`site`, `sequence`). The key and the
    /// record must agree, or an export would send a change under another identity than the
    /// one the log (and the vector) counts.
    static func logged(_ record: Data, site: SiteID?, sequence: UInt64, _ decoder: inout ChangeDecoder) throws -> Change {
        let change = try OwnChangeRewrite.decode(record, &decoder)
        guard change.origin == site, change.sequence == sequence else {
            throw StoreError.corrupt(reason: "a log record's origin or sequence differs from its key")
        }
        return change
    }

    /// Interned sites in site-id byte order (the order of ``ChangeID``).
    private func originsInOrder(only origin: SiteID?) throws -> [(Int64, SiteID)] {
        let sites = try SiteDirectory(db)
        return sites.siteOf.sorted { $0.value < $1.value }.map { ($0.key, $0.value) }.filter { origin == nil || $0.1 == origin }
    }
}
