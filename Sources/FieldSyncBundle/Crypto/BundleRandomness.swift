import Crypto

/// The random choices behind one bundle: its id, its content key and its ephemeral
/// agreement key.
///
/// They are injected so that a test vector can be re-encoded byte for byte from the
/// values recorded next to it. Outside tests, always use ``generate()``: reusing a content
/// key or an ephemeral key for two bundles breaks the frame nonces' uniqueness.
public struct BundleRandomness: Sendable {
    public var bundleID: BundleID
    /// 32 bytes.
    public var contentKey: [UInt8]
    public var ephemeralKey: AgreementPrivateKey

    public init(bundleID: BundleID, contentKey: [UInt8], ephemeralKey: AgreementPrivateKey) {
        self.bundleID = bundleID
        self.contentKey = contentKey
        self.ephemeralKey = ephemeralKey
    }

    /// Fresh values from the system's secure random generator.
    public static func generate() -> BundleRandomness {
        BundleRandomness(bundleID: .random(),
                         contentKey: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) },
                         ephemeralKey: AgreementPrivateKey())
    }
}
