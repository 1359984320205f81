#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    // Reads go straight to the array's storage: integers are loaded in one piece and
    // strings validated from a buffer pointer. Decoding runs twice per change on import
    // (verification pass, then apply pass), and the earlier slice-and-reduce reads
    // (an ArraySlice, with its retain and release, per field) dominated it.

    /// Checks that `n` bytes remain and returns where they start, moving past them.
    @inline(__always)
    private mutating func advance(_ n: Int, _ what: String) throws(DecodingError) -> Int {
        guard n >= 0, n <= remaining else { throw .truncated(what: what, offset: offset) }
        let start = offset
        offset += n
        return start
    }

    @inline(__always)
    private func load<T: FixedWidthInteger>(_ start: Int, as: T.Type) -> T {
        T(bigEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: T.self) })
    }

    public mutating func u8(_ what: String) throws(DecodingError) -> UInt8 { bytes[try advance(1, what)] }

    public mutating func u16(_ what: String) throws(DecodingError) -> UInt16 { load(try advance(2, what), as: UInt16.self) }

    public mutating func u32(_ what: String) throws(DecodingError) -> UInt32 { load(try advance(4, what), as: UInt32.self) }

    public mutating func u64(_ what: String) throws(DecodingError) -> UInt64 { load(try advance(8, what), as: UInt64.self) }

    public mutating func raw(_ n: Int, _ what: String) throws(DecodingError) -> [UInt8] {
        let start = try advance(n, what)
        return Array(bytes[start..<start + n])
    }

    public mutating func shortString(_ what: String) throws(DecodingError) -> String {
        let n = Int(try u16(what))
        return try utf8(at: advance(n, what), count: n, what)
    }

    public mutating func longBytes(_ what: String, max: Int) throws(DecodingError) -> [UInt8] {
        let n = Int(try u32(what))
        guard n <= max else { throw .tooLarge(what: what, size: n, limit: max) }
        return try raw(n, what)
    }

    public mutating func longString(_ what: String, max: Int) throws(DecodingError) -> String {
        let n = Int(try u32(what))
        guard n <= max else { throw .tooLarge(what: what, size: n, limit: max) }
        return try utf8(at: advance(n, what), count: n, what)
    }

    /// Reads `n` bytes that must equal `expected`, without copying them: true when they
    /// do (the reader moves past them), false when they differ (it does not move).
    /// Lets a decoder reuse a value it already built from the same bytes.
    public mutating func skip(ifNext expected: [UInt8]) -> Bool {
        let n = expected.count
        guard n <= remaining else { return false }
        let equal = bytes.withUnsafeBytes { mine in
            expected.withUnsafeBytes { theirs in
                n == 0 || memcmp(mine.baseAddress! + offset, theirs.baseAddress!, n) == 0
            }
        }
        if equal { offset += n }
        return equal
    }

    private func utf8(at start: Int, count n: Int, _ what: String) throws(DecodingError) -> String {
        let s = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[start..<start + n]), as: UTF8.self) }
        guard let s else { throw .invalidUTF8(what: what, offset: start) }
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
