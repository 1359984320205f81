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

    /// A UTF-8 string with a 16-bit length prefix (identifiers, names).
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
