/// Reads what ``ByteWriter`` writes, strictly: every read is bounds-checked, strings must
/// be valid UTF-8, and ``finish()`` rejects leftover bytes.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ what: String) throws(DecodingError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw .truncated(what: what, offset: offset) }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func u8(_ what: String) throws(DecodingError) -> UInt8 { try take(1, what).first! }

    public mutating func u16(_ what: String) throws(DecodingError) -> UInt16 {
        try take(2, what).reduce(0) { $0 << 8 | UInt16($1) }
    }

    public mutating func u32(_ what: String) throws(DecodingError) -> UInt32 {
        try take(4, what).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func u64(_ what: String) throws(DecodingError) -> UInt64 {
        try take(8, what).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func raw(_ n: Int, _ what: String) throws(DecodingError) -> [UInt8] { Array(try take(n, what)) }

    public mutating func shortString(_ what: String) throws(DecodingError) -> String {
        let n = Int(try u16(what))
        return try utf8(take(n, what), what)
    }

    public mutating func longBytes(_ what: String, max: Int) throws(DecodingError) -> [UInt8] {
        let n = Int(try u32(what))
        guard n <= max else { throw .tooLarge(what: what, size: n, limit: max) }
        return Array(try take(n, what))
    }

    public mutating func longString(_ what: String, max: Int) throws(DecodingError) -> String {
        let n = Int(try u32(what))
        guard n <= max else { throw .tooLarge(what: what, size: n, limit: max) }
        return try utf8(take(n, what), what)
    }

    private func utf8(_ slice: ArraySlice<UInt8>, _ what: String) throws(DecodingError) -> String {
        guard let s = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8(what: what, offset: offset - slice.count) }
        return s
    }

    /// Throws unless every byte was consumed.
    public func finish(_ what: String) throws(DecodingError) {
        if remaining != 0 { throw .leftoverBytes(what: what, count: remaining) }
    }
}

/// Why bytes could not be decoded; each case names the field being read.
public enum DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(what: String, offset: Int)
    case invalidUTF8(what: String, offset: Int)
    case leftoverBytes(what: String, count: Int)
    case tooLarge(what: String, size: Int, limit: Int)
    case invalid(what: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(what, offset): return "\(what) ends early at byte \(offset)"
        case let .invalidUTF8(what, offset): return "\(what) at byte \(offset) is not valid UTF-8"
        case let .leftoverBytes(what, count): return "\(what) has \(count) unexpected bytes at its end"
        case let .tooLarge(what, size, limit): return "\(what) declares \(size) bytes, more than the limit of \(limit)"
        case let .invalid(what, reason): return "\(what) is invalid: \(reason)"
        }
    }
}
