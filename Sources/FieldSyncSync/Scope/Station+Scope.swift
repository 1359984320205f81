import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation
import Logging

extension Station {
    /// This station's feed pseudo-origin at `hub` (P6), when the station is scoped.
    func feedSite(at hub: Peer) -> SiteID? {
        guard replica.scope != nil, let township = identity.township else { return nil }
        return FeedSite.of(hub: hub.site, township: township)
    }

    /// Adds the scope rules to a return bundle's import plan (P6–P8):
    /// - the feed position: taken when the bundle starts at or below what the station holds;
    /// - a bundle that brings nothing new of the feed (its position is not above the
    ///   station's) is taken for the station's own changes only: the rest was received
    ///   before, or left with a case transferred away, and must not come back;
    /// - after the changes, every case the station's township no longer holds is removed
    ///   from the replica, and the station records a release of each (`case_release`, its
    ///   own change), whose number tells the hub which of its edits came before.
    func scoped(_ plan: ImportPlan, header: BundleHeader, hub: Peer) throws -> ImportPlan {
        guard let feed = feedSite(at: hub), let township = identity.township else { return plan }
        var plan = plan
        let held = try replica.vector()[feed]
        let from = header.assumedVector[feed], through = header.senderVector[feed]
        if through > 0, through <= held { plan.mergeGuard.appliesOnlyOrigin = identity.site }
        let earlier = plan.inTransaction
        plan.inTransaction = { [self] tx in
            try earlier?(&tx)
            if through > 0 { try tx.advanceFeed(feed, from: from, through: through) }
            try letGoOfCasesTransferredAway(&tx, township: township)
        }
        return plan
    }

    /// Removes every case the station's township no longer holds and records a release of
    /// each, in the transaction `tx` (P8).
    func letGoOfCasesTransferredAway(_ tx: inout ImportTransaction, township: String) throws {
        let evicted = try tx.evictCasesOutside(township: township)
        guard !evicted.isEmpty else { return }
        Self.scopeLogger.info("cases transferred away removed", metadata: ["count": "\(evicted.count)"])
        let now = Timestamp(Date(timeIntervalSince1970: Double(wallClock()) / 1000)).description
        for gone in evicted {
            let id = try RowIDGenerator.next(in: &tx, site: identity.site)
            try tx.writeLocal({ local throws(StoreError) in
                try local.write(table: "case_release", rowID: id, values: [
                    "household_id": .text(gone.household), "transfer_id": .text(gone.transferID ?? gone.household),
                    "township": .text(township), "released_at": .text(now),
                ])
            }, replica: replica)
        }
    }

    /// After the rows were rebuilt from the log (a clock repair, a restored copy's repair),
    /// a case the rebuild shows in another township is let go as an import would (P8).
    func letGoOfCasesTransferredAway() throws(SyncError) {
        guard replica.scope != nil, let township = identity.township else { return }
        try SyncError.catching {
            _ = try replica.importChanges { tx in try letGoOfCasesTransferredAway(&tx, township: township) }
        }
    }

    static let scopeLogger = Logger(label: "fieldsync.scope")
}
