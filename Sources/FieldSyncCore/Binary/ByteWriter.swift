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

    public mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func u32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    public mutating func u64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    public mutating func raw<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    /// A UTF-8 string with a 16-bit length prefix (identifiers, names).
    public mutating func shortString(_ s: String) {
        let utf8 = Array(s.utf8)
        precondition(utf8.count <= Int(UInt16.max), "short string too long")
        u16(UInt16(utf8.count))
        raw(utf8)
    }

    /// Bytes with a 32-bit length prefix.
    public mutating func longBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        precondition(data.count <= Int(UInt32.max), "byte string too long")
        u32(UInt32(data.count))
        raw(data)
    }

    public mutating func removeAll(keepingCapacity: Bool = true) { bytes.removeAll(keepingCapacity: keepingCapacity) }
}
