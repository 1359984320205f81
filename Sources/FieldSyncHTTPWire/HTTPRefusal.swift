import FieldSyncCore
import HTTPTypes

/// Why the hub's HTTP service refused a request. Each case has its status, a stable code
/// for scripts, and a message in Chinese and English that names the header or field and
/// what to do. A refusal changes nothing at the hub (except using up the nonce it named).
/// No message carries case data: it names headers, stations and sizes only.
public enum HTTPRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// A header is missing or not of its form (`field` names it).
    case malformedHeader(field: String, expected: String)
    /// A JSON body is missing a field or is not JSON.
    case malformedBody(String)
    /// FieldSync-Station names no station this hub has enrolled.
    case unknownStation
    /// FieldSync-Signature is not the station's signature of this request.
    case badSignature
    /// FieldSync-Nonce was never issued, was already used, or expired.
    case nonceNotUsable
    /// The station's key was revoked.
    case revoked(station: String, atMillis: UInt64)
    /// The body is larger than `limit` bytes.
    case bodyTooLarge(limit: Int)
    /// The bundle declared by `POST /v1/uploads` is larger than the hub accepts.
    case bundleTooLarge(size: Int64, limit: Int64)
    /// The station already holds `limit` unfinished uploads.
    case tooManyOpenUploads(limit: Int)
    /// PATCH's Upload-Offset is not where the upload stands.
    case offsetMismatch(expected: Int64, given: Int64)
    /// The chunk's SHA-256 is not its Upload-Checksum.
    case chunkChecksumMismatch
    /// The whole file's SHA-256 is not the one declared at creation; the upload was discarded.
    case bundleChecksumMismatch
    /// No such upload or return bundle for this station.
    case notFound(what: String)
    /// A Range header the file cannot satisfy.
    case rangeNotSatisfiable(size: Int64)
    /// The hub itself failed (a disk error, say); `reason` names no case data.
    case hubFailure(String)
    /// The hub holds as many requests as it holds at once (`station` false), or as many of
    /// this station's as one station may have in hand (`station` true); a station waits and
    /// sends again (a 5xx: retried with the round's back-off).
    case busy(limit: Int, station: Bool)
    /// The body did not arrive whole within `seconds` of the hub starting to read it (a link
    /// that stalled or vanished); nothing was kept and the nonce was not used: send it again,
    /// in smaller chunks on a slow link.
    case bodyTooSlow(seconds: Int)

    public var status: HTTPResponse.Status {
        switch self {
        case .malformedHeader, .malformedBody: .badRequest
        case .unknownStation, .badSignature, .nonceNotUsable: .unauthorized
        case .revoked: .forbidden
        case .bodyTooLarge, .bundleTooLarge: .contentTooLarge
        case .offsetMismatch: .conflict
        case .tooManyOpenUploads: .tooManyRequests
        case .chunkChecksumMismatch, .bundleChecksumMismatch: .checksumMismatch
        case .notFound: .notFound
        case .rangeNotSatisfiable: .rangeNotSatisfiable
        case .hubFailure: .internalServerError
        case .busy: .serviceUnavailable
        case .bodyTooSlow: .requestTimeout
        }
    }

    public var code: String {
        switch self {
        case .malformedHeader: "malformed-header"
        case .malformedBody: "malformed-body"
        case .unknownStation: "unknown-station"
        case .badSignature: "bad-signature"
        case .nonceNotUsable: "nonce-not-usable"
        case .revoked: "station-revoked"
        case .bodyTooLarge: "body-too-large"
        case .bundleTooLarge: "bundle-too-large"
        case .offsetMismatch: "offset-mismatch"
        case .tooManyOpenUploads: "too-many-open-uploads"
        case .chunkChecksumMismatch: "checksum-mismatch"
        case .bundleChecksumMismatch: "bundle-checksum-mismatch"
        case .notFound: "not-found"
        case .rangeNotSatisfiable: "range-not-satisfiable"
        case .hubFailure: "hub-failure"
        case .busy: "hub-busy"
        case .bodyTooSlow: "body-too-slow"
        }
    }

    public var description: String {
        switch self {
        case let .malformedHeader(field, expected):
            "请求头 \(field) 缺失或格式不对，应为\(expected) / header \(field) is missing or malformed: it must be \(expected)."
        case let .malformedBody(reason):
            "请求内容不对 / the request body is not valid: \(reason)."
        case .unknownStation:
            "FieldSync-Station 不是本县级中心登记的社工站，请先登记 / FieldSync-Station names no station enrolled at this hub; enroll the station first (fieldsync hub enroll)."
        case .badSignature:
            "FieldSync-Signature 不是该站密钥对本请求的签名，未处理 / FieldSync-Signature is not this station's signature of the request; nothing was done. Check that the station folder is the enrolled one."
        case .nonceNotUsable:
            "FieldSync-Nonce 未签发、已用过或已过期，请重新获取 / FieldSync-Nonce was never issued, was already used, or has expired; ask POST /v1/nonce for a new one."
        case let .revoked(station, at):
            "社工站 \(station) 的密钥已于 \(ISOTime.format(millis: at)) 吊销，不再接受其请求 / the key of station \(station) was revoked at \(ISOTime.format(millis: at)); its requests are refused. Enroll the replacement laptop instead."
        case let .bodyTooLarge(limit):
            "请求内容超过 \(limit) 字节上限，请用更小的分块 / the body is larger than \(limit) bytes; send smaller chunks (--chunk-size)."
        case let .bundleTooLarge(size, limit):
            "数据包 \(size) 字节，超过 \(limit) 字节上限 / the bundle is \(size) bytes, more than the \(limit) this hub accepts; carry it on a stick instead."
        case let .tooManyOpenUploads(limit):
            "本站已有 \(limit) 个未完成的上传，请先完成（再次运行同一命令）或等其过期（默认创建 24 小时后） / this station already has \(limit) unfinished uploads; finish one (run the same sync command again) or wait until it expires (by default 24 h after it was created)."
        case let .offsetMismatch(expected, given):
            "Upload-Offset 为 \(given)，但县级中心已有 \(expected) 字节，请从 \(expected) 继续 / Upload-Offset is \(given) but the hub holds \(expected) bytes; continue from \(expected) (HEAD tells it)."
        case .chunkChecksumMismatch:
            "该分块校验和不符，未保存，请重发 / the chunk's SHA-256 does not match Upload-Checksum; nothing of it was kept: send it again."
        case .bundleChecksumMismatch:
            "整个文件的 SHA-256 与创建时声明的不符，已丢弃，请重新上传 / the whole file's SHA-256 is not the one declared when the upload was created; it was discarded: upload again."
        case let .notFound(what):
            "找不到 \(what) / \(what) was not found for this station."
        case let .rangeNotSatisfiable(size):
            "Range 超出文件大小 \(size) 字节 / the Range is outside the file's \(size) bytes."
        case let .hubFailure(reason):
            "县级中心处理失败 / the hub failed: \(reason)"
        case let .bodyTooSlow(seconds):
            "请求内容未在 \(seconds) 秒内收完，未处理，请重发（网络慢时用更小的 --chunk-size） / the body did not arrive whole within \(seconds) seconds; nothing was done: send it again (on a slow link, with a smaller --chunk-size)."
        case let .busy(limit, false):
            "县级中心正在处理 \(limit) 个请求，已达上限，请稍后重发 / the hub is already handling \(limit) requests, as many as it holds at once; send again in a moment (a sync round retries by itself)."
        case let .busy(limit, true):
            "县级中心已有本站 \(limit) 个请求在处理，请稍后重发；本站一次只发一个请求，若此提示持续，请检查是否有另一台电脑在用本站身份 / the hub already holds \(limit) requests of this station, as many as one station may have in hand; send again in a moment. A station sends one at a time: if this goes on, check whether another computer is using this station's identity."
        }
    }
}
