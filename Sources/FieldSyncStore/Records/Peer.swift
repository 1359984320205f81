import FieldSyncCore

/// Another replica this one exchanges bundles with, as the sync layer enrolled it.
///
/// The store keeps peers in the replica file so that enrollment, keys and what each peer
/// holds (``knownVector``) commit in the same transaction as the data they describe.
public struct Peer: Sendable, Equatable {
    public var site: SiteID
    public var name: String
    public var role: ReplicaRole
    public var township: String?
    /// The peer's Ed25519 public key (bundle signatures).
    public var signingKey: [UInt8]
    /// The peer's X25519 public key (bundle encryption).
    public var agreementKey: [UInt8]
    public var enrolledAtMillis: UInt64
    public var revokedAtMillis: UInt64?
    /// The latest vector the peer said it holds.
    public var knownVector: VersionVector

    public init(site: SiteID, name: String, role: ReplicaRole, township: String? = nil,
                signingKey: [UInt8], agreementKey: [UInt8], enrolledAtMillis: UInt64,
                revokedAtMillis: UInt64? = nil, knownVector: VersionVector = .empty) {
        self.site = site
        self.name = name
        self.role = role
        self.township = township
        self.signingKey = signingKey
        self.agreementKey = agreementKey
        self.enrolledAtMillis = enrolledAtMillis
        self.revokedAtMillis = revokedAtMillis
        self.knownVector = knownVector
    }
}
