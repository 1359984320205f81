import FieldSyncCore

/// The identity of one bundle: 16 random bytes chosen by the writer.
///
/// It salts the key wrap, so two bundles never share a wrap key even with the same
/// ephemeral key, and lets a receiver recognise a bundle it has already imported.
public struct BundleID: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Wraps exactly 16 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses 32 hex digits.
    public init?(hex: String) {
        guard let raw = Hex.decode(hex), raw.count == 16 else { return nil }
        self.bytes = raw
    }

    /// A fresh random id from the system's secure generator.
    public static func random() -> BundleID {
        var g = SystemRandomNumberGenerator()
        return BundleID(bytes: (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &g) })!
    }

    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
