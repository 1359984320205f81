import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation
import Logging

/// What an export wrote.
public struct ExportResult: Sendable {
    public let path: String
    public let header: BundleHeader
    public let recipientName: String
    public let recipientSite: SiteID
    /// Changes the recipient lacks but cannot hold yet, per table: they belong to tables or
    /// columns added after the recipient's case schema version (``recipientSchemaVersion``),
    /// so they were left out and wait until the recipient upgrades. Empty when none.
    public var waitingForUpgrade: [String: Int] = [:]
    /// The case schema version the bundle was written for (the recipient's).
    public var recipientSchemaVersion: Int

    /// How many changes wait for the recipient's upgrade.
    public var waitingForUpgradeCount: Int { waitingForUpgrade.values.reduce(0, +) }

    /// One line for an operator when changes wait for the recipient's upgrade, else nil.
    public var upgradeNotice: String? {
        UpgradeNotice.text(waiting: waitingForUpgrade, recipient: recipientName, version: recipientSchemaVersion)
    }
}

/// The words an operator reads when changes wait for a station to upgrade FieldSync.
enum UpgradeNotice {
    static func text(waiting: [String: Int], recipient: String, version: Int) -> String? {
        let total = waiting.values.reduce(0, +)
        guard total > 0 else { return nil }
        let tables = waiting.keys.sorted().joined(separator: ", ")
        return "\(total) change\(total == 1 ? "" : "s") (\(tables)) wait\(total == 1 ? "s" : "") until \(recipient) upgrades FieldSync: "
            + "it runs case schema version \(version), which has no place for them. They are kept at the hub and sent with the first "
            + "return bundle after the station has upgraded and sent a bundle; until then, later changes from the same hub or station are sent again each time."
    }
}

/// Writes one bundle from a replica to one peer: every change the peer is not known to
/// hold, read from one consistent snapshot of the replica.
///
/// The cost is O(changes exported): the store reads the change log by index ranges above
/// the peer's known vector. Nothing is marked as delivered: a change stays owed until the
/// peer says (by vector) that it holds it, so a lost stick only delays.
enum BundleExport {
    static let logger = Logger(label: "fieldsync.export")

