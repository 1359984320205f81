import FieldSyncCore

/// What the caller knows about a bundle before writing it; the writer adds the bundle id,
/// the key material, the total and the frame count.
///
/// `tableCounts` must be exact: the header is written before the records are known, so
/// the writer checks the records it is given against these counts and refuses to finish
/// a bundle whose header would lie. Tables with a count of zero are left out of the header.
public struct BundleDraft: Sendable, Equatable {
    public var kind: BundleKind
    public var sender: SiteID
    /// The sending station's display name (e.g. `鲁沙尔镇社工站`); never personal data.
    public var senderName: String
    public var created: HybridTimestamp
    public var schemaName: String
    public var schemaVersion: Int
    /// SHA-256 of the schema's canonical description: 32 bytes.
    public var schemaFingerprint: [UInt8]
    /// 1 to 16 recipients, in any order (the header stores them sorted by site).
    public var recipients: [BundleRecipient]
    /// What the sender holds.
    public var senderVector: VersionVector
    /// What the sender assumes the recipient already holds.
    public var assumedVector: VersionVector
    /// For return bundles: what the hub acknowledges holding durably.
    public var acknowledgement: VersionVector?
    /// How many changes of each table the bundle will carry.
    public var tableCounts: [String: Int]

    public init(kind: BundleKind, sender: SiteID, senderName: String, created: HybridTimestamp,
                schemaName: String, schemaVersion: Int, schemaFingerprint: [UInt8],
                recipients: [BundleRecipient], senderVector: VersionVector, assumedVector: VersionVector,
                acknowledgement: VersionVector? = nil, tableCounts: [String: Int]) {
        self.kind = kind
        self.sender = sender
        self.senderName = senderName
        self.created = created
        self.schemaName = schemaName
        self.schemaVersion = schemaVersion
        self.schemaFingerprint = schemaFingerprint
        self.recipients = recipients
        self.senderVector = senderVector
        self.assumedVector = assumedVector
        self.acknowledgement = acknowledgement
        self.tableCounts = tableCounts
    }
}
