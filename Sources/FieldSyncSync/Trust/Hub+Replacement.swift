import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// A replacement laptop (K5–K7): a revoked station's site (its cases, its numbering, its
/// township) continues under new keys. The hub moves the site to the new key, forgets what
/// the site was known to hold, so its first return bundle carries the station's whole feed
/// and its own earlier changes (S13), and tells the new laptop, in its signed enrollment,
/// the numbers to continue above: every change and row number the old laptop is known to
/// have used, in the hub's log or in bundles held in quarantine. A quarantined bundle of
/// the old laptop accepted later therefore never collides with the new laptop's work.
extension Hub {
    func enrollReplacement(of existing: Peer, from request: EnrollmentRequest, out: String) throws -> Enrollment {
        guard request.role == .station, existing.role == .station else {
            throw SyncError.alreadyEnrolled(name: existing.name, site: existing.site)
        }
        guard request.township == existing.township else {
            throw SyncError.trust(.replacementTownship(station: existing.operatorName, township: existing.township ?? "",
                                                       requested: request.township))
        }
        let site = existing.site
        let now = wallClock()
        let record = ReplacementRecord(floor: try numbersUsed(by: site), claimedThrough: try claimedThrough(by: site),
                                       revokedAtMillis: existing.revokedAtMillis ?? now)
        let replacement = Peer(site: site, name: request.name, role: .station, township: existing.township,
                               signingKey: request.signingKey.rawRepresentation, agreementKey: request.agreementKey.rawRepresentation,
                               enrolledAtMillis: now)
        // The new laptop's numbering continues past the old one's, so a history that parted
        // is not to be read as a restored copy (S13): the restore point is forgotten.
        try replica.replaceKey(with: replacement, atMillis: now, by: nil,
                               settings: [ReplacementRecord.key(site): record.encoded, Self.divergenceKey(site): nil,
                                          Self.feedHighKey(site): nil])
        let enrollment = Enrollment(hubSite: identity.site, hubName: identity.name, hubSigningKey: identity.signingKey.publicKey,
                                    hubAgreementKey: identity.agreementKey.publicKey, stationSite: site,
                                    stationSigningKey: request.signingKey, enrolledAtMillis: now, continuing: record.floor)
        try enrollment.write(to: out, signedBy: identity.signingKey)
        // The new laptop trusts the key its enrollment carries, the hub's current one (H4).
        try noteTrustedKey(of: site, agreementKey: identity.agreementKey.publicKey)
        if let version = request.schemaVersion { try noteSchemaVersion(version, of: site) }
        try waiveUndeliveredNumbers(of: site)
        try auditLog.record(AuditEntry(.keyReplaced, township: existing.township ?? CaseworkScope.countyWide, subject: site.hex,
                                       detail: "old=\(SigningPublicKey.fingerprint(of: existing.signingKey)) new=\(request.signingKey.fingerprint)"))
        Self.logger.notice("replacement laptop enrolled", metadata: ["station": "\(site)", "continuesAfter": "\(record.floor.sequence)"])
        return enrollment
    }

    /// The numbers a replacement laptop of `site` continues above, if it is one.
    func numberingFloor(of site: SiteID) throws -> NumberingFloor? {
        try replica.setting(ReplacementRecord.key(site)).flatMap(ReplacementRecord.init(encoded:))?.floor
    }

    /// The highest change and row number of `site` in the hub's log and in its bundles held in quarantine.
    private func numbersUsed(by site: SiteID) throws -> NumberingFloor {
        let highest = try replica.highestLogged(origin: site)
        var sequence = highest
        var row = highest == 0 ? 0 : RowIDGenerator.highestNumber(in: Array(try replica.loggedChanges(origin: site, in: 1...highest).values),
                                                                  site: site) ?? 0
        for changes in try quarantinedChanges(of: site) {
            sequence = max(sequence, changes.map(\.sequence).max() ?? 0)
            row = max(row, RowIDGenerator.highestNumber(in: changes, site: site) ?? 0)
        }
        // A claim in a header is the sender's word, and a thief holding the lost laptop's key
        // can claim anything: one beyond any real loss would leave the replacement's
        // numbering no room, so it is held to the same bound as a restored hub's (HR1).
        let claimed = min(try claimedThrough(by: site), highest + ImportTransaction.maxNumberingLoss)
        return NumberingFloor(sequence: max(sequence, claimed), rowNumber: row)
    }

    /// The highest own change number `site` reported holding: in the newest bundle merged
    /// from it, or in a bundle of it held in quarantine.
    private func claimedThrough(by site: SiteID) throws -> UInt64 {
        var claimed = try replica.knownVector(of: site)[site]
        for entry in try heldEntries(of: site) {
            claimed = max(claimed, try UnverifiedBundle.open(path: storedPath(of: entry)).verify().header.senderVector[site])
        }
        return claimed
    }

    /// The own changes of `site` in each of its bundles held in quarantine.
    private func quarantinedChanges(of site: SiteID) throws -> [[Change]] {
        try heldEntries(of: site).map(ownChanges(in:))
    }

    func heldEntries(of site: SiteID) throws -> [QuarantineEntry] {
        try replica.quarantineEntries(in: .held).filter { $0.signerSite == site }
    }

    func storedPath(of entry: QuarantineEntry) -> String {
        (folder.path as NSString).appendingPathComponent(entry.storedPath)
    }

    /// `station`'s key history for `hub status`, nil for a station that only ever had one
    /// trusted key and has nothing in quarantine.
    func keyAccount(of station: Peer) throws(SyncError) -> KeyAccount? {
        try SyncError.catching {
            let keys = try replica.keys(of: station.site)
            let current = keys.first { $0.signingKey == station.signingKey }
            let waiting = try heldEntries(of: station.site).count
            let record = try replica.setting(ReplacementRecord.key(station.site)).flatMap(ReplacementRecord.init(encoded:))
            guard current?.status != .active || record != nil || waiting > 0 else { return nil }
            let replaced = try record.map { record in
                let old = keys.last { $0.replacedBy == station.signingKey }
                // The vector passes waived numbers (K8); what was merged ends before the first.
                let waived = try replica.waivedRanges(of: station.site)
                let held = min(try replica.vector()[station.site], record.floor.sequence, (waived.first?.numbers.lowerBound ?? .max) - 1)
                return ReplacedLaptop(replacedAtMillis: old?.statusChangedAtMillis ?? station.enrolledAtMillis,
                                      revokedAtMillis: record.revokedAtMillis, reason: old?.reason,
                                      mergedThrough: held, claimedThrough: record.claimedThrough, waived: waived)
            }
            return KeyAccount(status: current?.status ?? .active, revokedAtMillis: station.revokedAtMillis,
                              reason: current?.status == .active ? nil : current?.reason, replaced: replaced, quarantinedWaiting: waiting)
        }
    }
}