    /// Writes the bundle for a peer on `schema` (an earlier version of the replica's, or
    /// nil for the replica's own): the header names that version and its fingerprint, and
    /// changes to tables or columns it lacks are left out and counted in
    /// ``ExportResult/waitingForUpgrade``.
    static func write(from replica: Replica, identity: NodeIdentity, to peer: Peer, kind: BundleKind,
                      out: String, wallClock: WallClock, fileCode: String, signingKey: SigningPrivateKey? = nil,
                      for schema: Schema? = nil, feed: ScopedFeed? = nil, relaying: Bool = false) throws(SyncError) -> ExportResult {
        let target = schema ?? replica.schema
        let downcast = target.version < replica.schema.version
        return try SyncError.catching(file: out) {
            let recipients = try [
                BundleRecipient(site: peer.site, key: AgreementPublicKey(rawRepresentation: peer.agreementKey)),
                BundleRecipient(site: identity.site, key: identity.agreementKey.publicKey),
            ]
            let now = wallClock()
            let created = try replica.issueStamp()
            // The number is used up only when the export is recorded, below: an export that
            // fails or is killed leaves it for the next one. A file already under the name
            // (written, but killed before it was recorded) is left alone.
            var sequence = try replica.upcomingExportSequence()
            var path = try resolve(out: out, name: BundleFileName.make(senderCode: fileCode, kind: kind, sequence: sequence, createdMillis: now))
            while out.hasSuffix("/") || isFolder(out), FileManager.default.fileExists(atPath: path) {
                sequence += 1
                path = try resolve(out: out, name: BundleFileName.make(senderCode: fileCode, kind: kind, sequence: sequence, createdMillis: now))
            }
            let removed = BundleWriter.removeStalePartialFiles(in: (path as NSString).deletingLastPathComponent.isEmpty
                                                                ? "." : (path as NSString).deletingLastPathComponent)
            if !removed.isEmpty {
                logger.notice("removed partial files of an earlier export that did not finish", metadata: ["count": "\(removed.count)"])
            }
            let since = try replica.knownVector(of: peer.site)
            // A return bundle also carries the station's own change the hub believes it
            // holds last (the anchor, S13), so a station restored from an older copy finds
            // out before it loses anything; normally that is one duplicate.
            var from = since
            if kind == .hubToStation, since[peer.site] > 0 { from[peer.site] = since[peer.site] - 1 }
            // A station sends only its own changes (A1): the hub would refuse any other's,
            // and a station cannot vouch for them. A county hub relays its whole county (T3).
            let only = kind == .stationToHub && !relaying ? identity.site : nil
            if let feed {
                // A scoped station (P3): its own changes from the anchor, then its township's feed.
                from = VersionVector([peer.site: from[peer.site]])
            }
            let (header, waiting): (BundleHeader, [String: Int]) = try replica.exportSnapshot { snapshot in
                var vector = try snapshot.vector()
                let only = feed != nil ? peer.site : only
                var counts = try snapshot.counts(since: from, only: only)
                var waiting: [String: Int] = [:]
                if let feed {
                    let through = try snapshot.feedPosition()
                    if through > 0 { vector[feed.site] = through }
                    let held = since[feed.site]
                    // The feed's changes a station on an older schema cannot hold wait too
                    // (the hub sends its feed again from the start once it upgrades).
                    try snapshot.forEachFeedBatch(township: feed.township, after: held, excluding: peer.site,
                                                  skipping: feed.skipsHeld ? since : .empty, batchSize: 4096) { batch in
                        for change in batch {
                            if downcast && !target.holds(change) { waiting[change.table, default: 0] += 1 }
                            else { counts[change.table, default: 0] += 1 }
                        }
                    }
                }
                if downcast {
                    let heldBack = try BundleSchema.heldBack(in: snapshot, since: from, only: only, for: target)  // hub to station only
                    for (table, n) in heldBack {
                        counts[table, default: 0] -= n
                        waiting[table, default: 0] += n
                    }
                }
                let draft = BundleDraft(
                    kind: kind, sender: identity.site, senderName: identity.name,
                    created: created,
                    schemaName: target.name, schemaVersion: target.version,
                    schemaFingerprint: Replica.fingerprint(target), recipients: recipients,
                    senderVector: vector, assumedVector: since,
                    acknowledgement: kind == .hubToStation ? vector : nil,
                    tableCounts: counts)
                // A hub signs with the key the station trusts (hub key rotation), else its own.
                let writer = try BundleWriter(path: path, draft: draft, signingKey: signingKey ?? identity.signingKey)
                let append = { (batch: [Change]) in try writer.append(contentsOf: downcast ? batch.filter(target.holds) : batch) }
                // A county's relay to its province: each row's creation first (T3).
                if relaying { try snapshot.forEachBatchInArrivalOrder(since: from, batchSize: 4096, append) }
                else { try snapshot.forEachBatch(since: from, only: only, batchSize: 4096, append) }
                if let feed {
                    try snapshot.forEachFeedBatch(township: feed.township, after: since[feed.site], excluding: peer.site,
                                                  skipping: feed.skipsHeld ? since : .empty, batchSize: 4096, append)
                }
                return (try writer.finish(), waiting)
            }
            try replica.recordExport(BundleRecord(bundleID: header.bundleID.bytes, peer: peer.site, createdStamp: header.created,
                                                  atMillis: now, changeCount: header.totalChanges,
                                                  fileName: (path as NSString).lastPathComponent),
                                     sequence: sequence)
            logger.info("bundle written", metadata: [
                "bundle": "\(header.bundleID.hex)", "to": "\(peer.site)", "changes": "\(header.totalChanges)",
                "schema": "\(target.version)", "waiting": "\(waiting.values.reduce(0, +))",
            ])
            return ExportResult(path: path, header: header, recipientName: peer.shownName, recipientSite: peer.site,
                                waitingForUpgrade: waiting, recipientSchemaVersion: target.version)
        }
    }

    /// A scoped station's feed (P3): its pseudo-origin and township.
    struct ScopedFeed {
        let site: SiteID
        let township: String
        /// Whether changes the recipient holds by its vector are left out: a county hub
        /// relays other origins' changes, which must not come back to it (T4).
        var skipsHeld = false

        func skippingHeld() -> ScopedFeed { ScopedFeed(site: site, township: township, skipsHeld: true) }
    }

    static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// `out` may be a folder (the bundle is named for an operator) or a file path.
    static func resolve(out: String, name: String) throws(SyncError) -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), isDir.boolValue {
            return (out as NSString).appendingPathComponent(name)
        }
        if out.hasSuffix("/") {
            try NodeFolder(out).create()
            return (out as NSString).appendingPathComponent(name)
        }
        let parent = (out as NSString).deletingLastPathComponent
        if !parent.isEmpty { try NodeFolder(parent).create() }
        return out
    }
}
