import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

extension Hub {
    /// Whether `station` is served its township's feed (P3) rather than the whole county:
    /// the hub and the station both run a scoped schema.
    func servesScope(to station: Peer) throws(SyncError) -> Bool {
        guard replica.scope != nil, station.township != nil else { return false }
        return Scoping.isScoped(try schema(of: station.site))
    }

    /// The feed pseudo-origin of `station`'s township at this hub.
    func feedSite(of station: Peer) -> SiteID? {
        station.township.map { FeedSite.of(hub: identity.site, township: $0) }
    }

    /// The scope check for a station's bundle (P4–P5): its changes must stay within its
    /// township's cases, except changes it made while a case transferred away was still
    /// its own — numbered before its latest release of the case (a `case_release` row, in
    /// this bundle or merged before), or, before any release, made before the station
    /// received the transfer (its feed position in the bundle is below the transfer's).
    ///
    /// The latest release, not the first: a laptop restored from a copy taken before the
    /// transfer works on the case again until it learns of the transfer a second time; its
    /// repair numbers that work after the first release, and its second release after it.
    func scopeCheck(for station: Peer, header: BundleHeader, bundle: ReadableBundle, file: String) throws -> (ScopeCheck, [String: UInt64])? {
        // A bundle labelled with an older schema is checked too once the station has sent a
        // scoped one: the label is the sender's word, and an insider could claim any version.
        let upgrading = try schema(of: station.site).version < Scoping.firstScopedVersion
        guard replica.scope != nil, let township = station.township, Scoping.isScoped(replica.schema),
              header.schemaVersion >= Scoping.firstScopedVersion || !upgrading else { return nil }
        var releases: [String: UInt64] = try knownReleases(of: station.site)
        var inBundle: [String: UInt64] = [:]
        if (header.tableCounts["case_release"] ?? 0) > 0 {
            let heldOfStation = try replica.vector()[station.site]
            var firstSequence: [String: UInt64] = [:]
            var household: [String: String] = [:]
            try bundle.forEachBatch { batch in
                for change in batch where change.table == "case_release" && change.origin == station.site {
                    firstSequence[change.rowID] = min(firstSequence[change.rowID] ?? .max, change.sequence)
                    if change.column == "household_id", case let .text(id) = change.value { household[change.rowID] = id }
                }
            }
            for (row, id) in household.sorted(by: { $0.key < $1.key }) {
                // A station releases a case it gave away (a transfer pinned in its feed), or, in
                // its first scoped bundle only, a case it held when every station held all
                // (an upgrade). A release of anything else would open another township's case.
                // A release the hub already holds (a restored laptop sends its own history
                // again) was judged when it first arrived.
                // A release of a case the hub does not hold opens nothing (no change to a case
                // it holds is judged by it).
                let held = try firstSequence[row]! <= heldOfStation || replica.township(ofCase: id) == nil
                let pinned = try held || replica.hasPinnedTransfer(of: id, under: township)
                guard pinned || upgrading else {
                    throw SyncError.unauthorized(sender: station.displayName, AuthorityViolation(
                        rule: "P5 release", table: "case_release", rowID: row,
                        reason: "it releases household \(id), which was never transferred away from this station's township \(township)",
                        reasonZh: "该记录声明移交了户 \(id)，但该户从未由本站所在乡镇 \(township) 移出"), file: file)
                }
                let sequence = firstSequence[row]!
                inBundle[id] = max(inBundle[id] ?? 0, sequence)
                releases[id] = max(releases[id] ?? 0, sequence)
            }
        }
        let cursor = feedSite(of: station).map { header.senderVector[$0] } ?? 0
        let known = releases
        let check = ScopeCheck(township: township) { household, _, sequence, transferPosition in
            if let released = known[household] { return sequence < released }
            guard let transferPosition else { return false }
            return cursor < UInt64(transferPosition)
        }
        return (check, inBundle)
    }

    /// The first sequence of each release `station` sent, by household (kept in settings).
    private func knownReleases(of station: SiteID) throws -> [String: UInt64] {
        let prefix = Self.releaseKeyPrefix(station)
        var result: [String: UInt64] = [:]
        for (key, value) in try replica.settings(withPrefix: prefix) {
            if let sequence = UInt64(value) { result[String(key.dropFirst(prefix.count))] = sequence }
        }
        return result
    }

    static func releaseKeyPrefix(_ station: SiteID) -> String { "release:\(station.hex):" }

    /// The changes a scoped station has not received: its feed above the position it
    /// reported, and its own changes from the anchor (S13).
    func changesPending(forScoped station: Peer) throws -> Int {
        guard let township = station.township, let feed = feedSite(of: station) else { return 0 }
        return try replica.exportSnapshot { snapshot in
            let since = station.knownVector
            let feedCount = try snapshot.feedCounts(township: township, after: since[feed], excluding: station.site,
                                                    skipping: station.role == .hub ? since : .empty).values.reduce(0, +)
            return feedCount + (try snapshot.changeCount(since: VersionVector([station.site: since[station.site]]), only: station.site))
        }
    }
}
