import Crypto
import FieldSyncCore
import Foundation

/// The public half of an ``AgreementPrivateKey``: what a sender needs to address a bundle to a site.
public struct AgreementPublicKey: Sendable, Hashable, CustomStringConvertible {
    private let raw: [UInt8]

    init(checked raw: [UInt8]) { self.raw = raw }

    public init(rawRepresentation: [UInt8]) throws(BundleError) {
        guard rawRepresentation.count == 32 else { throw .invalidKey("an X25519 public key is 32 bytes, not \(rawRepresentation.count)") }
        guard (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: rawRepresentation)) != nil else {
            throw .invalidKey("not a valid X25519 public key")
        }
        raw = rawRepresentation
    }

    var key: Curve25519.KeyAgreement.PublicKey { try! Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw) }

    public var rawRepresentation: [UInt8] { raw }

    /// The first 16 hex digits of SHA-256 of the raw key.
    public var fingerprint: String { String(Hex.encode(Array(SHA256.hash(data: raw))).prefix(16)) }

    public var description: String { fingerprint }
}
