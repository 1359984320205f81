import FieldSyncCore

/// One bundle this replica imported or exported, kept so that a bundle is never merged
/// twice and an operator can list what travelled.
public struct BundleRecord: Sendable, Equatable {
    public var bundleID: [UInt8]
    /// The other side: the bundle's author for an import, its addressee for an export.
    public var peer: SiteID
    public var createdStamp: HybridTimestamp
    /// Local wall time of the import or export.
    public var atMillis: UInt64
    public var changeCount: Int
    public var fileName: String

    public init(bundleID: [UInt8], peer: SiteID, createdStamp: HybridTimestamp, atMillis: UInt64,
                changeCount: Int, fileName: String) {
        self.bundleID = bundleID
        self.peer = peer
        self.createdStamp = createdStamp
        self.atMillis = atMillis
        self.changeCount = changeCount
        self.fileName = fileName
    }
}
