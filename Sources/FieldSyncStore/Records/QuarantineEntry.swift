import FieldSyncCore

/// A bundle signed by a key the hub no longer trusts, held for the operator (`fs_quarantine`).
///
/// The hub keeps a copy of the file, so that the operator can still accept it after the
/// stick has gone back, and one entry per bundle id, so that the same stick delivered
/// twice is one decision, not two.
public struct QuarantineEntry: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Waiting for the operator.
        case held
        /// Merged on the operator's authority.
        case accepted
        /// Not to be merged; the stored copy is kept.
        case rejected
    }

    public var id: Int64
    public var bundleID: [UInt8]
    /// The file's name as it was delivered.
    public var fileName: String
    /// Where the hub keeps its copy, relative to the hub folder (`quarantine/<id>.fsb`).
    public var storedPath: String
    public var signerSite: SiteID
    public var signerKey: [UInt8]
    public var receivedAtMillis: UInt64
    /// Why it was held, in the operator's words (`key revoked`, `key replaced`).
    public var why: String
    public var state: State
    public var decidedAtMillis: UInt64?
    public var decidedBy: String?
    public var note: String?

    public init(id: Int64, bundleID: [UInt8], fileName: String, storedPath: String, signerSite: SiteID, signerKey: [UInt8],
                receivedAtMillis: UInt64, why: String, state: State = .held, decidedAtMillis: UInt64? = nil,
                decidedBy: String? = nil, note: String? = nil) {
        self.id = id
        self.bundleID = bundleID
        self.fileName = fileName
        self.storedPath = storedPath
        self.signerSite = signerSite
        self.signerKey = signerKey
        self.receivedAtMillis = receivedAtMillis
        self.why = why
        self.state = state
        self.decidedAtMillis = decidedAtMillis
        self.decidedBy = decidedBy
        self.note = note
    }
}
