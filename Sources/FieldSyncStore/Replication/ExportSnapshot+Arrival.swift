import FieldSyncCore
import Foundation
import GRDB

extension ExportSnapshot {
    /// Hands every log entry with `sequence > since[origin]` to `body` in the order this
    /// replica logged them (arrival), in batches of at most `batchSize`.
    ///
    /// A county hub relays many origins' changes to its province (T3). In (origin, sequence)
    /// order another origin's edit of a row could come before the row's creation, and the
    /// province would find a new row without its required fields, or a row of no household
    /// it holds. The county logged every change after what it depends on (a replica edits
    /// only rows it holds), so arrival order carries each row's creation first.
    /// Cost: the keys of the entries exported, sorted once, then one lookup per entry (a
    /// run read once for the entries it holds that come one after another).
    public func forEachBatchInArrivalOrder(since: VersionVector, batchSize: Int, _ body: ([Change]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        let sites = try SiteDirectory(db)
        var keys: [(arrival: Int64, siteNo: Int64, sequence: UInt64)] = []
        for (no, site) in sites.siteOf where since[site] < UInt64(Int64.max) {
            try ChangeLog.forEachRun(db, siteNo: no, overlapping: ChangeLog.from(since[site] + 1)) { run in
                try run.forEach { sequence, arrival, _ in
                    if sequence > since[site] { keys.append((arrival, no, sequence)) }
                }
            }
        }
        keys.sort { ($0.arrival, $0.siteNo, $0.sequence) < ($1.arrival, $1.siteNo, $1.sequence) }
        let lookup = LogLookup(db: db)
        var decoder = ChangeDecoder()
        var batch: [Change] = []
        batch.reserveCapacity(min(batchSize, keys.count))
        for key in keys {
            guard let data = try lookup.record(siteNo: key.siteNo, sequence: key.sequence) else { continue }
            let change = try Self.logged(data, site: sites.siteOf[key.siteNo], sequence: key.sequence, &decoder)
            batch.append(change)
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}
