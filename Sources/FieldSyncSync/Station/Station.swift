import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// A township social-work station: its replica of the cases, its keys, and the one hub it
/// syncs with.
///
/// Everything a caseworker does works offline: records are written to the local replica
/// and stay owed to the hub until a return bundle acknowledges them. ``export(to:)``
/// writes every owed change; ``importBundle(at:)`` applies a return bundle from the hub.
///
/// ```swift
/// let station = try Station.initialize(at: "st", name: "鲁沙尔镇社工站", township: "630122101", requestPath: "req.json")
/// // … the hub enrolls the request …
/// try station.join(Enrollment.read(from: "enrollment.json"))
/// let id = try station.record(table: "household", values: ["address": .text("…")]).rowID
/// try station.export(to: "/media/usb/")
/// ```
public final class Station: Sendable {
    public let folder: NodeFolder
    public let identity: NodeIdentity
    public let replica: Replica
    let wallClock: WallClock

    init(folder: NodeFolder, identity: NodeIdentity, replica: Replica, wallClock: @escaping WallClock) throws(SyncError) {
        self.folder = folder
        self.identity = identity
        // Every local write (the casework verbs included) is checked as the hub will check
        // it at merge (A3–A4, P4–P6), so nothing a station stores is later refused; every
        // merge ranks writes as the hub's does (M7), so the two converge.
        self.replica = try Scoping.apply(to: replica.guarded(by: CaseworkAuthority()).ranked(by: CaseworkPrecedence()),
                                         township: identity.township)
        self.wallClock = wallClock
    }

    /// Creates a station folder with new keys and a new replica, and writes its enrollment
    /// request to `requestPath` for the hub.
    public static func initialize(at path: String, name: String, township: String, schema: Schema = CaseworkSchema.schema,
                                  requestPath: String, wallClock: @escaping WallClock = SystemWallClock.now,
                                  identity given: NodeIdentity? = nil, protectedBy passphrase: Passphrase? = nil) throws(SyncError) -> Station {
        try InputCheck.code(township, field: "乡镇代码 township code (--township)")
        guard TownshipCode.isValid(township) else {
            throw .invalidInput("乡镇代码无效，应为 9 位行政区划代码，如 630122101 / the township code (--township) is not valid: give the 9-digit administrative code (乡镇代码), e.g. 630122101.")
        }
        try InputCheck.name(name, field: "站点名称 station name (--name)")
        let folder = NodeFolder(path)
        guard !folder.exists else { throw .folderExists(path) }
        try folder.create()
        var rng = SystemRandomNumberGenerator()
        let identity = given ?? NodeIdentity.make(name: name, role: .station, township: township, using: &rng)
        let replica: Replica
        do {
            replica = try Replica.create(at: folder.replicaPath, schema: schema, siteID: identity.site, name: name,
                                         role: .station, wallClock: wallClock)
        } catch { throw .store(error) }
        do {
            try identity.save(to: folder.identityPath, protectedBy: passphrase)
            try EnrollmentRequest.write(for: identity, atMillis: wallClock(), schemaVersion: schema.version, to: requestPath)
        } catch {
            // Nothing half-made is left behind: the same command can simply be run again
            // (for instance once the USB stick for the request is plugged in).
            try? FileManager.default.removeItem(atPath: folder.path)
            throw error
        }
        return try Station(folder: folder, identity: identity, replica: replica, wallClock: wallClock)
    }

    /// Opens an existing station folder; a sealed identity needs its `passphrase`.
    public static func open(at path: String, schema: Schema = CaseworkSchema.schema,
                            wallClock: @escaping WallClock = SystemWallClock.now, passphrase: Passphrase? = nil) throws(SyncError) -> Station {
        let folder = NodeFolder(path)
        let (identity, replica) = try folder.open(as: .station, schema: schema, wallClock: wallClock, passphrase: passphrase)
        let station = try Station(folder: folder, identity: identity, replica: replica, wallClock: wallClock)
        // A replacement laptop made before writes were held (K6) is held from now on.
        if try station.awaitsFirstReturnBundle(), try SyncError.catching({ try replica.setting(Replica.localWritesHeldKey) == nil }) {
            try SyncError.catching { try replica.setSetting(Replica.localWritesHeldKey, writesHeldMessage) }
        }
        return station
    }

    /// The hub this station has joined, if any.
    public func hub() throws(SyncError) -> Peer? {
        do { return try replica.peers().first { $0.role == .hub } } catch { throw .store(error) }
    }

