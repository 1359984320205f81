import FieldSyncCore

/// One signing key of a peer in the key registry (`fs_keys`), with what became of it.
///
/// A peer's current keys live in ``Peer``; the registry keeps every key it ever had, so
/// that a key once revoked or replaced is recognised (and refused) whenever it turns up
/// again, on a bundle or in an enrollment request.
public struct KeyRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// The peer signs with this key now.
        case active
        /// The operator stopped trusting the key (a lost or stolen laptop).
        case revoked
        /// A revoked key whose site continues under ``KeyRecord/replacedBy`` (a replacement laptop).
        case replaced
    }

    /// The Ed25519 public key, the registry's primary key.
    public var signingKey: [UInt8]
    public var site: SiteID
    public var agreementKey: [UInt8]
    public var status: Status
    public var addedAtMillis: UInt64
    /// When ``status`` last changed (revoked, then replaced); nil while active.
    public var statusChangedAtMillis: UInt64?
    /// Why the key was revoked, as the operator put it.
    public var reason: String?
    /// Who revoked or replaced it.
    public var changedBy: String?
    /// The key that continues the site, once replaced.
    public var replacedBy: [UInt8]?

    public init(signingKey: [UInt8], site: SiteID, agreementKey: [UInt8], status: Status, addedAtMillis: UInt64,
                statusChangedAtMillis: UInt64? = nil, reason: String? = nil, changedBy: String? = nil, replacedBy: [UInt8]? = nil) {
        self.signingKey = signingKey
        self.site = site
        self.agreementKey = agreementKey
        self.status = status
        self.addedAtMillis = addedAtMillis
        self.statusChangedAtMillis = statusChangedAtMillis
        self.reason = reason
        self.changedBy = changedBy
        self.replacedBy = replacedBy
    }
}
