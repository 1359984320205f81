import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync

/// Bundles an enrolled station could sign with a modified program: any changes at all,
/// properly signed and encrypted to its hub. What the hub must refuse (rules A1–A4) is
/// built with this, so the tests attack the real merge, not a mock of it.
public enum InsiderBundle {
    /// Writes `changes` as a bundle signed by `station` to its hub, at `path`; `claiming`
    /// edits the header's sender vector (what the station says it holds) before signing;
    /// `senderName` replaces the station's name in the header.
    @discardableResult
    public static func write(from station: Station, changes: [Change], to path: String, senderName: String? = nil,
                             claiming: (inout VersionVector) -> Void = { _ in }) throws -> String {
        guard let hub = try station.hub() else { throw SyncError.notJoined }
        let recipients = try [
            BundleRecipient(site: hub.site, key: AgreementPublicKey(rawRepresentation: hub.agreementKey)),
            BundleRecipient(site: station.identity.site, key: station.identity.agreementKey.publicKey),
        ]
        var counts: [String: Int] = [:]
        for change in changes { counts[change.table, default: 0] += 1 }
        var vector = try station.replica.vector()
        for change in changes where change.origin == station.identity.site {
            vector[change.origin] = max(vector[change.origin], change.sequence)
        }
        claiming(&vector)
        let draft = BundleDraft(kind: .stationToHub, sender: station.identity.site, senderName: senderName ?? station.identity.name,
                                created: try station.replica.issueStamp(), schemaName: station.replica.schema.name,
                                schemaVersion: station.replica.schema.version, schemaFingerprint: station.replica.schemaFingerprint,
                                recipients: recipients, senderVector: vector,
                                assumedVector: try station.replica.knownVector(of: hub.site), tableCounts: counts)
        let writer = try BundleWriter(path: path, draft: draft, signingKey: station.identity.signingKey)
        try writer.append(contentsOf: changes)
        _ = try writer.finish()
        return path
    }

    /// The next sequence number `station` would use, and a fresh stamp: what a forged
    /// change needs to look like the station's next one.
    public static func next(of station: Station) throws -> (sequence: UInt64, stamp: HybridTimestamp) {
        (try station.replica.vector()[station.identity.site] + 1, try station.replica.issueStamp())
    }
}
