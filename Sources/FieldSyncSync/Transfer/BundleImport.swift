import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation
import Logging

/// How one verified bundle is to be applied: what its changes must satisfy, which
/// acknowledgement to adopt, and anything else to write in the same transaction. The
/// hub and the station each decide it from the bundle's peer, header and content.
struct ImportPlan {
    var mergeGuard: MergeGuard
    /// The vector to adopt as what the peer holds (S6); `nil` for the header's own.
    var acknowledgement: VersionVector?
    /// Extra writes in the import's transaction (after the changes, before the bookkeeping).
    var inTransaction: ((inout ImportTransaction) throws -> Void)?
    /// Whether the receiver's clock moves past the bundle's created stamp (within M5), so
    /// that its next bundle is dated after this one (S6). A hub always does; a station
    /// only while its own history is being restored (S13), so that a fast clock at one
    /// station does not reach every other station through empty bundles.
    var observeCreated: Bool
    /// The audit event the import records when it brings something (``ImportAudit``).
    var audit: ImportAudit?

    init(_ mergeGuard: MergeGuard, acknowledgement: VersionVector? = nil, observeCreated: Bool = false,
         inTransaction: ((inout ImportTransaction) throws -> Void)? = nil) {
        self.mergeGuard = mergeGuard
        self.acknowledgement = acknowledgement
        self.observeCreated = observeCreated
        self.inTransaction = inTransaction
    }
}

/// What importing one bundle did.
public struct ImportResult: Sendable {
    public enum Outcome: String, Sendable { case applied, alreadyImported }
    public let path: String
    public let header: BundleHeader
    public let senderName: String
    public let outcome: Outcome
    public let report: ApplyReport
}

/// Reads one bundle into a replica, in the order that keeps bad input harmless:
///
/// 1. the signer's key (at a fixed place in the file) must belong to a trusted peer;
/// 2. the whole file's digest and signature are checked before anything is parsed;
/// 3. the signed header must be of the expected direction, from that peer, addressed to
///    this replica, under this replica's schema or a released older version of it
///    (``BundleSchema``);
/// 4. the changes are applied in one transaction with the bookkeeping (the peer's vector,
///    the bundle id): all or nothing. The frames are decrypted, inflated, parsed and
///    counted as they are applied (``VerifiedBundle/openInOnePass(as:key:)``), so a
///    damaged frame or a wrong count anywhere in the file rolls the whole import back:
///    the file is proven sound before anything of it takes effect, in one pass over the
///    body instead of two.
///
/// A bundle already imported is a no-op; so is every change already held.
enum BundleImport {
    static let logger = Logger(label: "fieldsync.import")

    static func run(into replica: Replica, identity: NodeIdentity, path: String, expecting kind: BundleKind,
                    wallClock: WallClock, trustedPeer: (SigningPublicKey) throws(SyncError) -> Peer,
                    plan makePlan: (Peer, BundleHeader, ReadableBundle) throws -> ImportPlan,
                    afterEachBatch: ((Int) throws -> Void)? = nil) throws(SyncError) -> ImportResult {
        let name = BundleFiles.shownName(path)
        return try SyncError.catching(file: name) {
            let unverified = try UnverifiedBundle.open(path: path)
            let peer = try trustedPeer(unverified.signerKey)
            let verified = try unverified.verify()
            let header = verified.header
            // Refusals from here on name the signer as an operator knows it.
            let signed = "\(name) (signed by \(peer.operatorName))"
            guard header.kind == kind else { throw SyncError.wrongDirection(file: signed, expected: kind) }
            guard header.sender == peer.site else { throw SyncError.senderMismatch(file: signed) }
            guard header.recipients.contains(where: { $0.site == identity.site }) else { throw SyncError.notAddressedToUs(file: signed) }
            let declared = try BundleSchema.recognise(header, by: replica, file: signed)
            if try replica.hasImported(bundleID: header.bundleID.bytes) {
                logger.info("bundle already imported", metadata: ["bundle": "\(header.bundleID.hex)"])
                return ImportResult(path: path, header: header, senderName: peer.shownName, outcome: .alreadyImported,
                                    report: ApplyReport(applied: 0, stale: 0, duplicate: header.totalChanges, conflicts: 0))
            }
            if kind == .stationToHub { try ClockSkewLog.record(header.created, from: peer.site, in: replica, wallMillis: wallClock()) }
            // Encrypted to the key the sender knew: the current one or, at a hub that rotated
            // its keys, a retired one.
            let readable = try verified.openInOnePass(as: identity.site, key: identity.agreementKey(opening: header))
            let plan = try makePlan(peer, header, readable)
            let ((), report) = try SyncError.naming(peer, file: name) { () throws -> ((), ApplyReport) in try replica.importChanges { tx in
                tx.mergeGuard = plan.mergeGuard
                var batches = 0
                var syncWritten = 0
                // Whole rows: a frame may end between two cells of one row (forEachRowBatch).
                try readable.forEachRowBatch { changes in
                    if declared.version < replica.schema.version { try BundleSchema.checkHeld(changes, by: declared, in: replica, file: name) }
                    syncWritten += try ImportAudit.apply(changes, in: &tx)
                    batches += 1
                    try afterEachBatch?(batches)
                }
                // The sender's vector (for a hub: its acknowledgement) from its newest bundle (S6).
                try plan.inTransaction?(&tx)
                try plan.audit?.recordIfBrought(tx.report, syncWritten: syncWritten, header: header, in: &tx)
                if plan.observeCreated { try tx.observe(header.created, from: peer.site) }
                try tx.adoptKnownVector(plan.acknowledgement ?? header.acknowledgement ?? header.senderVector,
                                        of: peer.site, asOf: header.created)
                try tx.recordImport(BundleRecord(bundleID: header.bundleID.bytes, peer: peer.site, createdStamp: header.created,
                                                 atMillis: wallClock(), changeCount: header.totalChanges, fileName: name))
            } }
            logger.info("bundle imported", metadata: [
                "bundle": "\(header.bundleID.hex)", "from": "\(peer.site)", "applied": "\(report.applied)",
                "stale": "\(report.stale)", "duplicate": "\(report.duplicate)", "conflicts": "\(report.conflicts)",
            ])
            return ImportResult(path: path, header: header, senderName: peer.shownName, outcome: .applied, report: report)
        }
    }
}

