/// Reads a fuzz input front to back without ever failing: past the end every read gives
/// zeros or nothing, so each input, however short, maps onto one well-defined case.
struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func u8() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Big-endian, as the bundle format writes its integers, so seeds read like the spec.
    mutating func u32() -> UInt32 {
        (0..<4).reduce(0) { value, _ in value << 8 | UInt32(u8()) }
    }

    mutating func u64() -> UInt64 {
        (0..<8).reduce(0) { value, _ in value << 8 | UInt64(u8()) }
    }

    /// Up to `count` bytes: fewer when the input ends first.
    mutating func bytes(upTo count: Int) -> [UInt8] {
        let n = min(max(count, 0), bytes.count - min(offset, bytes.count))
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// Text prefixed with a `u16` length; invalid UTF-8 is repaired, as a file written by
    /// any Swift program would be.
    mutating func text() -> String {
        let count = Int(u8()) << 8 | Int(u8())
        return String(decoding: bytes(upTo: count), as: UTF8.self)
    }

    mutating func rest() -> [UInt8] { bytes(upTo: bytes.count) }
}

/// Big-endian encoders for the seeds and the assembled files.
extension Array where Element == UInt8 {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * (3 - $0))) } }
    static func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * (7 - $0))) } }
}