    /// Joins the hub named in `enrollment`; from then on only bundles signed by that hub
    /// are accepted.
    public func join(_ enrollment: Enrollment) throws(SyncError) {
        guard enrollment.stationSite == identity.site,
              enrollment.stationSigningKey == identity.signingKey.publicKey else {
            throw .enrollmentInvalid("it was issued to another station")
        }
        if let existing = try hub(), existing.site != enrollment.hubSite {
            throw .enrollmentInvalid("this station has already joined hub \(existing.shownName)")
        }
        let peer = Peer(site: enrollment.hubSite, name: enrollment.hubName, role: .hub, township: nil,
                        signingKey: enrollment.hubSigningKey.rawRepresentation,
                        agreementKey: enrollment.hubAgreementKey.rawRepresentation,
                        enrolledAtMillis: enrollment.enrolledAtMillis, revokedAtMillis: nil, knownVector: .empty)
        do { try replica.savePeer(peer) } catch { throw .store(error) }
        try continueNumbering(from: enrollment)
    }

    /// Inserts or updates one row; a new row gets a fresh id unique across the county.
    ///
    /// Checked against the casework authority first (``CaseworkAuthority``: which tables a
    /// station may write, each value's shape, a new row's required fields), exactly as the
    /// hub will check the change when it merges it, so nothing is stored that the hub
    /// would refuse. The casework rules that need the whole case (逢救必核 and the rest)
    /// are the casework service's; this generic write is for tests, the demo and tools.
    @discardableResult
    public func record(table: String, id: String? = nil, values: [String: Value]) throws(SyncError) -> (rowID: String, changes: [Change]) {
        let rowID: String
        if let id { rowID = id } else { rowID = try nextRowID() }
        do throws(StoreError) {
            // A new row only under this station's own ids, as the hub will check (A5).
            let prefix = RowIDGenerator.prefix(of: identity.site)
            if !rowID.hasPrefix(prefix), try replica.row(table: table, rowID: rowID) == nil, try !replica.isDeleted(table: table, rowID: rowID) {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "A5 new row id", table: table, rowID: rowID,
                    reason: "a station creates rows only under its own ids (\(prefix)…); leave the id out to have one issued",
                    reasonZh: "工作站只能以本站编号（\(prefix)…）新建记录；请不指定编号，由系统分配"))
            }
            return (rowID, try replica.write(table: table, rowID: rowID, values: values))
        } catch { throw .store(error) }
    }

    /// A fresh row id from the domain's one generator (`<site short>-<counter>`).
    private func nextRowID() throws(SyncError) -> String {
        do { return try RowIDGenerator.next(for: replica, site: identity.site) } catch { throw .store(error) }
    }

    /// Deletes one row (a tombstone that reaches every replica).
    @discardableResult
    public func delete(table: String, id: String) throws(SyncError) -> Change {
        do { return try replica.delete(table: table, rowID: id) } catch { throw .store(error) }
    }

    /// Writes every change the hub has not acknowledged to a bundle. `out` is a file path,
    /// or a folder in which the bundle is named by station code, sequence and date.
    @discardableResult
    public func export(to out: String) throws(SyncError) -> ExportResult {
        guard let hub = try hub() else { throw .notJoined }
        try refuseExportBeforeFirstImport()
        return try BundleExport.write(from: replica, identity: identity, to: hub, kind: .stationToHub, out: out,
                                      wallClock: wallClock, fileCode: identity.township ?? identity.site.short)
    }

    /// Applies a return bundle from the hub: its changes, and its acknowledgement.
    @discardableResult
    public func importBundle(at path: String, afterEachBatch: ((Int) throws -> Void)? = nil) throws(SyncError) -> ImportResult {
        guard let hub = try hub() else { throw .notJoined }
        let file = BundleFiles.shownName(path)
        let result = try BundleImport.run(into: replica, identity: identity, path: path, expecting: .hubToStation, wallClock: wallClock,
                                    trustedPeer: { (key: SigningPublicKey) throws(SyncError) -> Peer in
            // The hub's key, or one it announced after it (hub key rotation).
            guard let trusted = try self.hub(hub, signingWith: key, file: file) else {
                throw refusal(of: path, signedBy: key, hub: hub)
            }
            return trusted
        }, plan: { _, header, readable in
            // A hub restored from a backup may reuse a number of its own this station holds (§4d).
            try HubRestore.verifyHubChanges(in: readable, hub: hub.site, replica: replica, file: file, hubName: hub.name)
            // The hub speaks for every replica of the county and has checked each station's
            // authority; what it says of this station's own changes is checked here (S13).
            return followingHubKeys(try scoped(OwnHistory.plan(for: self, header: header, readable: readable), header: header, hub: hub),
                             hub: hub, file: file)
                .audited(.imported, township: identity.township ?? CaseworkScope.countyWide, in: auditLog)
        }, afterEachBatch: afterEachBatch)
        try settleWaivedNumbers()
        return result
    }

    /// Why a bundle not signed by this station's hub is refused: what the file is (read
    /// from its signed header when the signature holds) and what to do with it.
    private func refusal(of path: String, signedBy key: SigningPublicKey, hub: Peer) -> SyncError {
        let file = BundleFiles.shownName(path)
        if key == identity.signingKey.publicKey { return .ownExport(file: file) }
        let what: String
        switch try? UnverifiedBundle.open(path: path).verify().header {
        case let header? where header.kind == .stationToHub:
            what = "an export of station \(header.shownSenderName) for its hub (carry it to the hub)"
        case let header?:
            what = "a return bundle from hub \(header.shownSenderName), which this station has not joined"
        case nil:
            what = "a bundle signed by key \(key.fingerprint), which this station does not know"
        }
        return .notFromOurHub(file: file, what: what, hubName: hub.name)
    }

    /// Changes owed, last export and import, the hub.
    public func status() throws(SyncError) -> NodeStatus {
        try SyncError.catching {
            let hub = try hub()
            // Only its own changes: a station sends no other (A1).
            let owed = try replica.changeCount(since: hub.map { try replica.knownVector(of: $0.site) } ?? .empty, only: identity.site)
            return NodeStatus(name: identity.name, site: identity.site, role: .station, township: identity.township,
                              vector: try replica.vector(), changesOwed: owed, hubName: hub?.name,
                              lastExport: try replica.exportedBundles(limit: 1).first,
                              lastImport: try replica.importedBundles(limit: 1).first,
                              openConflicts: try replica.conflicts(includeResolved: false).count, peers: [])
        }
    }
}

