import FieldSyncCore

/// Why a bundle could not be written, opened, verified or read.
///
/// Every case prints as one line an operator can act on, and no case ever carries a field
/// value: bundles hold personal data (ID numbers, incomes, health), so errors name the
/// part of the file, the frame, the table or the station — never what was in a cell.
/// Rules cited as `B1`, `B2`, … are numbered in `Protocol/bundle-format.md`.
public enum BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not start with `FSBUNDLE` (B1).
    case notABundle
    /// The file is a bundle of a format version this program does not read (B2).
    case unsupportedVersion(UInt16)
    /// The preamble sets flags this version does not define (B3).
    case unsupportedFlags
    /// The file ends before its structure does (B4).
    case truncated
    /// The SHA-256 digest in the trailer does not match the file (B5).
    case digestMismatch
    /// The Ed25519 signature does not verify with the key in the preamble (B6).
    case signatureInvalid
    /// The header is malformed; the decoding error names the field and its offset within the header (B8–B15).
    case headerInvalid(DecodingError)
    /// A size or count is over the format's limit (B7, B11, B17, B19, …).
    case tooLarge(what: String, limit: Int)
    /// The station `site` is not among the bundle's recipients (B20).
    case notARecipient(SiteID)
    /// The station is a recipient, but under another agreement key than the one supplied (B21).
    case keyMismatch(SiteID)
    /// The wrapped content key did not authenticate under this recipient's key (B22).
    case keyUnwrapFailed
    /// Frame `index` (0-based), starting at byte `offset`, did not authenticate:
    /// changed, moved, reordered, or taken from another bundle (B16, B18).
    case frameAuthenticationFailed(index: Int, offset: Int)
    /// Frame `index` authenticated but its content is malformed (B17, B19).
    case frameInvalid(index: Int, offset: Int, reason: String)
    /// The framing around the frames is wrong: a missing end marker, extra frames, or bytes
    /// between the end marker and the trailer (B16, B23).
    case bodyInvalid(offset: Int, reason: String)
    /// The records do not add up to what the header declares (B24), or a writer was given
    /// other records than its draft announced. `table` is nil for the totals.
    case countMismatch(table: String?, expected: Int, actual: Int)
    /// A key has the wrong length or is not a valid key.
    case invalidKey(String)
    /// The writer was given a draft that cannot be written (no recipient, a bad name, …).
    case invalidDraft(String)
    /// The writer was used after `finish()` or after a failure.
    case writerClosed
    /// The file system refused an operation.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .notABundle:
            return "此文件不是 FieldSync 数据包 / this file is not a FieldSync bundle (it does not start with FSBUNDLE)"
        case let .unsupportedVersion(v):
            return "数据包格式版本 \(v) 本程序不认识，请升级 FieldSync / this bundle uses format version \(v); this program reads version \(BundleFormat.version) only — update FieldSync to read it"
        case .unsupportedFlags:
            return "数据包使用了本程序不认识的格式标志，由较新版本写出，请升级 FieldSync / this bundle sets format flags this program does not know; it was written by a newer FieldSync"
        case .truncated:
            return "数据包损坏或不完整，请从发送方重新拷贝 / the bundle is damaged or incomplete (it ends too early); copy it again from the sender"
        case .digestMismatch:
            return "数据包损坏、不完整或签名后被改动，请从发送方重新拷贝 / the bundle is damaged or incomplete, or was changed after it was signed (its checksum does not match); copy it again from the sender"
        case .signatureInvalid:
            return "数据包签名无效：被改动或伪造，不要导入 / the bundle's signature is not valid for the key it names; it was altered or forged — do not import it"
        case let .headerInvalid(e):
            return "数据包头部格式错误 / the bundle header is malformed: \(e)"
        case let .tooLarge(what, limit):
            return "数据包的 \(what) 超过上限 \(limit) / the bundle's \(what) is over the limit of \(limit)"
        case let .notARecipient(site):
            return "此数据包不是发给 \(site.short) 的，这里无法读取 / this bundle is not addressed to \(site.short); it cannot be read here"
        case let .keyMismatch(site):
            return "此数据包是用另一把密钥发给 \(site.short) 的，本机的密钥打不开（该站是否重新登记过？）/ this bundle is addressed to \(site.short) under a different key than this replica holds (was it re-enrolled, or are its keys from another copy?)"
        case .keyUnwrapFailed:
            return "本机密钥无法打开此数据包：数据包被改动或密钥不对 / this replica's key could not unlock the bundle; the bundle was altered or the key is wrong"
        case let .frameAuthenticationFailed(index, offset):
            return "数据包第 \(index) 帧校验失败：被改动、调换或拼接 / frame \(index) at byte \(offset) failed authentication: the bundle was altered, reordered or spliced"
        case let .frameInvalid(index, offset, reason):
            return "数据包第 \(index) 帧格式错误 / frame \(index) at byte \(offset) is malformed: \(reason)"
        case let .bodyInvalid(offset, reason):
            return "数据包内容格式错误 / the bundle body is malformed at byte \(offset): \(reason)"
        case let .countMismatch(table, expected, actual):
            let what = table.map { "table \($0)" } ?? "the bundle"
            return "数据包的变更条数与头部不符 / \(what) should hold \(expected) changes but holds \(actual)"
        case let .invalidKey(reason):
            return "密钥无效 / invalid key: \(reason)"
        case let .invalidDraft(reason):
            return "无法写出此数据包 / cannot write this bundle: \(reason)"
        case .writerClosed:
            return "the bundle writer is already finished or has failed"
        case let .io(path, reason):
            return "\(path.escapingControlCharacters): \(reason)"
        }
    }

    /// The case name, stable across versions: what test vectors and scripts match on.
    public var code: String {
        switch self {
        case .notABundle: "notABundle"
        case .unsupportedVersion: "unsupportedVersion"
        case .unsupportedFlags: "unsupportedFlags"
        case .truncated: "truncated"
        case .digestMismatch: "digestMismatch"
        case .signatureInvalid: "signatureInvalid"
        case .headerInvalid: "headerInvalid"
        case .tooLarge: "tooLarge"
        case .notARecipient: "notARecipient"
        case .keyMismatch: "keyMismatch"
        case .keyUnwrapFailed: "keyUnwrapFailed"
        case .frameAuthenticationFailed: "frameAuthenticationFailed"
        case .frameInvalid: "frameInvalid"
        case .bodyInvalid: "bodyInvalid"
        case .countMismatch: "countMismatch"
        case .invalidKey: "invalidKey"
        case .invalidDraft: "invalidDraft"
        case .writerClosed: "writerClosed"
        case .io: "io"
        }
    }

    /// Where in the file the problem was found, when known.
    public var byteOffset: Int? {
        switch self {
        case let .headerInvalid(e):
            switch e {
            case let .truncated(_, offset), let .invalidUTF8(_, offset): return BundleFormat.preambleSize + offset
            default: return nil
            }
        case let .frameAuthenticationFailed(_, offset), let .frameInvalid(_, offset, _), let .bodyInvalid(offset, _):
            return offset
        default:
            return nil
        }
    }
}
