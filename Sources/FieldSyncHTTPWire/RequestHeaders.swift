import FieldSyncCore
import Foundation

/// The three FieldSync-* headers of a signed request, in the forms the hub accepts.
///
/// They are read before any key is looked up, so on bytes nobody has vouched for yet: each
/// has its own parser here, free of the server, so that the fuzzer (target `http`) and the
/// tests reach them without a socket.
public struct SignedRequestHeaders: Sendable, Equatable {
    public var station: SiteID
    public var nonce: String
    /// The header as sent; ``RequestSignature/isSigned(by:header:)`` decodes it again.
    public var signature: String

    /// In the hub's order — station, nonce, signature —, so the first header that is
    /// missing or malformed is the one the refusal names.
    public static func parse(station: String?, nonce: String?, signature: String?) throws(HTTPRefusal) -> SignedRequestHeaders {
        SignedRequestHeaders(station: try Self.station(station), nonce: try Self.nonce(nonce), signature: try Self.signature(signature))
    }

    /// `FieldSync-Station`: the station's site id, 32 lowercase hex digits (the form the
    /// signed text carries, so another spelling would only fail later as a bad signature).
    public static func station(_ value: String?) throws(HTTPRefusal) -> SiteID {
        guard let value, value.utf8.count == 32, value.utf8.allSatisfy(DecimalDigits.isLowerHex),
              let site = SiteID(hex: value) else {
            throw .malformedHeader(field: "FieldSync-Station", expected: "站点编号 32 位小写十六进制 / the station's site id, 32 lowercase hex digits")
        }
        return site
    }

    /// `FieldSync-Nonce`: 32 hex digits, as `POST /v1/nonce` issues them.
    public static func nonce(_ value: String?) throws(HTTPRefusal) -> String {
        guard let value, value.count == 32, Hex.decode(value) != nil else {
            throw .malformedHeader(field: "FieldSync-Nonce", expected: "32 位十六进制 / 32 hex digits from POST /v1/nonce")
        }
        return value
    }

    /// `FieldSync-Signature`: base64 of a 64-byte Ed25519 signature.
    public static func signature(_ value: String?) throws(HTTPRefusal) -> String {
        guard let value, let raw = Data(base64Encoded: value), raw.count == 64 else {
            throw .malformedHeader(field: "FieldSync-Signature", expected: "64 字节签名的 base64 / base64 of a 64-byte Ed25519 signature")
        }
        return value
    }
}

/// tus's `Upload-Offset` on a PATCH: where the chunk starts.
public enum UploadOffsetHeader {
    public static func parse(_ value: String?) throws(HTTPRefusal) -> Int64 {
        guard let value, let offset = DecimalDigits.int64(value) else {
            throw .malformedHeader(field: "Upload-Offset", expected: "非负整数 / a non-negative integer")
        }
        return offset
    }
}

/// tus's checksum extension, `Upload-Checksum: sha256 <base64 of 32 bytes>`: the chunk's SHA-256.
public enum UploadChecksumHeader {
    public static func parse(_ value: String?) throws(HTTPRefusal) -> [UInt8] {
        let parts = value?.split(separator: " ") ?? []
        guard parts.count == 2, parts[0] == "sha256", let raw = Data(base64Encoded: String(parts[1])), raw.count == 32 else {
            throw .malformedHeader(field: "Upload-Checksum", expected: "“sha256 <分块 SHA-256 的 base64>” / “sha256 <base64 of the chunk's SHA-256>”")
        }
        return Array(raw)
    }
}

/// The `:id` of `/v1/uploads/:id` and `/v1/returns/:id`: 32 hex digits. Anything else
/// names nothing the hub holds, so it is not found (404) rather than malformed.
public enum PathID {
    public static func parse(_ value: String?) throws(HTTPRefusal) -> String {
        guard let value, value.count == 32, Hex.decode(value) != nil else {
            throw .notFound(what: "id \(value?.prefix(40) ?? "")")
        }
        return value
    }
}

/// One `Range: bytes=…` of a single span (the only form a resuming station sends).
public enum ByteRange {
    /// The first and last byte of `bytes=N-` or `bytes=N-M` within a file of `size` bytes.
    public static func parse(_ header: String, size: Int64) -> (Int64, Int64)? {
        guard let (start, end) = bounds(header), start < size else { return nil }
        let last = min(end ?? (size - 1), size - 1)
        guard last >= start else { return nil }
        return (start, last)
    }

    /// ``parse(_:size:)``, or the refusal: 416 for a well-formed range outside the file,
    /// 400 for any other form.
    public static func span(_ header: String, size: Int64) throws(HTTPRefusal) -> (Int64, Int64) {
        guard let span = parse(header, size: size) else {
            if isWellFormed(header) { throw .rangeNotSatisfiable(size: size) }
            throw .malformedHeader(field: "Range", expected: "bytes=N- 或 bytes=N-M / bytes=N- or bytes=N-M")
        }
        return span
    }

    static func isWellFormed(_ header: String) -> Bool { bounds(header) != nil }

    private static func bounds(_ header: String) -> (Int64, Int64?)? {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst("bytes=".count)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let start = DecimalDigits.int64(parts[0]) else { return nil }
        if parts[1].isEmpty { return (start, nil) }
        guard let end = DecimalDigits.int64(parts[1]), end >= start else { return nil }
        return (start, end)
    }
}

extension UploadCreateBody {
    /// The body of `POST /v1/uploads` as the hub reads it: JSON with the three fields, the
    /// digest lowercased, each field checked. The name becomes a file name in the hub's
    /// upload folder, so it must be a bare bundle file name.
    public static func parse(_ body: some Collection<UInt8>, maxBundleBytes: Int64) throws(HTTPRefusal) -> UploadCreateBody {
        guard let decoded = WireJSON.decode(UploadCreateBody.self, from: body) else {
            throw .malformedBody("expected JSON {size, sha256, name}")
        }
        return try decoded.checked(maxBundleBytes: maxBundleBytes)
    }

    /// The fields checked, `sha256` lowercased.
    public func checked(maxBundleBytes: Int64) throws(HTTPRefusal) -> UploadCreateBody {
        let sha = sha256.lowercased()
        guard sha.count == 64, Hex.decode(sha) != nil else { throw .malformedBody("sha256 must be 64 hex digits") }
        guard size > 0 else { throw .malformedBody("size must be at least 1") }
        guard size <= maxBundleBytes else { throw .bundleTooLarge(size: size, limit: maxBundleBytes) }
        guard Self.isSafeName(name) else {
            throw .malformedBody("name must be a bundle file name (letters, digits, '.', '-', '_', ending in .fsb, at most 128 bytes)")
        }
        return UploadCreateBody(size: size, sha256: sha, name: name)
    }

    /// A bundle file name as FieldSync writes them: no path, no personal data, `.fsb`.
    public static func isSafeName(_ name: String) -> Bool {
        name.utf8.count <= 128 && !name.hasPrefix(".") && name.lowercased().hasSuffix(".fsb") && name != "meta.json"
            && name.utf8.allSatisfy { $0 < 128 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber || $0 == 46 || $0 == 45 || $0 == 95) }
    }
}

/// A number in a header: ASCII digits only, at most the 19 of `Int64.max` (a longer one
/// overflows; `Int64` refuses a 19-digit one past the maximum). Swift's `Int64("+100")` is
/// 100, which would let `Upload-Offset: +100` or `Range: bytes=+1-2` through although
/// neither is the form the specification (http-api.yaml) gives.
enum DecimalDigits {
    static func int64(_ text: some StringProtocol) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }

    static func isLowerHex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) }
}
