import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation
import Logging

/// A hub restored from a backup (protocol §4d): its folder was copied back from an older
/// copy, so it does not know how far it had numbered its own changes, its rows and its
/// feed positions; the stations hold what it wrote after the copy was taken.
///
/// What each station reports bounds that numbering (HR1): its known vector of the hub (the
/// `assumedVector` of its bundle, adopted from the newest return bundle it imported, S6)
/// counts, at the hub's own origin, every own change the hub had written when it wrote that
/// bundle, and every hub change the station holds came in such a bundle; its feed position
/// (`senderVector[F]`, P6) is a position the hub had used. So the hub numbers past every
/// report it merges (HR2), and after a declared restore writes nothing of its own until
/// every station has reported (HR3).
enum HubRestore {
    static let logger = Logger(label: "fieldsync.hub-restore")

    /// The `fs_settings` key recording the range of the hub's own change numbers that
    /// stations reported holding beyond what the hub itself holds: `low high`.
    static let lostKey = "hub_own_numbers_lost"
    /// The `fs_settings` key listing the stations (hex sites, space-separated) a declared
    /// restore still waits to hear from.
    static let awaitedKey = "hub_restore_awaited"

    /// What a station's bundle says of the hub's numbering, against what the hub holds,
    /// read before its merge.
    struct Report {
        let sender: SiteID
        /// The hub's own changes the station counts (HR1).
        let reportedOwn: UInt64
        /// The feed position the station holds, 0 for an unscoped station.
        let reportedFeed: UInt64
        let feed: SiteID?
        let ownHighest: UInt64
        let lastArrival: UInt64
        /// The other enrolled, unrevoked stations and county hubs: awaited when this report
        /// reveals a restore (HR3).
        let others: [SiteID]

        init(header: BundleHeader, hub: SiteID, feed: SiteID?, peers: [Peer], replica: Replica) throws(StoreError) {
            sender = header.sender
            others = peers.filter { $0.revokedAtMillis == nil && $0.site != header.sender }.map(\.site)
            reportedOwn = max(header.assumedVector[hub], header.senderVector[hub])
            reportedFeed = feed.map { header.senderVector[$0] } ?? 0
            self.feed = feed
            ownHighest = try replica.highestLogged(origin: hub)
            lastArrival = try replica.lastArrival()
            // The hub numbers its next own change and feed position after these (HR2). A
            // claim further past what it holds than any restore can have lost is an
            // insider's header, never a station's real count: numbering past it would leave
            // the hub's counters no room, so every later write of the hub would fail.
            try ImportTransaction.refuseBeyondAnyLoss(reportedOwn, past: ownHighest, what: "the hub's own changes")
            try ImportTransaction.refuseBeyondAnyLoss(reportedFeed, past: lastArrival, what: "its township feed")
        }

        /// The vector to adopt as the station's (S6): its own, except that a feed position
        /// the hub has not reached is one the hub lost; the feed is then sent again from the
        /// start (duplicates are no-ops), since what the hub filed since its restore lies at
        /// positions the station believes it holds. `nil`: adopt the bundle's own.
        func acknowledgement(of header: BundleHeader) -> VersionVector? {
            guard let feed, reportedFeed > lastArrival else { return nil }
            var vector = header.senderVector
            vector[feed] = 0
            return vector
        }
    }

    /// HR2 and HR3, inside a station's merge transaction: numbers the hub's next own change,
    /// next row and next feed position past what the station reported, records the own
    /// numbers the hub lacks (``Hub/lostOwnNumbers()``, so a loss is told, never silent),
    /// holds the hub's own writes until the other stations have reported when this report
    /// is the first to reveal the restore, and lifts the hold once every awaited station
    /// has reported.
    static func follow(_ report: Report, in tx: inout ImportTransaction) throws(StoreError) {
        tx.numberArrivals(after: report.reportedFeed)
        // Reported numbers the hub has not reached yet: they were its own before a restore.
        if report.reportedOwn >= tx.nextOwnSequence {
            try tx.numberOwnChanges(after: report.reportedOwn)
            // The hub draws a row number to write a row with it, one row per own change at
            // most: a counter past the reported count passes the lost changes' rows.
            try tx.raiseSetting(RowIDGenerator.settingKey, toAtLeast: Int(clamping: report.reportedOwn) + 1)
            let recorded = try tx.setting(lostKey).flatMap(LostOwnNumbers.init(encoded:))
            let lost = LostOwnNumbers(low: min(recorded?.low ?? .max, report.ownHighest + 1),
                                      high: max(recorded?.high ?? 0, report.reportedOwn))
            try tx.setSetting(lostKey, lost.encoded)
            logger.warning("a station holds more of the hub's own changes than the hub: restored from a backup",
                           metadata: ["held": "\(report.ownHighest)", "reported": "\(report.reportedOwn)", "station": "\(report.sender)"])
            // Another station may hold more: nothing of the hub's own until each has spoken.
            if try tx.setting(awaitedKey) == nil, !report.others.isEmpty {
                try tx.setSetting(awaitedKey, report.others.map(\.hex).joined(separator: " "))
                try tx.setSetting(Replica.ownWritesHeldKey, heldMessage)
                return
            }
        }
        guard let awaited = try tx.setting(awaitedKey) else { return }
        let still = awaited.split(separator: " ").filter { $0 != report.sender.hex }
        if still.isEmpty {
            try tx.setSetting(awaitedKey, nil)
            try tx.setSetting(Replica.ownWritesHeldKey, nil)
            logger.notice("every station has reported: the restored hub writes again")
        } else {
            try tx.setSetting(awaitedKey, still.joined(separator: " "))
        }
    }

