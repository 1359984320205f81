/// A typed cell value, as SQLite knows them: null, 64-bit integer, double, text, blob.
///
/// Equality is bitwise: two reals are equal when their IEEE bits are (so `-0.0 != 0.0` and a
/// NaN equals itself), and two texts when their UTF-8 bytes are. Swift's `String ==`
/// compares by Unicode canonical equivalence, which would let two different spellings of a
/// Tibetan or Chinese name count as "the same" and hide a real edit; FieldSync never
/// normalises text.
public enum Value: Sendable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The type tag used by the canonical encoding.
    public var tag: UInt8 {
        switch self {
        case .null: 0
        case .integer: 1
        case .real: 2
        case .text: 3
        case .blob: 4
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case let .integer(v): String(v)
        case let .real(v): String(v)
        case let .text(v): v
        case let .blob(v): "x'\(Hex.encode(v))'"
        }
    }
}

extension Value: Hashable {
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.integer(a), .integer(b)): a == b
        case let (.real(a), .real(b)): a.bitPattern == b.bitPattern
        case let (.text(a), .text(b)): a.utf8.elementsEqual(b.utf8)
        case let (.blob(a), .blob(b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        switch self {
        case .null: break
        case let .integer(v): hasher.combine(v)
        case let .real(v): hasher.combine(v.bitPattern)
        case let .text(v): for b in v.utf8 { hasher.combine(b) }
        case let .blob(v): hasher.combine(v)
        }
    }
}

extension Value {
    /// Limit on one text or blob value, enforced when decoding: 16 MiB.
    public static let maxEncodedLength = 16 << 20

    /// Appends the canonical encoding: a tag byte, then 8 bytes big-endian for integers and
    /// reals (the IEEE-754 bits), or a 32-bit length and the bytes for text and blobs.
    public func encode(into w: inout ByteWriter) {
        w.u8(tag)
        switch self {
        case .null: break
        case let .integer(v): w.u64(UInt64(bitPattern: v))
        case let .real(v): w.u64(v.bitPattern)
        case let .text(v): w.longString(v)
        case let .blob(v): w.longBytes(v)
        }
    }

    public var encoded: [UInt8] {
        var w = ByteWriter()
        encode(into: &w)
        return w.bytes
    }

    public static func decode(from r: inout ByteReader, _ what: String = "value") throws(DecodingError) -> Value {
        switch try r.u8(what) {
        case 0: return .null
        case 1: return .integer(Int64(bitPattern: try r.u64(what)))
        case 2: return .real(Double(bitPattern: try r.u64(what)))
        case 3: return .text(try r.longString(what, max: maxEncodedLength))
        case 4: return .blob(try r.longBytes(what, max: maxEncodedLength))
        case let t: throw .invalid(what: what, reason: "unknown value type \(t)")
        }
    }

    /// Decodes one value that must fill `bytes` exactly.
    public static func decode(encoded bytes: [UInt8]) throws(DecodingError) -> Value {
        var r = ByteReader(bytes)
        let v = try decode(from: &r)
        try r.finish("value")
        return v
    }
}
