import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation
import Logging

/// The county hub: the replica that holds every station's cases, enrolls stations, merges
/// their bundles in any order, and writes each station a return bundle.
///
/// A return bundle carries the hub's acknowledgement (its vector: what it durably holds)
/// and every change the station is not known to hold. Because vectors only count changes
/// without gaps, a bundle that arrives before an earlier lost one is applied, but the
/// acknowledgement stops at the gap and the station keeps re-sending the rest.
///
/// ```swift
/// let hub = try Hub.initialize(at: "hub", name: "湟中区民政局")
/// try hub.enroll(EnrollmentRequest.read(from: "req.json"), out: "enrollment.json")
/// let results = try hub.merge(paths: ["/media/usb"])
/// try hub.exportReturnBundles(to: "/media/usb/return")
/// ```
public final class Hub: Sendable {
    public let folder: NodeFolder
    public let identity: NodeIdentity
    public let replica: Replica
    let wallClock: WallClock
    static let logger = Logger(label: "fieldsync.hub")

    init(folder: NodeFolder, identity: NodeIdentity, replica: Replica, wallClock: @escaping WallClock) {
        self.folder = folder
        self.identity = identity
        self.replica = replica
        self.wallClock = wallClock
    }

    public static func initialize(at path: String, name: String, schema: Schema = CaseworkSchema.schema,
                                  wallClock: @escaping WallClock = SystemWallClock.now,
                                  identity given: NodeIdentity? = nil) throws(SyncError) -> Hub {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidInput("the hub name is empty") }
        let folder = NodeFolder(path)
        guard !folder.exists else { throw .folderExists(path) }
        try folder.create()
        var rng = SystemRandomNumberGenerator()
        let identity = given ?? NodeIdentity.make(name: name, role: .hub, township: nil, using: &rng)
        return try SyncError.catching {
            let replica = try Replica.create(at: folder.replicaPath, schema: schema, siteID: identity.site, name: name,
                                             role: .hub, wallClock: wallClock)
            try identity.save(to: folder.identityPath)
            return Hub(folder: folder, identity: identity, replica: replica, wallClock: wallClock)
        }
    }

    public static func open(at path: String, schema: Schema = CaseworkSchema.schema,
                            wallClock: @escaping WallClock = SystemWallClock.now) throws(SyncError) -> Hub {
        let folder = NodeFolder(path)
        let (identity, replica) = try folder.open(as: .hub, schema: schema, wallClock: wallClock)
        return Hub(folder: folder, identity: identity, replica: replica, wallClock: wallClock)
    }

    /// Enrolls the station that made `request` and writes its enrollment file to `out`.
    /// Enrolling the same station with the same keys again just rewrites the file.
    @discardableResult
    public func enroll(_ request: EnrollmentRequest, out: String) throws(SyncError) -> Enrollment {
        return try SyncError.catching {
            let existing = try replica.peer(request.site)
            if let existing, existing.signingKey != request.signingKey.rawRepresentation {
                throw SyncError.alreadyEnrolled(name: existing.name, site: existing.site)
            }
            let now = wallClock()
            try replica.savePeer(Peer(site: request.site, name: request.name, role: .station, township: request.township,
                                      signingKey: request.signingKey.rawRepresentation,
                                      agreementKey: request.agreementKey.rawRepresentation,
                                      enrolledAtMillis: existing?.enrolledAtMillis ?? now, revokedAtMillis: nil,
                                      knownVector: existing?.knownVector ?? .empty))
            let enrollment = Enrollment(hubSite: identity.site, hubName: identity.name, hubSigningKey: identity.signingKey.publicKey,
                                        hubAgreementKey: identity.agreementKey.publicKey, stationSite: request.site,
                                        stationSigningKey: request.signingKey, enrolledAtMillis: existing?.enrolledAtMillis ?? now)
            try enrollment.write(to: out, signedBy: identity.signingKey)
            if let version = request.schemaVersion { try noteSchemaVersion(version, of: request.site) }
            Self.logger.info("station enrolled", metadata: ["station": "\(request.site)", "township": "\(request.township)"])
            return enrollment
        }
    }

    /// The enrolled stations.
    public func stations() throws(SyncError) -> [Peer] {
        do { return try replica.peers().filter { $0.role == .station }.sorted { ($0.township ?? "", $0.name) < ($1.township ?? "", $1.name) } }
        catch { throw .store(error) }
    }

    /// Merges one bundle from an enrolled station.
    @discardableResult
    public func merge(bundleAt path: String, afterEachBatch: ((Int) throws -> Void)? = nil) throws(SyncError) -> ImportResult {
        let file = (path as NSString).lastPathComponent
        let stations = try stations()
        let result = try BundleImport.run(into: replica, identity: identity, path: path, expecting: .stationToHub, wallClock: wallClock,
                                    trustedPeer: { (key: SigningPublicKey) throws(SyncError) -> Peer in
            guard let peer = stations.first(where: { $0.signingKey == key.rawRepresentation }) else {
                throw .unknownSigner(fingerprint: key.fingerprint, file: file)
            }
            if peer.revokedAtMillis != nil { throw .revokedSigner(name: peer.name, file: file) }
            return peer
        }, afterEachBatch: afterEachBatch)
        try noteSchemaVersion(result.header.schemaVersion, of: result.header.sender)
        return result
    }

    /// Merges every bundle among `paths` (files, or folders whose `.fsb` files are taken
    /// in name order). Each bundle is merged on its own, all or nothing; one bad file does
    /// not stop the others. Results come back in the order the files were taken, each with
    /// its file.
    public func merge(paths: [String], progress: ((Int, Int, String) -> Void)? = nil) throws(SyncError)
        -> [(file: String, result: Result<ImportResult, SyncError>)] {
        let files = try BundleFiles.expand(paths)
        var results: [(file: String, result: Result<ImportResult, SyncError>)] = []
        for (i, file) in files.enumerated() {
            progress?(i + 1, files.count, file)
            do { results.append((file, .success(try merge(bundleAt: file)))) } catch { results.append((file, .failure(error))) }
        }
        return results
    }

    /// Writes one return bundle per enrolled (not revoked) station into `folder`.
    public func exportReturnBundles(to folder: String, progress: ((Int, Int, String) -> Void)? = nil) throws(SyncError) -> [ExportResult] {
        try NodeFolder(folder).create()
        let targets = try stations().filter { $0.revokedAtMillis == nil }
        var results: [ExportResult] = []
        for (i, station) in targets.enumerated() {
            progress?(i + 1, targets.count, station.name)
            results.append(try returnBundle(for: station, to: folder))
        }
        return results
    }

    /// Writes the return bundle for one station.
    ///
    /// The bundle is written for the station's case schema version (``schema(of:)``):
    /// changes it cannot hold yet wait, and the result says how many.
    public func returnBundle(for station: Peer, to out: String) throws(SyncError) -> ExportResult {
        try BundleExport.write(from: replica, identity: identity, to: station, kind: .hubToStation, out: out,
                               wallClock: wallClock, fileCode: station.township ?? station.site.short, for: try schema(of: station.site))
    }

    /// The case schema the station's FieldSync runs, as far as the hub knows: the newest
    /// version named by a bundle merged from it or by its enrollment request, capped at the
    /// hub's own. A station the hub knows nothing about (enrolled before the hub upgraded)
    /// is taken to run the oldest version the hub knows, which it can always read.
    public func schema(of station: SiteID) throws(SyncError) -> Schema {
        let recorded = try SyncError.catching { try replica.setting(Self.schemaVersionKey(station)).flatMap { Int($0) } }
        return replica.schema.at(version: min(recorded ?? 0, replica.schema.version)) ?? replica.schema.oldest
    }

    /// Records that `station` runs case schema `version`, unless a newer one is recorded
    /// (an old bundle delivered late does not move a station back). Kept in `fs_settings`
    /// so no store migration is needed.
    func noteSchemaVersion(_ version: Int, of station: SiteID) throws(SyncError) {
        try SyncError.catching {
            let key = Self.schemaVersionKey(station)
            if let recorded = try replica.setting(key).flatMap({ Int($0) }), recorded >= version { return }
            try replica.setSetting(key, String(version))
        }
    }

    static func schemaVersionKey(_ station: SiteID) -> String { "station-schema-version:\(station.hex)" }

    /// The hub's sync state and, for each station, how many changes it has yet to receive.
    public func status() throws(SyncError) -> NodeStatus {
        try SyncError.catching {
            let peers = try stations().map { peer in
                let schema = try schema(of: peer.site)
                let waiting = schema.version < replica.schema.version
                    ? try replica.exportSnapshot { try BundleSchema.heldBack(in: $0, since: peer.knownVector, for: schema) } : [:]
                return PeerStatus(peer: peer, changesPending: try replica.changeCount(since: peer.knownVector),
                                  schemaVersion: schema.version, waitingForUpgrade: waiting)
            }
            return NodeStatus(name: identity.name, site: identity.site, role: .hub, township: nil, vector: try replica.vector(),
                              changesOwed: 0, hubName: nil, lastExport: try replica.exportedBundles(limit: 1).first,
                              lastImport: try replica.importedBundles(limit: 1).first,
                              openConflicts: try replica.conflicts(includeResolved: false).count, peers: peers)
        }
    }
}

/// Expands command-line paths into bundle files.
public enum BundleFiles {
    public static func expand(_ paths: [String]) throws(SyncError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw .io("\(path): no such file or folder")
            }
            if isDir.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                    .filter { $0.hasSuffix(".fsb") && !$0.hasPrefix(".") }.sorted()
                guard !names.isEmpty else { throw .noBundles(path) }
                files += names.map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return files
    }
}
