import Crypto
import FieldSyncCore
import Foundation

/// The public half of a ``SigningPrivateKey``: it is written in every bundle's preamble,
/// and a receiver compares it with its roster of enrolled stations.
public struct SigningPublicKey: Sendable, Hashable, CustomStringConvertible {
    private let raw: [UInt8]

    init(checked raw: [UInt8]) { self.raw = raw }

    public init(rawRepresentation: [UInt8]) throws(BundleError) {
        guard rawRepresentation.count == 32 else { throw .invalidKey("an Ed25519 public key is 32 bytes, not \(rawRepresentation.count)") }
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)) != nil else {
            throw .invalidKey("not a valid Ed25519 public key")
        }
        raw = rawRepresentation
    }

    public var rawRepresentation: [UInt8] { raw }

    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: data)
    }

    /// The first 16 hex digits of SHA-256 of the raw key: short enough to read aloud on the
    /// phone when enrolling a station.
    public var fingerprint: String { Self.fingerprint(of: raw) }

    /// The fingerprint of a raw key as stored (registry, peers), without parsing it.
    public static func fingerprint(of raw: [UInt8]) -> String { String(Hex.encode(Array(SHA256.hash(data: raw))).prefix(16)) }

    public var description: String { fingerprint }
}