    /// The refusal of a restored hub's own writes while it waits (HR3), in Chinese and English.
    static let heldMessage = "本县级中心已登记为（或被工作站的数据包发现）从备份恢复：在每个工作站的下一个数据包合并之前，不能写入本中心自己的记录（登记、处理冲突、决定、通知、换钥等；吊销照常生效），以免重复使用工作站已有的编号。请先合并各站的数据包；`fieldsync hub repair HUB` 显示还在等待哪些工作站 / "
        + "this hub was restored from a backup (declared, or found by a station's bundle): until a bundle of every station has been merged it writes nothing of its own (enrollments, resolutions, decisions, notices, key rotations; a revocation still takes effect), so as not to reuse a number a station holds. Merge each station's next bundle first; `fieldsync hub repair HUB` shows which stations are still awaited."
}

/// The range of the hub's own change numbers stations reported holding that the hub
/// does not hold (HR2): changes it wrote after the backup it was restored from.
public struct LostOwnNumbers: Sendable, Equatable {
    public let low: UInt64
    public let high: UInt64

    var encoded: String { "\(low) \(high)" }

    init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    init?(encoded: String) {
        let parts = encoded.split(separator: " ").compactMap { UInt64($0) }
        guard parts.count == 2 else { return nil }
        self.init(low: parts[0], high: parts[1])
    }
}

/// Where a restored hub stands (HR3): the stations it still waits to hear from, and its own
/// change numbers the stations hold that it lost.
public struct HubRestoreState: Sendable, Equatable {
    /// Enrolled stations (and county hubs) whose bundle the hub has not merged since the
    /// restore was declared; empty when it writes again.
    public let awaited: [Peer]
    public let lost: LostOwnNumbers?
}

extension Hub {
    /// The hub's own change numbers that stations reported holding and the hub does not
    /// (it was restored from a backup, HR2), or nil when no station ever did.
    public func lostOwnNumbers() throws(SyncError) -> LostOwnNumbers? {
        try SyncError.catching { try replica.setting(HubRestore.lostKey).flatMap(LostOwnNumbers.init(encoded:)) }
    }

    /// Where a restore stands: who is awaited, what was lost.
    public func restoreState() throws(SyncError) -> HubRestoreState {
        let awaited = try SyncError.catching { try replica.setting(HubRestore.awaitedKey)?.split(separator: " ").map(String.init) ?? [] }
        let peers = try stations() + counties()
        return HubRestoreState(awaited: peers.filter { awaited.contains($0.site.hex) }, lost: try lostOwnNumbers())
    }

    /// Declares this hub restored from a backup (HR3): from now on it writes nothing of its
    /// own until it has merged a bundle of every enrolled, unrevoked station and county
    /// hub, each of which numbers it past what that station holds (HR2). Declaring again
    /// while it waits changes nothing.
    @discardableResult
    public func declareRestored() throws(SyncError) -> HubRestoreState {
        let awaited = try (stations() + counties()).filter { $0.revokedAtMillis == nil }
        try SyncError.catching {
            guard try replica.setting(HubRestore.awaitedKey) == nil, !awaited.isEmpty else { return }
            try replica.setSetting(HubRestore.awaitedKey, awaited.map(\.site.hex).joined(separator: " "))
            try replica.setSetting(Replica.ownWritesHeldKey, HubRestore.heldMessage)
            HubRestore.logger.notice("hub declared restored from a backup", metadata: ["awaited": "\(awaited.count)"])
        }
        return try restoreState()
    }

    /// Lifts a declared restore's hold before every station has reported: for a station
    /// that will never send again. The operator takes the risk the hold prevents: a number
    /// that station holds may be reused, and its next return bundle refused (HR4).
    @discardableResult
    public func releaseRestoreHold() throws(SyncError) -> HubRestoreState {
        try SyncError.catching {
            try replica.setSetting(HubRestore.awaitedKey, nil)
            try replica.setSetting(Replica.ownWritesHeldKey, nil)
        }
        return try restoreState()
    }
}
