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
}

/// Writes one bundle from a replica to one peer: every change the peer is not known to
/// hold, read from one consistent snapshot of the replica.
///
/// The cost is O(changes exported): the store reads the change log by index ranges above
/// the peer's known vector. Nothing is marked as delivered: a change stays owed until the
/// peer says (by vector) that it holds it, so a lost stick only delays.
enum BundleExport {
    static let logger = Logger(label: "fieldsync.export")

    static func write(from replica: Replica, identity: NodeIdentity, to peer: Peer, kind: BundleKind,
                      out: String, wallClock: WallClock, fileCode: String) throws(SyncError) -> ExportResult {
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
            let header: BundleHeader = try replica.exportSnapshot { snapshot in
                let vector = try snapshot.vector()
                let draft = BundleDraft(
                    kind: kind, sender: identity.site, senderName: identity.name,
                    created: created,
                    schemaName: replica.schema.name, schemaVersion: replica.schema.version,
                    schemaFingerprint: replica.schemaFingerprint, recipients: recipients,
                    senderVector: vector, assumedVector: since,
                    acknowledgement: kind == .hubToStation ? vector : nil,
                    tableCounts: try snapshot.counts(since: from))
                let writer = try BundleWriter(path: path, draft: draft, signingKey: identity.signingKey)
                try snapshot.forEachBatch(since: from, batchSize: 4096) { try writer.append(contentsOf: $0) }
                return try writer.finish()
            }
            try replica.recordExport(BundleRecord(bundleID: header.bundleID.bytes, peer: peer.site, createdStamp: header.created,
                                                  atMillis: now, changeCount: header.totalChanges,
                                                  fileName: (path as NSString).lastPathComponent),
                                     sequence: sequence)
            logger.info("bundle written", metadata: [
                "bundle": "\(header.bundleID.hex)", "to": "\(peer.site)", "changes": "\(header.totalChanges)",
            ])
            return ExportResult(path: path, header: header, recipientName: peer.name, recipientSite: peer.site)
        }
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