/// A replica's sync state, for `status` commands.
public struct NodeStatus: Sendable {
    public let name: String
    public let site: SiteID
    public let role: ReplicaRole
    public let township: String?
    public let vector: VersionVector
    /// Changes the hub has not acknowledged (stations), or 0 (hubs).
    public let changesOwed: Int
    public let hubName: String?
    public let lastExport: BundleRecord?
    public let lastImport: BundleRecord?
    public let openConflicts: Int
    /// For a hub: each station and how many changes it has not yet received.
    public let peers: [PeerStatus]
}

/// Which of the hub's signing keys a station trusts, by fingerprint.
public struct TrustedHubKey: Sendable, Equatable {
    public let fingerprint: String
    /// Whether it is the hub's current key; false until the station imports the announcement.
    public let isCurrent: Bool
}

public struct PeerStatus: Sendable {
    public let peer: Peer
    public let changesPending: Int
    /// The largest clock difference seen in this station's bundles (hubs only).
    public var largestClockSkew: ClockSkew? = nil
    /// The case schema version the station runs, as far as the hub knows.
    public var schemaVersion: Int
    /// Of ``changesPending``, those the station cannot hold until it upgrades, per table.
    public var waitingForUpgrade: [String: Int] = [:]
    /// The county's view of the station: bundles each way, what it still owes, its
    /// conflicts, duplicates, pending decisions and households (hubs only).
    public var overview: StationOverview? = nil
    /// The station's key history when it has one worth telling: revoked, replaced (what
    /// the old laptop delivered and owed), bundles held in quarantine (hubs only, K7).
    public var trust: KeyAccount? = nil
    /// After a hub key rotation, the hub key the station trusts (hubs only, H4): the one its
    /// return bundles are signed with until it imports the announcement. Nil before any rotation.
    public var trustedHubKey: TrustedHubKey? = nil

    /// How many changes wait for the station's upgrade.
    public var waitingForUpgradeCount: Int { waitingForUpgrade.values.reduce(0, +) }

    /// One line for an operator when changes wait for the station's upgrade, else nil.
    public var upgradeNotice: String? {
        UpgradeNotice.text(waiting: waitingForUpgrade, recipient: peer.shownName, version: schemaVersion)
    }
}
