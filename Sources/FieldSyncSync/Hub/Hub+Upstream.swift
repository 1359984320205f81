import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// Tiers (sync-protocol.md §4c): a county hub enrolled as a station of a provincial (or
/// prefecture) hub, exchanging bundles of the same format.
///
/// At the county hub the provincial hub is a peer of role hub without a code (its
/// **upstream**); at the province each county hub is a peer of role hub with its 6-digit
/// county code (a **county**). Neither is a station: ``Hub/stations()`` lists neither.
///
/// ```swift
/// try county.requestUpstream(county: "630122", to: "req.json")
/// try province.enroll(EnrollmentRequest.read(from: "req.json"), out: "enrollment.json")
/// try county.joinUpstream(Enrollment.read(from: "enrollment.json"))
/// try province.merge(bundleAt: county.exportUpstream(to: "/media/usb/").path)
/// ```
extension Hub {
    /// The setting that holds the county code this hub asked its upstream to enroll.
    static let upstreamCountyKey = "upstream.county"

    /// The county hubs enrolled at this (provincial) hub, by code.
    public func counties() throws(SyncError) -> [Peer] {
        do { return try replica.peers().filter { $0.role == .hub && $0.township != nil }.sorted { $0.township! < $1.township! } }
        catch { throw .store(error) }
    }

    /// The provincial hub this county hub has joined, if any.
    public func upstream() throws(SyncError) -> Peer? {
        do { return try replica.peers().first { $0.role == .hub && $0.township == nil } } catch { throw .store(error) }
    }

    /// Why a tier command cannot run yet: this hub has not joined an upstream hub.
    static let notJoinedUpstream = SyncError.invalidInput(
        "本中心尚未加入上级中心：请先运行 fieldsync hub request-upstream 与 join-upstream / this hub has not joined an upstream hub: run fieldsync hub request-upstream, have the provincial hub enrol the request, then fieldsync hub join-upstream.")

    /// The county code this hub relays to its upstream, once it asked to be enrolled.
    public func upstreamCounty() throws(SyncError) -> String? {
        try SyncError.catching { try replica.setting(Self.upstreamCountyKey) }
    }

    /// Writes this hub's enrollment request to a provincial hub, as the hub of `county`
    /// (6 digits): its own site and keys, role hub (T2). Asking again for another county
    /// is refused: the county's cases are filed under its code at the province.
    public func requestUpstream(county: String, to path: String) throws(SyncError) {
        try InputCheck.code(county, field: "县级代码 county code (--county)")
        guard ScopeCode.isCounty(county) else {
            throw .invalidInput("县级代码无效，应为 6 位行政区划代码，如 630122 / the county code (--county) is not valid: give the 6-digit administrative code of this county, e.g. 630122.")
        }
        if let asked = try upstreamCounty(), asked != county {
            throw .invalidInput("本中心已按县级代码 \(asked) 申请上级登记，不能改为 \(county) / this hub already asked its upstream to enrol it as county \(asked); it cannot become county \(county).")
        }
        try SyncError.catching { try replica.setSetting(Self.upstreamCountyKey, county) }
        try EnrollmentRequest.write(for: identity, atMillis: wallClock(), schemaVersion: replica.schema.version, county: county, to: path)
    }

    /// Joins the provincial hub named in `enrollment` (T2): from then on this hub trusts its
    /// key for return bundles (``importUpstream(at:)``) and owes it its county.
    public func joinUpstream(_ enrollment: Enrollment) throws(SyncError) {
        guard try upstreamCounty() != nil else {
            throw .enrollmentInvalid("this hub has not asked to be enrolled upstream (fieldsync hub request-upstream)")
        }
        guard enrollment.stationSite == identity.site, enrollment.stationSigningKey == identity.signingKey.publicKey else {
            throw .enrollmentInvalid("it was issued to another hub or station")
        }
        if let existing = try upstream(), existing.site != enrollment.hubSite {
            throw .enrollmentInvalid("this hub has already joined upstream hub \(existing.shownName)")
        }
        if try SyncError.catching { try replica.peer(enrollment.hubSite) }?.role == .station {
            throw .enrollmentInvalid("it was issued by a station of this hub, not by a provincial hub")
        }
        let peer = Peer(site: enrollment.hubSite, name: enrollment.hubName, role: .hub, township: nil,
                        signingKey: enrollment.hubSigningKey.rawRepresentation,
                        agreementKey: enrollment.hubAgreementKey.rawRepresentation,
                        enrolledAtMillis: enrollment.enrolledAtMillis, revokedAtMillis: nil, knownVector: .empty)
        try SyncError.catching { try replica.savePeer(peer) }
    }

