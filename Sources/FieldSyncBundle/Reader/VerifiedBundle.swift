import FieldSyncCore

/// A bundle whose signature verified and whose header parsed: its header can be shown and
/// its signer checked against a roster, but its changes are still sealed.
public struct VerifiedBundle: Sendable {
    public var header: BundleHeader
    public var signerKey: SigningPublicKey
    public var path: String
    public var fileSize: Int
    /// SHA-256 of every byte before the trailer, as signed; identifies the exact file.
    public let digest: [UInt8]
    let headerHash: [UInt8]
    let bodyOffset: Int

    /// Unwraps the content key for `site` (B20–B22), then decrypts, inflates and parses
    /// every frame once, discarding the records, and checks the counts against the header
    /// (B16–B19, B23, B24). Only a bundle that is sound from end to end is returned, so a
    /// caller never applies the first half of a damaged bundle.
    public func open(as site: SiteID, key: AgreementPrivateKey) throws(BundleError) -> ReadableBundle {
        let readable = try unsealed(as: site, key: key)
        try readable.validate()
        return readable
    }

    /// Unwraps the content key like ``open(as:key:)`` but without the first pass: the
    /// checks it makes (B16–B24) are made while ``ReadableBundle/forEachBatch(_:)``
    /// delivers the records, so a damaged bundle throws the same error, after some
    /// batches were delivered.
    ///
    /// Only for a caller that applies every batch inside one transaction and rolls it
    /// back on any error (the exception to B25 in `Protocol/bundle-format.md`): nothing
    /// of a damaged bundle then takes effect, as with two passes, and an import decrypts,
    /// inflates and parses the body once instead of twice (13% of a large import, issue 10).
    public func openInOnePass(as site: SiteID, key: AgreementPrivateKey) throws(BundleError) -> ReadableBundle {
        try unsealed(as: site, key: key)
    }

    /// The bundle with its content key unwrapped for `site` (B20–B22), not yet read.
    private func unsealed(as site: SiteID, key: AgreementPrivateKey) throws(BundleError) -> ReadableBundle {
        guard let index = header.recipients.firstIndex(where: { $0.site == site }) else { throw .notARecipient(site) }
        guard header.recipients[index].key == key.publicKey else { throw .keyMismatch(site) }
        let contentKey = try ContentKeyWrap.unwrap(header.wrappedKeys[index], with: key, ephemeral: header.ephemeralKey,
                                                   bundleID: header.bundleID)
        return ReadableBundle(header: header, path: path, fileSize: fileSize, digest: digest, headerHash: headerHash,
                              bodyOffset: bodyOffset, contentKey: contentKey)
    }
}
