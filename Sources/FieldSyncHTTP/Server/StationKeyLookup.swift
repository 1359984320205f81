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
/// revoked; a key registry (issue 8's trust lifecycle) replaces this body, nothing else.
public enum StationKeyLookup {
    public static func status(of site: SiteID, at hub: Hub) throws(SyncError) -> StationKeyStatus {
        guard let peer = try hub.stations().first(where: { $0.site == site }) else { return .unknown }
        if let at = peer.revokedAtMillis { return .revoked(peer, atMillis: at) }
        return .active(peer, key: peer.signingKey)
    }
}
