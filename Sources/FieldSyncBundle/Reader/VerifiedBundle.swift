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
        guard let index = header.recipients.firstIndex(where: { $0.site == site }) else { throw .notARecipient(site) }
        guard header.recipients[index].key == key.publicKey else { throw .keyMismatch(site) }
        let contentKey = try ContentKeyWrap.unwrap(header.wrappedKeys[index], with: key, ephemeral: header.ephemeralKey,
                                                   bundleID: header.bundleID)
        let readable = ReadableBundle(header: header, path: path, fileSize: fileSize, digest: digest, headerHash: headerHash,
                                      bodyOffset: bodyOffset, contentKey: contentKey)
        try readable.validate()
        return readable
    }
}
