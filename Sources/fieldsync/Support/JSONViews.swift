import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync

/// The JSON shapes of `--json` output. They are part of the program's interface: scripts
/// read them, so fields are only ever added, never renamed.
struct VectorJSON: Encodable {
    let entries: [String: UInt64]
    init(_ v: VersionVector) { entries = Dictionary(uniqueKeysWithValues: v.sorted.map { ($0.site.hex, $0.sequence) }) }
    func encode(to encoder: Encoder) throws { try entries.encode(to: encoder) }
}

struct BundleRecordJSON: Encodable {
    let bundle: String, peer: String, created: String, at: String, changes: Int, file: String
    init(_ r: BundleRecord) {
        bundle = Hex.encode(r.bundleID); peer = r.peer.hex; created = r.createdStamp.description
        at = ISOTime.format(millis: r.atMillis); changes = r.changeCount; file = r.fileName
    }
}

struct StatusJSON: Encodable {
    struct SkewJSON: Encodable { let millis: Int64, seenAt: String }
    struct PeerJSON: Encodable {
        let name: String, site: String, township: String?, changesPending: Int, revoked: Bool
        let schemaVersion: Int, waitingForUpgrade: Int, waitingForUpgradeByTable: [String: Int], notice: String?
        /// The largest difference between a bundle's created stamp and the hub's clock (positive: station ahead).
        var largestClockSkew: SkewJSON? = nil
        var overview: OverviewJSON? = nil
        /// Revocation, replaced laptop and quarantine (K7); null for a station with one trusted key.
        var trust: KeyAccountJSON? = nil
        /// After a hub key rotation: the hub key the station trusts (null before any rotation).
        var trustedHubKey: TrustedHubKeyJSON? = nil
    }
    struct TrustedHubKeyJSON: Encodable { let fingerprint: String, current: Bool }
    /// ``StationOverview``; `changesStillOwed` is null when no bundle has come from the station yet,
    /// `duplicateGroups` when the county secret cannot be read.
    struct OverviewJSON: Encodable {
        let lastReceived: BundleRecordJSON?, lastSent: BundleRecordJSON?, changesStillOwed: Int?
        let openConflicts: Int, duplicateGroups: Int?, pendingDecisions: Int, householdsInScope: Int
        init(_ o: StationOverview) {
            lastReceived = o.lastReceived.map(BundleRecordJSON.init); lastSent = o.lastSent.map(BundleRecordJSON.init)
            changesStillOwed = o.changesStillOwed; openConflicts = o.openConflicts; duplicateGroups = o.duplicateGroups
            pendingDecisions = o.pendingDecisions; householdsInScope = o.householdsInScope
        }
    }
    let name: String, site: String, role: String, township: String?, hub: String?
    let changesOwed: Int, openConflicts: Int
    let vector: VectorJSON
    let lastExport: BundleRecordJSON?, lastImport: BundleRecordJSON?
    let stations: [PeerJSON]?
    init(_ s: NodeStatus) {
        name = s.name; site = s.site.hex; role = s.role.rawValue; township = s.township; hub = s.hubName
        changesOwed = s.changesOwed; openConflicts = s.openConflicts; vector = VectorJSON(s.vector)
        lastExport = s.lastExport.map(BundleRecordJSON.init); lastImport = s.lastImport.map(BundleRecordJSON.init)
        stations = s.role == .hub ? s.peers.map {
            PeerJSON(name: $0.peer.name, site: $0.peer.site.hex, township: $0.peer.township,
                     changesPending: $0.changesPending, revoked: $0.peer.revokedAtMillis != nil,
                     schemaVersion: $0.schemaVersion, waitingForUpgrade: $0.waitingForUpgradeCount,
                     waitingForUpgradeByTable: $0.waitingForUpgrade, notice: $0.upgradeNotice,
                     largestClockSkew: $0.largestClockSkew.map { SkewJSON(millis: $0.millis, seenAt: ISOTime.format(millis: $0.atMillis)) },
                     overview: $0.overview.map(OverviewJSON.init), trust: $0.trust.map(KeyAccountJSON.init),
                     trustedHubKey: $0.trustedHubKey.map { TrustedHubKeyJSON(fingerprint: $0.fingerprint, current: $0.isCurrent) })
        } : nil
    }
}

