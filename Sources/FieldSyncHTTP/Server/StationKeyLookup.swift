import FieldSyncCore
import FieldSyncStore
import FieldSyncSync

/// What the hub knows of the key a request claims to be signed with.
public enum StationKeyStatus: Sendable, Equatable {
    case unknown
    case active(Peer, key: [UInt8])
    case revoked(Peer, atMillis: UInt64)
}

/// The ONE place the HTTP service asks which key a station signs with and whether it is
/// revoked, from the hub's key registry (sync-protocol.md §2a).
public enum StationKeyLookup {
    public static func status(of site: SiteID, at hub: Hub) throws(SyncError) -> StationKeyStatus {
        guard let peer = try hub.stations().first(where: { $0.site == site }) else { return .unknown }
        if let at = peer.revokedAtMillis { return .revoked(peer, atMillis: at) }
        return .active(peer, key: peer.signingKey)
    }

    /// The station's keys the hub no longer trusts (revoked, or replaced by a new laptop's),
    /// with when that happened: a request signed by one is refused as revoked (403), not as
    /// a bad signature, so the lost laptop's operator is told what happened.
    public static func distrustedKeys(of site: SiteID, at hub: Hub) throws(SyncError) -> [(key: [UInt8], atMillis: UInt64)] {
        try SyncError.catching {
            try hub.replica.keys(of: site).filter { $0.status != .active }.map { ($0.signingKey, $0.statusChangedAtMillis ?? $0.addedAtMillis) }
        }
    }
}
