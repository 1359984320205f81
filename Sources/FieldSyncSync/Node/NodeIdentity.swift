import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation

/// Who a replica is: its site id, name, role and its two private keys (Ed25519 to sign the
/// bundles it writes, X25519 to open the bundles addressed to it), and the key pairs it
/// used before (``retired``): a hub that rotated its keys still opens bundles a station
/// encrypted to the old key, and signs with it for stations that have not switched yet.
///
/// Stored as `identity.json` in the replica folder, readable by its owner only, and
/// normally sealed under a passphrase (``IdentityFile``). The same file is the `--key` of
/// `fieldsync bundle inspect`.
public struct NodeIdentity: Sendable {
    public let site: SiteID
    public let name: String
    public let role: ReplicaRole
    /// Township administrative code (stations only).
    public let township: String?
    public let signingKey: SigningPrivateKey
    public let agreementKey: AgreementPrivateKey
    /// Key pairs used before, oldest first (a hub's rotations).
    public let retired: [RetiredKeyPair]

    public init(site: SiteID, name: String, role: ReplicaRole, township: String?,
                signingKey: SigningPrivateKey = SigningPrivateKey(), agreementKey: AgreementPrivateKey = AgreementPrivateKey(),
                retired: [RetiredKeyPair] = []) {
        self.site = site
        self.name = name
        self.role = role
        self.township = township
        self.signingKey = signingKey
        self.agreementKey = agreementKey
        self.retired = retired
    }

    /// A new identity whose site id and keys all come from `generator`. With the system
    /// generator that is a fresh identity; with a seeded one (samples, tests) the same seed
    /// gives the same county, down to the row ids.
    public static func make<G: RandomNumberGenerator>(name: String, role: ReplicaRole, township: String?,
                                                      using generator: inout G) -> NodeIdentity {
        let site = SiteID.random(using: &generator)
        let (signing, agreement) = KeyPairs.make(using: &generator)
        return NodeIdentity(site: site, name: name, role: role, township: township, signingKey: signing, agreementKey: agreement)
    }

    /// The same identity with new keys; the current pair joins ``retired``.
    public func rotated<G: RandomNumberGenerator>(atMillis now: UInt64, using generator: inout G) -> NodeIdentity {
        let (signing, agreement) = KeyPairs.make(using: &generator)
        return NodeIdentity(site: site, name: name, role: role, township: township, signingKey: signing, agreementKey: agreement,
                            retired: retired + [RetiredKeyPair(signingKey: signingKey, agreementKey: agreementKey, retiredAtMillis: now)])
    }

    /// The private signing key whose public half is `publicKey`: the current one or a retired one.
    public func signingKey(matching publicKey: SigningPublicKey) -> SigningPrivateKey? {
        if signingKey.publicKey == publicKey { return signingKey }
        return retired.last { $0.signingKey.publicKey == publicKey }?.signingKey
    }

    /// The private agreement key whose public half is `publicKey`: the current one or a retired one.
    public func agreementKey(matching publicKey: AgreementPublicKey) -> AgreementPrivateKey? {
        if agreementKey.publicKey == publicKey { return agreementKey }
        return retired.last { $0.agreementKey.publicKey == publicKey }?.agreementKey
    }

    /// The private key that opens a bundle with `header`: the one matching the header's
    /// recipient entry for this site (the sender may have encrypted to a retired key), else
    /// the current one (the bundle reader then says why it does not open).
    public func agreementKey(opening header: BundleHeader) -> AgreementPrivateKey {
        header.recipients.first { $0.site == site }.flatMap { agreementKey(matching: $0.key) } ?? agreementKey
    }

    /// This replica as a peer record, as others store it.
    public func asPeer(enrolledAtMillis: UInt64) -> Peer {
        Peer(site: site, name: name, role: role, township: township,
             signingKey: signingKey.publicKey.rawRepresentation, agreementKey: agreementKey.publicKey.rawRepresentation,
             enrolledAtMillis: enrolledAtMillis, revokedAtMillis: nil, knownVector: .empty)
    }

    /// Writes `identity.json`: sealed under `passphrase` (format v2), or in the clear
    /// (format v1, for the demo, samples and tests) when it is nil.
    public func save(to path: String, protectedBy passphrase: Passphrase? = nil) throws(SyncError) {
        try AtomicFile.write(IdentityFile.encode(self, protectedBy: passphrase, path: path), to: path, privateToOwner: true)
    }

    /// Reads `identity.json`; a sealed file needs its `passphrase` (``KeyError``).
    public static func load(from path: String, passphrase: Passphrase? = nil) throws(SyncError) -> NodeIdentity {
        try IdentityFile.decode(AtomicFile.read(path, what: "key file"), path: path, passphrase: passphrase)
    }

    /// The public parts of `identity.json` (name, role, public keys), read without a passphrase.
    public static func card(at path: String) throws(SyncError) -> IdentityCard {
        try IdentityFile.card(AtomicFile.read(path, what: "key file"), path: path)
    }
}

/// A key pair a node used before it rotated its keys.
public struct RetiredKeyPair: Sendable {
    public let signingKey: SigningPrivateKey
    public let agreementKey: AgreementPrivateKey
    public let retiredAtMillis: UInt64
}

/// What `identity.json` says in the clear: enough for a listing, a digest or a hint,
/// never enough to sign or to open a bundle.
public struct IdentityCard: Sendable {
    public let site: SiteID
    public let name: String
    public let role: ReplicaRole
    public let township: String?
    public let signingKey: SigningPublicKey
    public let agreementKey: AgreementPublicKey
    /// Whether the private keys are sealed under a passphrase (format v2).
    public let isProtected: Bool
}

/// New key pairs from a generator (any 32 bytes are a valid Ed25519 seed and X25519 key).
enum KeyPairs {
    static func make<G: RandomNumberGenerator>(using generator: inout G) -> (SigningPrivateKey, AgreementPrivateKey) {
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }
        return (try! SigningPrivateKey(rawRepresentation: bytes(32)), try! AgreementPrivateKey(rawRepresentation: bytes(32)))
    }
}
