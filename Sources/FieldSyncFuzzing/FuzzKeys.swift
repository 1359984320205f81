import FieldSyncBundle
import FieldSyncCore

/// The fixed keys every harness signs and reads with: those of the test vector
/// `Protocol/vectors/v1-small.json` (public test material, never a real station's).
///
/// With them, `v1-small.fsb` itself is a seed that reads through to the end, and so is any
/// bundle the seed generator writes with ``randomness``: the fuzzer starts behind the
/// signature and behind the key wrap instead of having to forge either.
enum FuzzKeys {
    /// The sender's Ed25519 key: the harness signs every file it assembles with it.
    static let senderSigning = try! SigningPrivateKey(rawRepresentation: sequence(from: 0x01))
    /// The recipient the harness reads as (`keys.recipients[0]` of the vector).
    static let recipientSite = SiteID(hex: "00000000000000000000000000000001")!
    static let recipientAgreement = try! AgreementPrivateKey(rawRepresentation: sequence(from: 0x21))
    /// The vector's second recipient, so that seeds address two stations as hubs do.
    static let otherSite = SiteID(hex: "63012200000000000000000000000002")!
    static let otherAgreement = try! AgreementPrivateKey(rawRepresentation: sequence(from: 0x81))
    /// The bundle id, content key and ephemeral key of the vector: a frame the harness
    /// seals under ``contentKey`` opens for the recipient whenever the header's key wrap
    /// is the vector's.
    static let randomness = BundleRandomness(
        bundleID: BundleID(hex: "0f5b1d2c3a4e5f60718293a4b5c6d7e8")!,
        contentKey: sequence(from: 0x61),
        ephemeralKey: try! AgreementPrivateKey(rawRepresentation: sequence(from: 0x41)))
    static var contentKey: [UInt8] { randomness.contentKey }

    /// 32 consecutive byte values, as the vector's keys are made.
    private static func sequence(from first: UInt8) -> [UInt8] { (0..<32).map { first &+ UInt8($0) } }
}