    /// Writes the county's bundle for its upstream (kind 1): every origin's changes the
    /// upstream is not known to hold, since the county speaks for its county (T3).
    @discardableResult
    public func exportUpstream(to out: String) throws(SyncError) -> ExportResult {
        guard let upstream = try upstream(), let county = try upstreamCounty() else { throw Self.notJoinedUpstream }
        return try BundleExport.write(from: replica, identity: identity, to: upstream, kind: .stationToHub, out: out,
                                      wallClock: wallClock, fileCode: county, relaying: true)
    }

    /// How many changes this county hub owes its upstream (0 before it joined).
    public func changesOwedUpstream() throws(SyncError) -> Int {
        guard let upstream = try upstream() else { return 0 }
        return try SyncError.catching { try replica.changeCount(since: replica.knownVector(of: upstream.site)) }
    }

    /// Applies the upstream's return bundle (T4): trusted by its key only; the province
    /// checked every change when it merged it, and the stamps are not bounded again (as a
    /// station takes its hub's, M5). The county takes the acknowledgement and its feed
    /// position, files the changes into its own township feeds (its replica is scoped),
    /// follows every move of a case (T5) and releases the cases moved out of the county (T6).
    @discardableResult
    public func importUpstream(at path: String) throws(SyncError) -> ImportResult {
        guard let upstream = try upstream(), let county = try upstreamCounty() else { throw Self.notJoinedUpstream }
        let feed = FeedSite.of(hub: upstream.site, township: county)
        return try BundleImport.run(into: replica, identity: identity, path: path, expecting: .hubToStation, wallClock: wallClock,
                                    trustedPeer: { (key: SigningPublicKey) throws(SyncError) -> Peer in
            guard key.rawRepresentation == upstream.signingKey else {
                let file = BundleFiles.shownName(path)
                throw .notFromOurHub(file: file, what: "a bundle not signed by this hub's upstream", hubName: upstream.name)
            }
            return upstream
        }, plan: { [self] _, header, _ in
            var guarding = MergeGuard.none
            guarding.boundsClock = false
            let from = header.assumedVector[feed], through = header.senderVector[feed]
            return ImportPlan(guarding, inTransaction: { tx in
                if through > 0 { try tx.advanceFeed(feed, from: from, through: through) }
                try self.releaseCasesMovedOut(&tx, county: county)
            }).audited(.imported, township: county, in: auditLog)
        })
    }

    /// The setting remembering that a county hub released a case for one move out of the county.
    static func upstreamReleaseKey(_ transferID: String) -> String { "upstream-release:\(transferID)" }

    /// Writes, in `tx`, a release (`case_release`, this hub's own change, addressed to the
    /// township that held the case) for each move of a case out of the county it has not
    /// released yet (T6). Its number tells the province which of this hub's own changes to
    /// the case came before the hub learned (P5 for a county), also when the county's own
    /// concurrent transfer of the case wins over the move (last writer wins). The hub keeps
    /// the case's rows: its giving station must still receive the move filed in its feed,
    /// and the case is outside every digest and feed of the county.
    func releaseCasesMovedOut(_ tx: inout ImportTransaction, county: String) throws {
        let now = Timestamp(Date(timeIntervalSince1970: Double(wallClock()) / 1000)).description
        for moved in try tx.movesOut(of: county) where try tx.setting(Self.upstreamReleaseKey(moved.transferID)) == nil {
            let id = try RowIDGenerator.next(in: &tx, site: identity.site)
            try tx.writeLocal({ local throws(StoreError) in
                try local.write(table: "case_release", rowID: id, values: [
                    "household_id": .text(moved.household), "transfer_id": .text(moved.transferID),
                    "township": .text(moved.fromTownship), "released_at": .text(now),
                ])
            }, replica: replica)
            try tx.setSetting(Self.upstreamReleaseKey(moved.transferID), moved.household)
        }
    }

