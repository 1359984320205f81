import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What `fieldsync bundle inspect` and `verify` report about one bundle file, without
/// applying it.
public struct BundleInspection: Sendable {
    public let path: String
    public let fileSize: Int
    public let header: BundleHeader
    public let signerFingerprint: String
    /// Present when a key was given and it opens the bundle.
    public let records: [Change]?
    /// True when `records` stops short of the whole bundle (see `recordLimit`).
    public let recordsTruncated: Bool
    /// Present when a replica was given: what applying the bundle there would do.
    public let dryRun: ApplyReport?
}

/// Reads bundles for people: checks integrity and authenticity, shows the header (which
/// holds no personal data), and with a recipient's key lists the records. Never writes.
public enum BundleInspector {
    /// Checks the digest and signature and parses the header. Needs no key: anyone holding
    /// the file can tell whether it is intact and who signed it.
    public static func verify(path: String) throws(SyncError) -> VerifiedBundle {
        let name = BundleFiles.shownName(path)
        do {
            return try UnverifiedBundle.open(path: path).verify()
        } catch { throw .bundle(file: name, error) }
    }

    /// Verifies the file and, given an identity that is one of its recipients, decrypts it
    /// and lists up to `recordLimit` records (every frame is checked either way). Given a
    /// replica, applies the bundle there inside a transaction that is always rolled back,
    /// to report what it would change.
    public static func inspect(path: String, identity: NodeIdentity? = nil, recordLimit: Int = 1000,
                               dryRunOn replica: Replica? = nil) throws(SyncError) -> BundleInspection {
        let name = BundleFiles.shownName(path)
        let verified = try verify(path: path)
        guard let identity else {
            return BundleInspection(path: path, fileSize: verified.fileSize, header: verified.header,
                                    signerFingerprint: verified.signerKey.fingerprint, records: nil,
                                    recordsTruncated: false, dryRun: nil)
        }
        do {
            let readable = try verified.open(as: identity.site, key: identity.agreementKey(opening: verified.header))
            var records: [Change] = []
            var truncated = false
            try readable.forEachBatch { batch in
                let room = recordLimit - records.count
                if room < batch.count { truncated = true }
                records += batch.prefix(max(0, room))
            }
            var dryRun: ApplyReport?
            if let replica {
                do {
                    _ = try SyncError.naming(try replica.peer(verified.header.sender), file: name) {
                        try replica.importChanges { tx -> Void in
                            // The same checks as the real merge: a hub holds a station's bundle to A1–A4.
                            if replica.role == .hub {
                                tx.mergeGuard = MergeGuard(onlyOrigin: verified.header.sender, authority: CaseworkAuthority(), writer: .station)
                                tx.mergeGuard.newRowIDPrefix = RowIDGenerator.prefix(of: verified.header.sender)
                            }
                            try readable.forEachRowBatch { try tx.apply($0) }
                            dryRun = tx.report
                            throw DryRunRollback()
                        }
                    }
                } catch is DryRunRollback {}
            }
            return BundleInspection(path: path, fileSize: verified.fileSize, header: verified.header,
                                    signerFingerprint: verified.signerKey.fingerprint, records: records,
                                    recordsTruncated: truncated, dryRun: dryRun)
        } catch let error as SyncError {
            throw error
        } catch let error as BundleError {
            throw .bundle(file: name, error)
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .io("\(name): \(error)")
        }
    }

    private struct DryRunRollback: Error {}
}
