/// Appends big-endian integers and length-prefixed strings to a byte buffer.
///
/// This is the one writer behind every canonical encoding of FieldSync (values, changes,
/// the bundle header, the state digest), so they all share the same integer and string
/// conventions, spelled out in `Protocol/bundle-format.md`.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    // Integers are appended as one block of big-endian bytes rather than byte by byte:
    // encoding runs once per change on export and once per change logged on import, and
    // per-byte appends (a capacity check each) showed up in profiles.

    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }

    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }

    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }

    public mutating func raw<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    /// The longest string ``shortString(_:)`` can encode, in UTF-8 bytes.
    public static let maxShortStringLength = Int(UInt16.max)

    /// A UTF-8 string with a 16-bit length prefix (identifiers, names).
    ///
    /// The caller checks the length first (every name has a limit well under 65,535
    /// bytes, checked where the value enters the program); a longer string here is a
    /// programming error. ``checkedShortString(_:)`` is the throwing form.
    public mutating func shortString(_ s: String) {
        // Straight from the string's contiguous UTF-8 storage: no intermediate array per
        // name, and one block copy rather than a byte-by-byte append from the UTF-8 view.
        var s = s
        s.withUTF8 { utf8 in
            precondition(utf8.count <= Int(UInt16.max), "short string too long")
            u16(UInt16(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Like ``shortString(_:)``, but throws instead of trapping when the string is over
    /// ``maxShortStringLength`` bytes; nothing is appended then.
    public mutating func checkedShortString(_ s: String, _ what: String) throws(EncodingTooLong) {
        let count = s.utf8.count
        guard count <= Self.maxShortStringLength else { throw EncodingTooLong(what: what, size: count, limit: Self.maxShortStringLength) }
        shortString(s)
    }

    /// A string's UTF-8 bytes with a 32-bit length prefix (text values); the same bytes as
    /// `longBytes(s.utf8)`, copied as one block.
    public mutating func longString(_ s: String) {
        var s = s
        s.withUTF8 { longBytes($0) }
    }

    /// Bytes with a 32-bit length prefix.
    public mutating func longBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        precondition(data.count <= Int(UInt32.max), "byte string too long")
        u32(UInt32(data.count))
        raw(data)
    }

    public mutating func removeAll(keepingCapacity: Bool = true) { bytes.removeAll(keepingCapacity: keepingCapacity) }
}

/// A string too long for its length prefix: `what` names the field, never its value.
public struct EncodingTooLong: Error, Sendable, Equatable, CustomStringConvertible {
    public let what: String
    public let size: Int
    public let limit: Int

    public init(what: String, size: Int, limit: Int) {
        self.what = what
        self.size = size
        self.limit = limit
    }

    public var description: String { "\(what) is \(size) bytes, over the limit of \(limit)" }
}