    /// A county hub moves only cases of its county, and only to its own townships (T5): the
    /// province moves a case across counties, and would refuse the county's move.
    func checkStaysInCounty(_ household: String, from: String, to township: String) throws(StoreError) {
        guard let county = try? replica.setting(Self.upstreamCountyKey) else { return }
        guard ScopeCode.covers(county, from), ScopeCode.covers(county, township) else {
            throw StoreError.invalidChange(table: "household", reason:
                "户 \(household) 的移交超出本县（\(county)）：跨县移交由上级中心办理 / moving household \(household) from township \(from) to \(township) leaves county \(county): only the provincial hub moves a case between counties (fieldsync hub transfer at the province)")
        }
    }

    /// The import plan for a county hub's bundle at its provincial hub (T3): every origin
    /// (the county speaks for its county), the hub's authority (A3–A4 as for a hub's own
    /// writes), and the county's scope: its townships' cases and the rows addressed to
    /// them (P4 with the county's prefix). A change to a case the province has moved out of
    /// the county is taken when made before its origin learned (P5 by origin): numbered
    /// below that origin's latest release of the case, or, with no release, when the county
    /// had not received the move (its feed position in the bundle is below the move's).
    func countyPlan(for county: Peer, header: BundleHeader, bundle: ReadableBundle) throws -> ImportPlan {
        var guarding = MergeGuard(onlyOrigin: nil, authority: CaseworkAuthority(), writer: .hub)
        guard let code = county.township, Scoping.isScoped(replica.schema), header.schemaVersion >= Scoping.firstScopedVersion else {
            return ImportPlan(guarding, observeCreated: true)
        }
        var releases: [String: UInt64] = [:]
        for (key, value) in try replica.settings(withPrefix: "release:") {
            if let sequence = UInt64(value) { releases[String(key.dropFirst("release:".count))] = sequence }
        }
        var inBundle: [String: UInt64] = [:]
        if (header.tableCounts["case_release"] ?? 0) > 0 {
            var first: [String: (origin: SiteID, sequence: UInt64)] = [:]
            var household: [String: String] = [:]
            try bundle.forEachBatch { batch in
                for change in batch where change.table == "case_release" {
                    if change.sequence < first[change.rowID]?.sequence ?? .max { first[change.rowID] = (change.origin, change.sequence) }
                    if change.column == "household_id", case let .text(id) = change.value { household[change.rowID] = id }
                }
            }
            for (row, id) in household {
                guard let (origin, sequence) = first[row] else { continue }
                let key = "\(origin.hex):\(id)"
                inBundle[key] = max(inBundle[key] ?? 0, sequence)
                releases[key] = max(releases[key] ?? 0, sequence)
            }
        }
        let cursor = feedSite(of: county).map { header.senderVector[$0] } ?? 0
        let known = releases
        guarding.scope = ScopeCheck(township: code) { household, origin, sequence, transferPosition in
            if let released = known["\(origin.hex):\(household)"] { return sequence < released }
            guard let transferPosition else { return false }
            return cursor < UInt64(transferPosition)
        }
        return ImportPlan(guarding, observeCreated: true, inTransaction: { tx in
            for (key, sequence) in inBundle {
                let setting = "release:" + key
                try tx.setSetting(setting, String(max(sequence, try tx.setting(setting).flatMap(UInt64.init) ?? 0)))
            }
        })
    }
}
