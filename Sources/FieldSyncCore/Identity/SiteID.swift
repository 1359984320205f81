/// The identity of one replica: 16 random bytes, chosen once when the replica is created.
///
/// Besides naming the origin of every change, the site id is the deterministic tie-break
/// between two writes with the same stamp: the greater id (compared byte by byte) wins.
public struct SiteID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Wraps exactly 16 bytes; returns nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses 32 lowercase or uppercase hex digits.
    public init?(hex: String) {
        guard let raw = Hex.decode(hex), raw.count == 16 else { return nil }
        self.bytes = raw
    }

    /// A fresh id from the injected random source.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> SiteID {
        SiteID(bytes: (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })!
    }

    public var hex: String { Hex.encode(bytes) }

    /// The first 8 hex digits, enough for a person to tell stations apart.
    public var short: String { String(hex.prefix(8)) }

    public var description: String { short }

    public static func < (lhs: SiteID, rhs: SiteID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// Lowercase hexadecimal, both ways.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
