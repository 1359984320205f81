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
    /// The passphrase the identity file is sealed under (nil: unprotected), kept so that a
    /// key rotation writes the new keys under the same one.
    let passphrase: Passphrase?
    static let logger = Logger(label: "fieldsync.hub")

    init(folder: NodeFolder, identity: NodeIdentity, replica: Replica, wallClock: @escaping WallClock,
         passphrase: Passphrase? = nil) throws(SyncError) {
        self.folder = folder
        self.identity = identity
        self.passphrase = passphrase
        // The hub files every change into the township feeds it serves (P1–P3), and every
        // merge ranks writes as the stations' do (M7): county decisions first, statuses
        // forward only.
        self.replica = try Scoping.apply(to: replica.ranked(by: CaseworkPrecedence()), township: nil)
        self.wallClock = wallClock
    }

    public static func initialize(at path: String, name: String, schema: Schema = CaseworkSchema.schema,
                                  wallClock: @escaping WallClock = SystemWallClock.now,
                                  identity given: NodeIdentity? = nil, countySecret: [UInt8]? = nil,
                                  protectedBy passphrase: Passphrase? = nil) throws(SyncError) -> Hub {
        try InputCheck.name(name, field: "hub name (--name)")
        let folder = NodeFolder(path)
        guard !folder.exists else { throw .folderExists(path) }
        try folder.create()
        var rng = SystemRandomNumberGenerator()
        let identity = given ?? NodeIdentity.make(name: name, role: .hub, township: nil, using: &rng)
        return try SyncError.catching {
            let replica = try Replica.create(at: folder.replicaPath, schema: schema, siteID: identity.site, name: name,
                                             role: .hub, wallClock: wallClock)
            try identity.save(to: folder.identityPath, protectedBy: passphrase)
            _ = try CountySecret.loadOrCreate(in: folder, making: countySecret)
            return try Hub(folder: folder, identity: identity, replica: replica, wallClock: wallClock, passphrase: passphrase)
        }
    }

    /// Opens an existing hub folder; a sealed identity needs its `passphrase`.
    public static func open(at path: String, schema: Schema = CaseworkSchema.schema,
                            wallClock: @escaping WallClock = SystemWallClock.now, passphrase: Passphrase? = nil) throws(SyncError) -> Hub {
        let folder = NodeFolder(path)
        let (identity, replica) = try folder.open(as: .hub, schema: schema, wallClock: wallClock, passphrase: passphrase)
        return try Hub(folder: folder, identity: identity, replica: replica, wallClock: wallClock, passphrase: passphrase)
    }

    /// Enrolls the station that made `request` and writes its enrollment file to `out`.
    /// Enrolling the same station with the same keys again just rewrites the file. A key
    /// the hub revoked is never enrolled again (K3); new keys for an enrolled site are a
    /// replacement laptop, taken only once the site's key is revoked (K5).
    @discardableResult
    public func enroll(_ request: EnrollmentRequest, out: String) throws(SyncError) -> Enrollment {
        return try SyncError.catching {
            let existing = try replica.peer(request.site)
            try refuseDistrustedKey(of: request)
            // Row ids are told apart by their site's first 8 hex digits (A5): a new site that
            // shares them with another node could create rows under that node's ids.
            let shortTaken = try request.site.short == identity.site.short || replica.peers().contains { $0.site.short == request.site.short }
            if existing == nil, shortTaken {
                throw SyncError.requestInvalid("its site id starts with the same 8 hex digits (\(request.site.short)) as another node of this county, and row ids are told apart by them; run `fieldsync station init` again for a new site id")
            }
            if let existing, existing.signingKey != request.signingKey.rawRepresentation {
                guard existing.revokedAtMillis != nil else { throw SyncError.alreadyEnrolled(name: existing.name, site: existing.site) }
                return try enrollReplacement(of: existing, from: request, out: out)
            }
            let now = wallClock()
            let peer = Peer(site: request.site, name: request.name, role: request.role, township: request.township,
                            signingKey: request.signingKey.rawRepresentation,
                            agreementKey: request.agreementKey.rawRepresentation,
                            enrolledAtMillis: existing?.enrolledAtMillis ?? now, revokedAtMillis: nil,
                            knownVector: existing?.knownVector ?? .empty)
            try saveEnrolled(peer, isNew: existing == nil)
            let enrollment = Enrollment(hubSite: identity.site, hubName: identity.name, hubSigningKey: identity.signingKey.publicKey,
                                        hubAgreementKey: identity.agreementKey.publicKey, stationSite: request.site,
                                        stationSigningKey: request.signingKey, enrolledAtMillis: existing?.enrolledAtMillis ?? now,
                                        continuing: try numberingFloor(of: request.site))
            try enrollment.write(to: out, signedBy: identity.signingKey)
            try noteTrustedKey(of: request.site, agreementKey: identity.agreementKey.publicKey)
            // The version a request names is outside its signature, and a station taken to run a
            // version before scoping gets every township's cases and may write any (the upgrade
            // window of stations enrolled before the hub scoped). A station a scoping hub enrolls
            // is held to scoping whatever its request says: one whose FieldSync is older is told
            // to upgrade by its first return bundle, never sent the county.
            let scoping = replica.scope != nil && Scoping.isScoped(replica.schema)
            // (A station enrolled before the hub scoped keeps its window when enrolled again.)
            let version = scoping && existing == nil ? max(request.schemaVersion ?? 0, Scoping.firstScopedVersion) : request.schemaVersion
            if let version { try noteSchemaVersion(version, of: request.site) }
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
    ///
    /// A bundle that reuses one of its station's change numbers with other content (A2)
    /// is refused; the first time, the hub takes it for a replica restored from an older
    /// copy and sends the station its own changes from the last number both agree on, so
    /// that the station can locate the difference and repair (S13). A station that parts
    /// from the hub's history again after such a repair is two laptops working as one
    /// station: refused as such, and nothing of that laptop is merged.
    @discardableResult
    public func merge(bundleAt path: String, afterEachBatch: ((Int) throws -> Void)? = nil) throws(SyncError) -> ImportResult {
        let file = BundleFiles.shownName(path)
        if let known = try quarantineIfDistrusted(path: path, file: file) { return known }
        let stations = try stations() + counties()
        var signer: Peer?
        do {
            let result = try withConflictNotices { () throws(SyncError) in try mergeChecked(path: path, file: file, stations: stations, signer: &signer, afterEachBatch: afterEachBatch) }
            try noteSchemaVersion(result.header.schemaVersion, of: result.header.sender)
            // The hub key the station encrypted to says which announcement it has followed.
            if let ours = result.header.recipients.first(where: { $0.site == identity.site }) {
                try noteTrustedKey(of: result.header.sender, agreementKey: ours.key)
            }
            return result
        } catch {
            if case let .reusedSequence(_, sequence, _) = error, let signer {
                try divergence(of: signer, at: sequence, file: file)
                // A restored copy may trust a key the hub retired since (H4).
                if signer.role == .station, let header = try? UnverifiedBundle.open(path: path).verify().header,
                   let ours = header.recipients.first(where: { $0.site == identity.site }) {
                    try noteTrustedKey(of: signer.site, agreementKey: ours.key)
                }
            }
            throw error
        }
    }

    /// The key of the setting that remembers the hub's holdings of a station when its
    /// history first parted (S13).
    static func divergenceKey(_ site: SiteID) -> String { "restore_point:\(site.hex)" }

    /// Called when `station`'s bundle reused `sequence`: records a restore, or refuses a second laptop.
    private func divergence(of station: Peer, at sequence: UInt64, file: String) throws(SyncError) {
        try SyncError.catching {
            let agreed = sequence - 1
            let held = try replica.vector()[station.site]
            // The copy that was repaired numbers its work from the restore point on; the
            // other laptop, still working on the history the hub held then, parts from the
            // hub's history exactly there. A copy restored again later (from an older or a
            // newer backup) parts elsewhere and is repaired like the first time.
            if let recorded = try replica.setting(Self.divergenceKey(station.site)).flatMap(UInt64.init), agreed == recorded {
                Self.logger.warning("second laptop for one station", metadata: ["station": "\(station.site)", "sequence": "\(sequence)"])
                throw SyncError.secondLaptop(sender: station.displayName, sequence: sequence, file: file)
            }
            try replica.setSetting(Self.divergenceKey(station.site), String(held))
            try replica.lowerKnownVector(of: station.site, origin: station.site, to: agreed)
            // The copy may also lack part of its feed (a transfer away it received after the
            // copy was taken): its feed is sent again from the start (P6), and a refused
            // bundle's own report of it is not to be trusted.
            if let feed = feedSite(of: station) { try replica.lowerKnownVector(of: station.site, origin: feed, to: 0) }
            try replica.setSetting(Self.feedHighKey(station.site), nil)
            Self.logger.warning("station history parted from the hub's", metadata: ["station": "\(station.site)", "agreedThrough": "\(agreed)"])
        }
    }

    /// `keepingKnownVector`: the bundle's report of what its station holds is not adopted
    /// (a quarantined bundle of a lost laptop, accepted by the operator: K4).
    func mergeChecked(path: String, file: String, stations: [Peer], signer: inout Peer?,
                      afterEachBatch: ((Int) throws -> Void)?, keepingKnownVector: Bool = false) throws(SyncError) -> ImportResult {
        var found: Peer?
        defer { signer = found }
        return try BundleImport.run(into: replica, identity: identity, path: path, expecting: .stationToHub, wallClock: wallClock,
                                    trustedPeer: { (key: SigningPublicKey) throws(SyncError) -> Peer in
            guard let peer = stations.first(where: { $0.signingKey == key.rawRepresentation }) else {
                throw refusal(of: path, signedBy: key)
            }
            if peer.revokedAtMillis != nil { throw .revokedSigner(name: peer.operatorName, file: file) }
            found = peer
            return peer
        }, plan: { peer, header, bundle in
            if peer.role == .hub { return auditedMerge(try countyPlan(for: peer, header: header, bundle: bundle), from: peer) }
            // A station speaks only for itself (A1), numbers its changes without gaps (A2),
            // writes only within its authority (A3–A4) and its township's cases (P4–P5).
            var guarding = MergeGuard(onlyOrigin: peer.site, authority: CaseworkAuthority(), writer: .station)
            guarding.newRowIDPrefix = RowIDGenerator.prefix(of: peer.site)
            // From what the hub holds, or what the station believes it holds (a hub restored
            // from a backup holds less), or the numbers a replacement laptop continues above
            // (K5), the bundle's own changes run without a gap.
            let start = max(try replica.highestLogged(origin: peer.site), header.assumedVector[peer.site],
                            try numberingFloor(of: peer.site)?.sequence ?? 0)
            guarding.highestSequence = start &+ UInt64(header.totalChanges)
            let scope = try scopeCheck(for: peer, header: header, bundle: bundle, file: file, quarantined: keepingKnownVector)
            guarding.scope = scope?.0
            // What the station says of the hub's own numbering (a restored hub's, §4d).
            let restore = try HubRestore.Report(header: header, hub: identity.site, feed: feedSite(of: peer), peers: stations, replica: replica)
            return auditedMerge(ImportPlan(guarding, acknowledgement: keepingKnownVector ? try replica.knownVector(of: peer.site)
                                                                                           : restore.acknowledgement(of: header),
                                           observeCreated: true, inTransaction: { tx in
                // A hub restored from a backup numbers past what the station holds of it (HR2).
                try HubRestore.follow(restore, in: &tx)
                // The latest release of each case is remembered, so that a later bundle's
                // changes to the case are judged against it (P5).
                for (household, release) in scope?.1 ?? [:] {
                    let key = Self.releaseKeyPrefix(peer.site) + household
                    try tx.setSetting(key, String(max(release.sequence, try tx.setting(key).flatMap(UInt64.init) ?? 0)))
                    try tx.setSetting(Self.releaseTransferKey(peer.site, household), String(release.pinnedAt))
                }
                // The highest feed position the station has reported (P5, ``scopeCheck``).
                if let feed = self.feedSite(of: peer), !keepingKnownVector {
                    let key = Self.feedHighKey(peer.site)
                    let reported = header.senderVector[feed]
                    if reported > (try tx.setting(key).flatMap(UInt64.init) ?? 0) { try tx.setSetting(key, String(reported)) }
                }
            }), from: peer)
        }, afterEachBatch: afterEachBatch)
    }

    /// Why a bundle signed by no enrolled station is refused: what the file is (read from
    /// its signed header when the signature holds) and what to do with it.
    private func refusal(of path: String, signedBy key: SigningPublicKey) -> SyncError {
        let file = BundleFiles.shownName(path)
        if identity.signingKey(matching: key) != nil { return .ownReturnBundle(file: file) }
        switch try? UnverifiedBundle.open(path: path).verify().header {
        case let header? where header.kind == .hubToStation: return .returnBundleOfAnotherHub(file: file, hubName: header.shownSenderName)
        case let header?: return .unenrolledStation(file: file, stationName: header.shownSenderName)
        case nil: return .unknownSigner(fingerprint: key.fingerprint, file: file)
        }
    }

    /// Merges every bundle among `paths` (files, or folders whose `.fsb` files are taken
    /// in name order). Each bundle is merged on its own, all or nothing; one bad file does
    /// not stop the others. Results come back in the order the files were taken, each with
    /// its file. `skipped` hears of each entry of a folder that is not a bundle file to read.
    ///
    /// Bundles merged one after another share a transaction until it has run
    /// ``batchSeconds`` (``Replica/inOneTransaction(_:)``): each bundle is still a savepoint
    /// of its own, which a refusal rolls back alone, but the hub commits once for the batch
    /// rather than once per bundle and note. If that commit fails, nothing of the batch was
    /// kept, a refusal's own records (a quarantine entry, a restore point) included, and
    /// each of its files is reported ``SyncError/notSaved(file:_:)``, to merge again; a
    /// bundle the hub had imported before the batch stays reported as such. Not to be called inside
    /// another shared transaction, whose commit it could not report.
    public func merge(paths: [String], progress: ((Int, Int, String) -> Void)? = nil,
                      skipped: ((_ path: String, _ reason: String) -> Void)? = nil) throws(SyncError)
        -> [(file: String, result: Result<ImportResult, SyncError>)] {
        try merge(files: try BundleFiles.expand(paths, skipped: skipped), batchSeconds: Self.batchSeconds, progress: progress)
    }

    /// ``merge(paths:progress:skipped:)`` of `files`, committing every `batchSeconds`.
    func merge(files: [String], batchSeconds: Double, progress: ((Int, Int, String) -> Void)?)
        -> [(file: String, result: Result<ImportResult, SyncError>)] {
        precondition(!replica.isInSharedTransaction, "Hub.merge(paths:) reports bundles merged only once it has committed them")
        var results: [(file: String, result: Result<ImportResult, SyncError>)] = []
        while results.count < files.count {
            let first = results.count
            let started = DispatchTime.now()
            do {
                try replica.inOneTransaction {
                    repeat {
                        let file = files[results.count]
                        progress?(results.count + 1, files.count, file)
                        do throws(SyncError) { results.append((file, .success(try merge(bundleAt: file)))) } catch {
                            results.append((file, .failure(error)))
                        }
                        // SQLite rolled the whole transaction back (disk full, an I/O error):
                        // the rest of the files wait for a new one.
                    } while !replica.isSharedTransactionLost && results.count < files.count
                        && Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 < batchSeconds
                }
            } catch {
                let lost = (error as? StoreError) ?? .database(message: String(describing: type(of: error)), code: 0)
                // The transaction did not even begin (another process held the file past
                // the busy timeout): the file it was for is reported, the next tried.
                if results.count == first { results.append((files[first], .failure(.store(lost)))) }
                Self.logger.warning("a batch of merged bundles could not be saved; each is to be merged again",
                                    metadata: ["bundles": "\(results.count - first)", "error": "\(lost)"])
                for i in first..<results.count {
                    // Already imported before the batch, and so still held; not a copy of a
                    // file merged earlier in the batch, which went with it.
                    if case let .success(imported) = results[i].result, imported.outcome == .alreadyImported,
                       (try? replica.hasImported(bundleID: imported.header.bundleID.bytes)) == true { continue }
                    results[i].result = .failure(.notSaved(file: BundleFiles.shownName(results[i].file), lost))
                }
            }
        }
        return results
    }

    /// How long bundles merged one after another share a transaction before the hub
    /// commits them (``merge(paths:progress:skipped:)``). Long enough that a stick of
    /// small station bundles commits a few times, not once per bundle; short enough that
    /// a `hub serve` beside the merge, whose writes wait for the batch (this long, plus the
    /// bundle in hand and the commit), stays within its busy timeout
    /// (``ReplicaFile/busyTimeout``, 10 seconds) unless one bundle alone takes that long.
    public static let batchSeconds = 2.0

    /// Writes one return bundle per enrolled (not revoked) station, and per enrolled county
    /// hub at a provincial hub (T4), into `folder`.
    public func exportReturnBundles(to folder: String, progress: ((Int, Int, String) -> Void)? = nil) throws(SyncError) -> [ExportResult] {
        try NodeFolder(folder).create()
        let targets = try (stations() + counties()).filter { $0.revokedAtMillis == nil }
        try flagDuplicates()
        var results: [ExportResult] = []
        for (i, station) in targets.enumerated() {
            progress?(i + 1, targets.count, station.shownName)
            results.append(try returnBundle(for: station, to: folder))
        }
        return results
    }

    /// Writes the return bundle for one station.
    ///
    /// The bundle is written for the station's case schema version (``schema(of:)``):
    /// changes it cannot hold yet wait, and the result says how many.
    public func returnBundle(for station: Peer, to out: String) throws(SyncError) -> ExportResult {
        try refuseRevokedRecipient(station)
        let feed = try servesScope(to: station) ? feedSite(of: station).map { BundleExport.ScopedFeed(site: $0, township: station.township!) } : nil
        return try BundleExport.write(from: replica, identity: identity, to: station, kind: .hubToStation, out: out,
                                      wallClock: wallClock, fileCode: station.township ?? station.site.short,
                                      signingKey: try signingKey(for: station),
                                      for: try schema(of: station.site), feed: feed.map { station.role == .hub ? $0.skippingHeld() : $0 })
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
    ///
    /// A scoped station that upgrades from one scoped version to a later one is sent its
    /// feed again from the start: its feed position passed the changes held back for its
    /// older version, which it can hold now (duplicates of the rest are no-ops).
    func noteSchemaVersion(_ version: Int, of station: SiteID) throws(SyncError) {
        try SyncError.catching {
            let key = Self.schemaVersionKey(station)
            let recorded = try replica.setting(key).flatMap({ Int($0) })
            if let recorded, recorded >= version { return }
            try replica.setSetting(key, String(version))
            if let recorded, recorded >= Scoping.firstScopedVersion, let peer = try replica.peer(station), let feed = feedSite(of: peer) {
                try replica.lowerKnownVector(of: station, origin: feed, to: 0)
            }
        }
    }

    static func schemaVersionKey(_ station: SiteID) -> String { "station-schema-version:\(station.hex)" }

    /// The hub's sync state and, for each station, how many changes it has yet to receive.
    public func status() throws(SyncError) -> NodeStatus {
        let county = try countyFigures()
        return try SyncError.catching {
            let peers = try (stations() + counties()).map { peer in
                let schema = try schema(of: peer.site)
                let waiting = schema.version < replica.schema.version
                    ? try replica.exportSnapshot { try BundleSchema.heldBack(in: $0, since: peer.knownVector, for: schema) } : [:]
                let pending = try servesScope(to: peer) ? try changesPending(forScoped: peer) : try replica.changeCount(since: peer.knownVector)
                return PeerStatus(peer: peer, changesPending: pending,
                                  largestClockSkew: try ClockSkewLog.largest(from: peer.site, in: replica),
                                  schemaVersion: schema.version, waitingForUpgrade: waiting,
                                  overview: try county.overview(of: peer, in: replica), trust: try keyAccount(of: peer),
                                  trustedHubKey: try trustedHubKey(of: peer))
            }
            return NodeStatus(name: identity.name, site: identity.site, role: .hub, township: nil, vector: try replica.vector(),
                              changesOwed: 0, hubName: nil, lastExport: try replica.exportedBundles(limit: 1).first,
                              lastImport: try replica.importedBundles(limit: 1).first,
                              openConflicts: try replica.conflicts(includeResolved: false).count, peers: peers)
        }
    }
}

/// Expands command-line paths into bundle files.
///
/// A folder stands for the bundle files in it, in name order: names ending in `.fsb` in
/// any case (a stick written on Windows may say `.FSB`), regular files or symbolic links
/// to one. Hidden files (a writer's `.….partial` or `.….tmp`) are ignored; sub-folders,
/// pipes, sockets and devices with a bundle's name are skipped and reported through
/// `skipped`. A path given directly must be a regular file (or a link to one).
public enum BundleFiles {
    /// A bundle file's name as messages show it: the last path component, its control
    /// characters escaped (a file on a stick may be named anything).
    public static func shownName(_ path: String) -> String {
        (path as NSString).lastPathComponent.escapingControlCharacters
    }

    public static func expand(_ paths: [String], skipped: ((_ path: String, _ reason: String) -> Void)? = nil) throws(SyncError) -> [String] {
        var files: [String] = []
        for path in paths {
            var st = stat()
            guard stat(path, &st) == 0 else { throw .io("\(path.escapingControlCharacters): no such file or folder") }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                    .filter { isBundleName($0) }.sorted()
                var found: [String] = []
                for name in names {
                    let file = (path as NSString).appendingPathComponent(name)
                    var entry = stat()
                    guard stat(file, &entry) == 0 else { skipped?(file.escapingControlCharacters, "a broken link"); continue }
                    guard (entry.st_mode & S_IFMT) == S_IFREG else { skipped?(file.escapingControlCharacters, "\(FileKind.describe(entry.st_mode)), not a bundle file"); continue }
                    found.append(file)
                }
                guard !found.isEmpty else { throw .noBundles(path.escapingControlCharacters) }
                files += found
            case S_IFREG:
                files.append(path)
            default:
                throw .invalidInput("\(path.escapingControlCharacters) is \(FileKind.describe(st.st_mode)), not a bundle file; give a .fsb file or a folder of them")
            }
        }
        return files
    }

    /// Whether a folder entry is taken as a bundle: `.fsb` in any case, not hidden.
    static func isBundleName(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.lowercased().hasSuffix("." + BundleFileName.fileExtension)
    }
}
