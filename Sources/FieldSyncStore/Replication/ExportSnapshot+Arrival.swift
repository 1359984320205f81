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
    /// Cost: the keys of the entries exported, sorted once, then one lookup per entry
    /// (``ChangeLog/forEachEntryByArrival(_:in:_:)``).
    public func forEachBatchInArrivalOrder(since: VersionVector, batchSize: Int, _ body: ([Change]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        let sites = try SiteDirectory(db)
        var owed: [Int64: ClosedRange<UInt64>] = [:]
        for (no, site) in sites.siteOf { owed[no] = ChangeLog.after(since[site]) }
        var decoder = ChangeDecoder()
        var batch: [Change] = []
        try ChangeLog.forEachEntryByArrival(db, in: owed) { entry in
            batch.append(try Self.logged(entry.record, site: sites.siteOf[entry.siteNo], sequence: entry.sequence, &decoder))
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}
