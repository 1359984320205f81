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
        for (no, site) in try originsInOrder(only: origin) {
            guard let owed = ChangeLog.after(since[site]) else { continue }
            try ChangeLog.forEach(db, siteNo: no, in: owed) { entry in
                let data = entry.record
                guard data.count >= 2 else { throw StoreError.corrupt(reason: "a log record is truncated") }
                let n = Int(data[data.startIndex]) << 8 | Int(data[data.startIndex + 1])
                guard data.count >= 2 + n else { throw StoreError.corrupt(reason: "a log record is truncated") }
                byName[Array(data[(data.startIndex + 2)..<(data.startIndex + 2 + n)]), default: 0] += 1
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
        for (no, site) in try originsInOrder(only: origin) {
            guard let owed = ChangeLog.after(since[site]) else { continue }
            total += try ChangeLog.count(db, siteNo: no, in: owed)
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
        for (no, site) in try originsInOrder(only: origin) {
            guard let owed = ChangeLog.after(since[site]) else { continue }
            try ChangeLog.forEach(db, siteNo: no, in: owed) { entry in
                batch.append(try Self.logged(entry.record, site: site, sequence: entry.sequence, &decoder))
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
    static func logged(_ record: ArraySlice<UInt8>, site: SiteID?, sequence: UInt64, _ decoder: inout ChangeDecoder) throws -> Change {
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
