import HTTPTypes

/// The names both sides of the HTTP sync agree on: header fields, routes and the extra
/// status code. Protocol/http-api.md specifies each; change them there first.
public enum WireHeader {
    /// The signing station's site id, 32 lowercase hex digits.
    public static let station = HTTPField.Name("FieldSync-Station")!
    /// A single-use nonce issued by `POST /v1/nonce`.
    public static let nonce = HTTPField.Name("FieldSync-Nonce")!
    /// Base64 of the Ed25519 signature over the request's canonical string (``RequestSignature``).
    public static let signature = HTTPField.Name("FieldSync-Signature")!
    /// tus: the byte offset an upload has reached (request: where this chunk starts).
    public static let uploadOffset = HTTPField.Name("Upload-Offset")!
    /// tus checksum extension: `sha256 <base64 of the chunk's SHA-256>`.
    public static let uploadChecksum = HTTPField.Name("Upload-Checksum")!
}

public enum WirePath {
    public static let nonce = "/v1/nonce"
    public static let uploads = "/v1/uploads"
    public static let returns = "/v1/returns"
    public static func upload(_ id: String) -> String { "\(uploads)/\(id)" }
    public static func returnBundle(_ id: String) -> String { "\(returns)/\(id)" }
}

extension HTTPResponse.Status {
    /// tus: the chunk's bytes do not match its Upload-Checksum (nothing of it was kept).
    public static let checksumMismatch = HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch")
}
