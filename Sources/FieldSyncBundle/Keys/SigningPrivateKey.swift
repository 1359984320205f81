import Crypto
import Foundation

/// A station's or hub's Ed25519 signing key: it signs every bundle the site writes.
///
/// Stored as its 32-byte seed (swift-crypto's key types are not `Sendable`); the seed is
/// checked once, here, so rebuilding the Crypto key from it cannot fail.
public struct SigningPrivateKey: Sendable {
    private let raw: [UInt8]

    /// A fresh random key.
    public init() { raw = Array(Curve25519.Signing.PrivateKey().rawRepresentation) }

    /// Restores a key from its 32-byte seed.
    public init(rawRepresentation: [UInt8]) throws(BundleError) {
        guard rawRepresentation.count == 32 else { throw .invalidKey("an Ed25519 private key is 32 bytes, not \(rawRepresentation.count)") }
        guard (try? Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)) != nil else {
            throw .invalidKey("not a valid Ed25519 private key")
        }
        raw = rawRepresentation
    }

    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }

    /// The 32-byte seed; keep it secret.
    public var rawRepresentation: [UInt8] { raw }

    public var publicKey: SigningPublicKey { SigningPublicKey(checked: Array(key.publicKey.rawRepresentation)) }

    /// The 64-byte Ed25519 signature of `data`.
    public func signature(for data: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: data))
    }
}
