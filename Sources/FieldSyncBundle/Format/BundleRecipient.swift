import FieldSyncCore

/// A station (or hub) that can read a bundle: its site id and its X25519 agreement key.
public struct BundleRecipient: Sendable, Equatable, Hashable {
    public var site: SiteID
    public var key: AgreementPublicKey

    public init(site: SiteID, key: AgreementPublicKey) {
        self.site = site
        self.key = key
    }
}
