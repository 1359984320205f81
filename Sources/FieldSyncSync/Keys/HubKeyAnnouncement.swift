import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import Foundation

/// One row of `hub_key`: the hub's new signing and agreement keys, signed by the signing
/// key they replace. Announcements travel as ordinary county-wide rows of return bundles,
/// so the bundle format does not change; a station believes one only through the chain of
/// signatures from the hub key it trusts (``HubKeyChain``).
public struct HubKeyAnnouncement: Sendable, Equatable {
    public let rowID: String
    public let hubSite: SiteID
    public let signingKey: SigningPublicKey
    public let agreementKey: AgreementPublicKey
    /// ISO-8601 with offset.
    public let issuedAt: String
    public let previousSigningKey: SigningPublicKey
    public let signature: [UInt8]

    static let table = CaseworkSchema.hubKey.name

    /// The bytes the previous key signs: a fixed label, the hub's site, both new keys and
    /// the moment, each length-prefixed or of fixed length.
    static func signedBytes(hubSite: SiteID, signingKey: SigningPublicKey, agreementKey: AgreementPublicKey, issuedAt: String) -> [UInt8] {
        var w = ByteWriter()
        w.shortString("FieldSync hub key v1")
        w.raw(hubSite.bytes)
        w.raw(signingKey.rawRepresentation)
        w.raw(agreementKey.rawRepresentation)
        w.shortString(issuedAt)
        return w.bytes
    }

    /// Announces `new` keys of `hubSite`, signed by `previous`.
    static func make(rowID: String, hubSite: SiteID, new signing: SigningPublicKey, _ agreement: AgreementPublicKey,
                     issuedAt: String, signedBy previous: SigningPrivateKey) throws -> HubKeyAnnouncement {
        let bytes = signedBytes(hubSite: hubSite, signingKey: signing, agreementKey: agreement, issuedAt: issuedAt)
        return HubKeyAnnouncement(rowID: rowID, hubSite: hubSite, signingKey: signing, agreementKey: agreement, issuedAt: issuedAt,
                                  previousSigningKey: previous.publicKey, signature: try previous.signature(for: bytes))
    }

    /// Whether the previous key signed exactly these keys, site and moment.
    var isSignedByPreviousKey: Bool {
        previousSigningKey.isValidSignature(signature, for: Self.signedBytes(hubSite: hubSite, signingKey: signingKey,
                                                                              agreementKey: agreementKey, issuedAt: issuedAt))
    }

    /// The row's values, as the hub writes them.
    var values: [String: Value] {
        [
            "hub_site": .text(hubSite.hex), "signing_key": .text(Hex.encode(signingKey.rawRepresentation)),
            "agreement_key": .text(Hex.encode(agreementKey.rawRepresentation)), "issued_at": .text(issuedAt),
            "previous_signing_key": .text(Hex.encode(previousSigningKey.rawRepresentation)), "signature": .text(Hex.encode(signature)),
        ]
    }

    /// Reads a row (`id` included); nil when a field is missing or not a key.
    init?(row: [String: Value]) {
        func text(_ column: String) -> String? {
            if case let .text(s)? = row[column] { return s }
            return nil
        }
        guard let id = text("id"), let site = text("hub_site").flatMap(SiteID.init(hex:)),
              let signing = text("signing_key").flatMap(Hex.decode).flatMap({ try? SigningPublicKey(rawRepresentation: $0) }),
              let agreement = text("agreement_key").flatMap(Hex.decode).flatMap({ try? AgreementPublicKey(rawRepresentation: $0) }),
              let previous = text("previous_signing_key").flatMap(Hex.decode).flatMap({ try? SigningPublicKey(rawRepresentation: $0) }),
              let issuedAt = text("issued_at"), let signature = text("signature").flatMap(Hex.decode) else { return nil }
        self.init(rowID: id, hubSite: site, signingKey: signing, agreementKey: agreement, issuedAt: issuedAt,
                  previousSigningKey: previous, signature: signature)
    }

    init(rowID: String, hubSite: SiteID, signingKey: SigningPublicKey, agreementKey: AgreementPublicKey, issuedAt: String,
         previousSigningKey: SigningPublicKey, signature: [UInt8]) {
        self.rowID = rowID
        self.hubSite = hubSite
        self.signingKey = signingKey
        self.agreementKey = agreementKey
        self.issuedAt = issuedAt
        self.previousSigningKey = previousSigningKey
        self.signature = signature
    }
}

/// A hub's announcements checked as one chain: each signed by the key before it, no two
/// following the same key, all connected. Built by each station from the rows it holds, to
/// know which key to switch to and whether a bundle's signer is one it may follow.
struct HubKeyChain {
    /// The announcements in order, the first following ``root``.
    let links: [HubKeyAnnouncement]
    /// The key before the first announcement (the hub's key at enrollment, before any rotation).
    let root: SigningPublicKey?

    /// Orders `announcements` of one hub into a chain; the reason in English when they are
    /// not one: a signature that does not verify, two announcements after one key, a row
    /// that does not connect, a row that cannot be read.
    static func build(_ rows: [[String: Value]], hub: SiteID) throws(ChainFault) -> HubKeyChain {
        var announcements: [HubKeyAnnouncement] = []
        for row in rows {
            guard let a = HubKeyAnnouncement(row: row) else {
                throw ChainFault("announcement \(row["id"].map { "\($0)" } ?? "?") is not a readable hub key row")
            }
            guard a.hubSite == hub else { continue }
            guard a.isSignedByPreviousKey else {
                throw ChainFault("announcement \(a.rowID) is not signed by the key it follows (\(a.previousSigningKey.fingerprint))")
            }
            announcements.append(a)
        }
        guard !announcements.isEmpty else { return HubKeyChain(links: [], root: nil) }
        var after: [SigningPublicKey: HubKeyAnnouncement] = [:]
        for a in announcements {
            if let other = after[a.previousSigningKey], other.rowID != a.rowID {
                throw ChainFault("announcements \(other.rowID) and \(a.rowID) both follow key \(a.previousSigningKey.fingerprint)")
            }
            after[a.previousSigningKey] = a
        }
        let announced = Set(announcements.map(\.signingKey))
        let roots = announcements.filter { !announced.contains($0.previousSigningKey) }
        guard roots.count == 1, let first = roots.first else {
            throw ChainFault("the announcements do not form one chain of keys")
        }
        var links: [HubKeyAnnouncement] = [first]
        var seen: Set<SigningPublicKey> = [first.previousSigningKey]
        while let next = after[links.last!.signingKey], seen.insert(next.previousSigningKey).inserted { links.append(next) }
        guard links.count == after.count else { throw ChainFault("the announcements do not form one chain of keys") }
        return HubKeyChain(links: links, root: first.previousSigningKey)
    }

    /// Every key of the chain, oldest first.
    var keys: [SigningPublicKey] { (root.map { [$0] } ?? []) + links.map(\.signingKey) }

    /// The position of `key` in ``keys``, nil when it is not on the chain.
    func position(of key: SigningPublicKey) -> Int? { keys.firstIndex(of: key) }

    /// Why announcements are not one chain.
    struct ChainFault: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
