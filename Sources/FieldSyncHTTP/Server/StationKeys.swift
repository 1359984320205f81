import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import FieldSyncHTTPWire
import FieldSyncSync

/// Every signing key a station has had, as the hub's key registry holds them
/// (sync-protocol.md §2a): the one it signs with now and the ones the hub no longer trusts
/// (revoked, or replaced by a new laptop's).
public struct StationKeys: Sendable {
    public struct Key: Sendable {
        public let signingKey: [UInt8]
        /// When the hub stopped trusting it; nil for the key the station signs with now.
        public let distrustedAtMillis: UInt64?
    }

    public let peer: Peer
    public let keys: [Key]

    /// The ONE place the HTTP service asks which keys a station signs with: nil when the
    /// hub has enrolled no station with that site.
    public static func of(_ site: SiteID, at hub: Hub) throws(SyncError) -> StationKeys? {
        guard let peer = try hub.stations().first(where: { $0.site == site }) else { return nil }
        let records = try SyncError.catching { try hub.replica.keys(of: site) }
        var keys: [Key] = []
        for record in records { keys.append(Key(signingKey: record.signingKey, distrustedAtMillis: try hub.distrustedSince(record))) }
        return StationKeys(peer: peer, keys: keys)
    }

    /// The key among them whose signature `header` is of `request`: a lost laptop signs
    /// with a distrusted key and is told it was revoked (403), not that its signature is
    /// bad (401), so its operator learns what happened.
    func key(signing request: RequestSignature, header: String) -> Key? {
        keys.first { key in
            (try? SigningPublicKey(rawRepresentation: key.signingKey)).map { request.isSigned(by: $0, header: header) } ?? false
        }
    }
}