struct HeaderJSON: Encodable {
    struct RecipientJSON: Encodable { let site: String }
    let bundle: String, kind: String, sender: String, senderName: String, created: String
    let schema: String, schemaVersion: Int, schemaFingerprint: String
    let recipients: [RecipientJSON]
    let senderVector: VectorJSON, assumedVector: VectorJSON, acknowledgement: VectorJSON?
    let tableCounts: [String: Int], totalChanges: Int, frames: Int
    init(_ h: BundleHeader) {
        bundle = h.bundleID.hex; kind = h.kind == .stationToHub ? "station-to-hub" : "hub-to-station"
        sender = h.sender.hex; senderName = h.senderName; created = h.created.description
        schema = h.schemaName; schemaVersion = h.schemaVersion; schemaFingerprint = Hex.encode(h.schemaFingerprint)
        recipients = h.recipients.map { RecipientJSON(site: $0.site.hex) }
        senderVector = VectorJSON(h.senderVector); assumedVector = VectorJSON(h.assumedVector)
        acknowledgement = h.acknowledgement.map(VectorJSON.init)
        tableCounts = h.tableCounts; totalChanges = h.totalChanges; frames = h.frameCount
    }
}

struct ReportJSON: Encodable {
    let applied: Int, stale: Int, duplicate: Int, conflicts: Int
    init(_ r: ApplyReport) { applied = r.applied; stale = r.stale; duplicate = r.duplicate; conflicts = r.conflicts }
}

struct ImportJSON: Encodable {
    let file: String, ok: Bool, outcome: String?, bundle: String?, sender: String?, report: ReportJSON?, error: String?
    init(_ r: ImportResult) {
        file = r.path; ok = true; outcome = r.outcome.rawValue; bundle = r.header.bundleID.hex
        sender = r.senderName; report = ReportJSON(r.report); error = nil
    }
    init(file: String, error: SyncError) {
        self.file = file; ok = false; outcome = nil; bundle = nil; sender = nil; report = nil; self.error = error.description
    }
}

struct ExportJSON: Encodable {
    let file: String, bundle: String, recipient: String, changes: Int, tableCounts: [String: Int]
    let schemaVersion: Int, waitingForUpgrade: Int, waitingForUpgradeByTable: [String: Int], notice: String?
    init(_ r: ExportResult) {
        file = r.path; bundle = r.header.bundleID.hex; recipient = r.recipientName
        changes = r.header.totalChanges; tableCounts = r.header.tableCounts
        schemaVersion = r.recipientSchemaVersion; waitingForUpgrade = r.waitingForUpgradeCount
        waitingForUpgradeByTable = r.waitingForUpgrade; notice = r.upgradeNotice
    }
}

/// A value as JSON: exact for every type (reals also as IEEE bits, blobs as hex).
struct ValueJSON: Encodable {
    let value: Value
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch value {
        case .null: try c.encodeNil()
        case let .integer(v): try c.encode(v)
        case let .real(v): if v.isFinite { try c.encode(v) } else { try c.encode(String(v)) }
        case let .text(v): try c.encode(v)
        case let .blob(v): try c.encode("x'\(Hex.encode(v))'")
        }
    }
}

struct ChangeJSON: Encodable {
    let origin: String, sequence: UInt64, stamp: String, table: String, row: String, kind: String
    let column: String?, value: ValueJSON?
    init(_ c: Change, reveal: Bool) {
        origin = c.origin.hex; sequence = c.sequence; stamp = c.stamp.description; table = c.table; row = c.rowID
        kind = c.kind == .set ? "set" : "delete"; column = c.kind == .set ? c.column : nil
        value = c.kind == .set ? ValueJSON(value: reveal ? c.value : .text("‹personal›")) : nil
    }
}
