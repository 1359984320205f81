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
        var vector = try station.replica.vector()
        for change in changes where change.origin == station.identity.site {
            vector[change.origin] = max(vector[change.origin], change.sequence)
        }
        claiming(&vector)
        return try sign(changes, by: station.identity, senderName: senderName, replica: station.replica, to: hub, vector: vector, at: path)
    }

    /// Writes `changes` as a county hub's upstream bundle signed by `county` to its provincial
    /// hub, at `path`; `claiming` edits the header's sender vector before signing.
    @discardableResult
    public static func writeUpstream(from county: Hub, changes: [Change], to path: String,
                                     claiming: (inout VersionVector) -> Void = { _ in }) throws -> String {
        guard let upstream = try county.upstream() else { throw SyncError.notJoined }
        var vector = try county.replica.vector()
        for change in changes { vector[change.origin] = max(vector[change.origin], change.sequence) }
        claiming(&vector)
        return try sign(changes, by: county.identity, senderName: nil, replica: county.replica, to: upstream, vector: vector, at: path)
    }

    /// A bundle to a hub (`kind` 1) from `sender`, encrypted to `receiver` and to itself.
    private static func sign(_ changes: [Change], by sender: NodeIdentity, senderName: String?, replica: Replica, to receiver: Peer,
                             vector: VersionVector, at path: String) throws -> String {
        let recipients = try [
            BundleRecipient(site: receiver.site, key: AgreementPublicKey(rawRepresentation: receiver.agreementKey)),
            BundleRecipient(site: sender.site, key: sender.agreementKey.publicKey),
        ]
        var counts: [String: Int] = [:]
        for change in changes { counts[change.table, default: 0] += 1 }
        let draft = BundleDraft(kind: .stationToHub, sender: sender.site, senderName: senderName ?? sender.name,
                                created: try replica.issueStamp(), schemaName: replica.schema.name,
                                schemaVersion: replica.schema.version, schemaFingerprint: replica.schemaFingerprint,
                                recipients: recipients, senderVector: vector,
                                assumedVector: try replica.knownVector(of: receiver.site), tableCounts: counts)
        let writer = try BundleWriter(path: path, draft: draft, signingKey: sender.signingKey)
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
