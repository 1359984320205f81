import Crypto
import FieldSyncBundle
import FieldSyncCore
import Foundation

/// How a station signs a request, and how the hub checks it.
///
/// The signed text binds everything that gives a request its meaning (method, path, query,
/// the station it claims to be, the nonce the hub issued, the body's SHA-256, and the
/// headers that say where the body goes or what part is asked for: Upload-Offset,
/// Upload-Checksum, Range), so a captured request can be neither replayed (the nonce is
/// single-use) nor altered, not even by rewriting where its chunk lands. No clock is in
/// it: laptop clocks are wrong often enough that the hub's own nonces carry the freshness.
///
/// Canonical string, ten lines joined by a single `\n`, no trailing newline (a header
/// the request does not carry is an empty line):
/// ```
/// fieldsync-http-v1
/// PATCH
/// /v1/uploads/4f2c…
/// <query without '?', or empty>
/// <station site, 32 lowercase hex>
/// <nonce>
/// <SHA-256 of the body, 64 lowercase hex>
/// <Upload-Offset value, or empty>
/// <Upload-Checksum value, or empty>
/// <Range value, or empty>
/// ```
public struct RequestSignature: Sendable, Equatable {
    public static let version = "fieldsync-http-v1"

    public var method: String
    public var path: String
    public var query: String
    public var station: SiteID
    public var nonce: String
    public var bodySHA256: [UInt8]
    public var uploadOffset: String
    public var uploadChecksum: String
    public var range: String

    public init(method: String, path: String, query: String?, station: SiteID, nonce: String, body: some Sequence<UInt8>,
                uploadOffset: String? = nil, uploadChecksum: String? = nil, range: String? = nil) {
        self.method = method.uppercased()
        self.path = path
        self.query = query ?? ""
        self.station = station
        self.nonce = nonce
        self.bodySHA256 = Array(SHA256.hash(data: Array(body)))
        self.uploadOffset = uploadOffset ?? ""
        self.uploadChecksum = uploadChecksum ?? ""
        self.range = range ?? ""
    }

    public var canonicalString: String {
        [Self.version, method, path, query, station.hex, nonce, Hex.encode(bodySHA256), uploadOffset, uploadChecksum, range].joined(separator: "\n")
    }

    /// The `FieldSync-Signature` value: base64 of the 64-byte Ed25519 signature.
    public func sign(with key: SigningPrivateKey) throws -> String {
        Data(try key.signature(for: Array(canonicalString.utf8))).base64EncodedString()
    }

    /// Whether `header` (a `FieldSync-Signature` value) is `key`'s signature of this request.
    public func isSigned(by key: SigningPublicKey, header: String) -> Bool {
        guard let raw = Data(base64Encoded: header), raw.count == 64 else { return false }
        return key.isValidSignature(Array(raw), for: Array(canonicalString.utf8))
    }
}
