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
    func scopeCheck(for station: Peer, header: BundleHeader, bundle: ReadableBundle, file: String,
                    quarantined: Bool = false) throws -> (ScopeCheck, [String: ReleaseRecord])? {
        // A bundle labelled with an older schema is checked too once the station has sent a
        // scoped one: the label is the sender's word, and an insider could claim any version.
        let upgrading = try schema(of: station.site).version < Scoping.firstScopedVersion
        guard replica.scope != nil, let township = station.township, Scoping.isScoped(replica.schema),
              header.schemaVersion >= Scoping.firstScopedVersion || !upgrading else { return nil }
        var releases: [String: UInt64] = try knownReleases(of: station.site)
        var inBundle: [String: ReleaseRecord] = [:]
        // Where the station's history last parted from the hub's (S13): a restore the hub saw.
        let restorePoint = try replica.setting(Self.divergenceKey(station.site)).flatMap(UInt64.init)
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
                let pinnedAt = try replica.pinnedTransferPosition(of: id, under: township) ?? 0
                // A later release of a case already released raises what the station's earlier
                // edits of it may be (P5), so it must be explained by what the hub itself saw: a
                // restore of the station after that release (its restored copy works on the case
                // until it learns of the transfer again, §8), or a new transfer away since. A
                // station's word alone (an insider's release written after its edits) raises
                // nothing; the row is still taken, as an honest second release may carry nothing.
                if let known = releases[id], sequence > known {
                    let restoredSince = restorePoint.map { $0 >= known } ?? false
                    let answered = try releasedAtTransfer(of: station.site, household: id)
                    guard restoredSince || pinnedAt > answered else { continue }
                }
                let record = ReleaseRecord(sequence: max(inBundle[id]?.sequence ?? 0, sequence), pinnedAt: pinnedAt)
                inBundle[id] = record
                releases[id] = max(releases[id] ?? 0, sequence)
            }
        }
        // The feed position the station reports, or the highest it reported before, whichever
        // is higher: a station that said it had received its feed past a transfer cannot take
        // it back to make its edits look older (P5). A restore the hub saw lowers it (S13).
        // A bundle from quarantine is the lost laptop's, judged by what it said itself.
        let reported = feedSite(of: station).map { header.senderVector[$0] } ?? 0
        let cursor = quarantined ? reported : max(reported, try feedHigh(of: station.site))
        let known = releases
        let check = ScopeCheck(township: township) { household, _, sequence, transferPosition in
            if let released = known[household] { return sequence < released }
            guard let transferPosition else { return false }
            return cursor < UInt64(transferPosition)
        }
        return (check, inBundle)
    }

    /// A release of a case that raises what the station's edits of it may be (P5): its first
    /// sequence, and the feed position of the transfer it answered.
    struct ReleaseRecord {
        let sequence: UInt64
        let pinnedAt: Int64
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

    /// The feed position of the transfer the recorded release of `household` answered
    /// (a `release-at:` setting beside the `release:` one), 0 when none was recorded.
    func releasedAtTransfer(of station: SiteID, household: String) throws -> Int64 {
        try replica.setting(Self.releaseTransferKey(station, household)).flatMap(Int64.init) ?? 0
    }

    static func releaseTransferKey(_ station: SiteID, _ household: String) -> String { "release-at:\(station.hex):\(household)" }

    /// The highest feed position `station` has reported in a merged bundle since the hub last
    /// saw its history part (S13).
    func feedHigh(of station: SiteID) throws -> UInt64 {
        try replica.setting(Self.feedHighKey(station)).flatMap(UInt64.init) ?? 0
    }

    static func feedHighKey(_ station: SiteID) -> String { "feed-high:\(station.hex)" }

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
