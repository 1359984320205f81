import Crypto
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore

/// The pseudo-origin that counts a station's place in its hub's feed (rule P6).
///
/// A return bundle's vectors carry, beside real origins, one entry for the feed of the
/// station's township at that hub: its "sequence" is a feed position. The hub writes the
/// position its bundle brings the station through in the sender vector and the position it
/// believes the station holds in the assumed vector; the station reports what it holds in
/// its own bundles' sender vector. So the whole acknowledgement of a partial replica is one
/// more vector entry, with the replace-by-newest rule of S6 and no new header field.
///
/// The id is the first 16 bytes of SHA-256(`"fieldsync feed v1"` ‖ 0x00 ‖ hub site ‖ township
/// code in UTF-8): derived, so both sides compute it, and never equal to a random site id.
public enum FeedSite {
    public static func of(hub: SiteID, township: String) -> SiteID {
        var hasher = SHA256()
        hasher.update(data: Array("fieldsync feed v1".utf8) + [0])
        hasher.update(data: hub.bytes)
        hasher.update(data: Array(township.utf8))
        return SiteID(bytes: Array(hasher.finalize().prefix(16)))!
    }
}

/// Whether a replica of `schema` replicates by scope: the casework schema from version 4,
/// which declares where every row belongs (``CaseworkScope``). Earlier versions replicate
/// the whole county (protocol version 1), so a hub serves a station that has not upgraded
/// as before.
enum Scoping {
    static let firstScopedVersion = 4

    static func isScoped(_ schema: Schema) -> Bool {
        schema.name == CaseworkSchema.schema.name && schema.version >= firstScopedVersion
    }

    /// `replica` filing its changes into feeds when its schema is scoped.
    static func apply(to replica: Replica, township: String?) throws(SyncError) -> Replica {
        guard isScoped(replica.schema) else { return replica }
        do { return try replica.scoped(by: CaseworkScope(), township: township) } catch { throw .store(error) }
    }
}
