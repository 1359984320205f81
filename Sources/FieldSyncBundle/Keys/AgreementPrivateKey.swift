import Crypto
import Foundation

/// A recipient's X25519 key: it unwraps the content key of bundles addressed to the site.
///
/// Stored as its 32 raw bytes (swift-crypto's key types are not `Sendable`).
public struct AgreementPrivateKey: Sendable {
    private let raw: [UInt8]

    /// A fresh random key.
    public init() { raw = Array(Curve25519.KeyAgreement.PrivateKey().rawRepresentation) }

    /// Restores a key from its 32 raw bytes.
    public init(rawRepresentation: [UInt8]) throws(BundleError) {
        guard rawRepresentation.count == 32 else { throw .invalidKey("an X25519 private key is 32 bytes, not \(rawRepresentation.count)") }
        guard (try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: rawRepresentation)) != nil else {
            throw .invalidKey("not a valid X25519 private key")
        }
        raw = rawRepresentation
    }

    var key: Curve25519.KeyAgreement.PrivateKey { try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw) }

    /// The 32 raw bytes; keep them secret.
    public var rawRepresentation: [UInt8] { raw }

    public var publicKey: AgreementPublicKey { AgreementPublicKey(checked: Array(key.publicKey.rawRepresentation)) }
}
