import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation

/// Who a replica is: its site id, name, role and its two private keys (Ed25519 to sign the
/// bundles it writes, X25519 to open the bundles addressed to it).
///
/// Stored as `identity.json` in the replica folder, readable by its owner only. The same
/// file is the `--key` of `fieldsync bundle inspect`.
public struct NodeIdentity: Sendable {
    public let site: SiteID
    public let name: String
    public let role: ReplicaRole
    /// Township administrative code (stations only).
    public let township: String?
    public let signingKey: SigningPrivateKey
    public let agreementKey: AgreementPrivateKey

    public init(site: SiteID, name: String, role: ReplicaRole, township: String?,
                signingKey: SigningPrivateKey = SigningPrivateKey(), agreementKey: AgreementPrivateKey = AgreementPrivateKey()) {
        self.site = site
        self.name = name
        self.role = role
        self.township = township
        self.signingKey = signingKey
        self.agreementKey = agreementKey
    }

    /// A new identity whose site id and keys all come from `generator`. With the system
    /// generator that is a fresh identity; with a seeded one (samples, tests) the same seed
    /// gives the same county, down to the row ids.
    public static func make<G: RandomNumberGenerator>(name: String, role: ReplicaRole, township: String?,
                                                      using generator: inout G) -> NodeIdentity {
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }
        let site = SiteID.random(using: &generator)
        // Any 32 bytes are a valid Ed25519 seed and a valid X25519 private key.
        return NodeIdentity(site: site, name: name, role: role, township: township,
                            signingKey: try! SigningPrivateKey(rawRepresentation: bytes(32)),
                            agreementKey: try! AgreementPrivateKey(rawRepresentation: bytes(32)))
    }

    /// This replica as a peer record, as others store it.
    public func asPeer(enrolledAtMillis: UInt64) -> Peer {
        Peer(site: site, name: name, role: role, township: township,
             signingKey: signingKey.publicKey.rawRepresentation, agreementKey: agreementKey.publicKey.rawRepresentation,
             enrolledAtMillis: enrolledAtMillis, revokedAtMillis: nil, knownVector: .empty)
    }

    private struct File: Codable {
        var format = "fieldsync-identity-v1"
        var site: String
        var name: String
        var role: String
        var township: String?
        var signingKey: String
        var agreementKey: String
    }

    public func save(to path: String) throws(SyncError) {
        let file = File(site: site.hex, name: name, role: role.rawValue, township: township,
                        signingKey: Data(signingKey.rawRepresentation).base64EncodedString(),
                        agreementKey: Data(agreementKey.rawRepresentation).base64EncodedString())
        try AtomicFile.write(JSON.encode(file), to: path, privateToOwner: true)
    }

    public static func load(from path: String) throws(SyncError) -> NodeIdentity {
        let file = try JSON.decode(File.self, from: AtomicFile.read(path, what: "key file"), what: "key file \(path)")
        guard file.format == "fieldsync-identity-v1", let site = SiteID(hex: file.site), let role = ReplicaRole(rawValue: file.role),
              let signing = Data(base64Encoded: file.signingKey), let agreement = Data(base64Encoded: file.agreementKey)
        else { throw .invalidInput("key file \(path) is not a FieldSync identity file") }
        try InputCheck.name(file.name, field: "the name in key file \(path)")
        try InputCheck.code(file.township, field: "the township in key file \(path)")
        do {
            return NodeIdentity(site: site, name: file.name, role: role, township: file.township,
                                signingKey: try SigningPrivateKey(rawRepresentation: Array(signing)),
                                agreementKey: try AgreementPrivateKey(rawRepresentation: Array(agreement)))
        } catch {
            throw .invalidInput("key file \(path) holds a damaged key")
        }
    }
}
