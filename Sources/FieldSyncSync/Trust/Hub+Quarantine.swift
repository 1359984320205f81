import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// Quarantine (K4): a bundle signed by a revoked or replaced key is neither merged nor
/// dropped. The hub keeps a private copy (`HUB/quarantine/<bundle id>.fsb`, mode 0600) and one
/// entry per bundle id, and the operator decides: accept (merge it on the operator's
/// authority over the revocation, every other check still applying) or reject (keep the
/// file, never merge it).
extension Hub {
    /// The folder, inside the hub folder, that holds the copies.
    static let quarantineFolder = "quarantine"

    /// Every quarantine entry, oldest first.
    public func quarantine() throws(SyncError) -> [QuarantineEntry] {
        try SyncError.catching { try replica.quarantineEntries() }
    }

    /// What quarantined bundle `entry` says of itself, for the operator's review: its
    /// header's created stamp (the laptop's own clock), the first and last own change
    /// number it carries and its total changes. Nil when the hub's copy is missing or unreadable.
    public func facts(ofQuarantined entry: QuarantineEntry) -> QuarantinedBundleFacts? {
        guard let header = try? UnverifiedBundle.open(path: storedPath(of: entry)).verify().header,
              let own = try? ownChanges(in: entry) else { return nil }
        let numbers = own.map(\.sequence)
        return QuarantinedBundleFacts(createdAtMillis: header.created.millis, firstSequence: numbers.min(), lastSequence: numbers.max(),
                                      totalChanges: header.totalChanges)
    }

    /// Called before a bundle is merged. Returns nil when its signer is not a distrusted key
    /// (the merge goes on), an already-imported result when the bundle was merged before
    /// its key was revoked; otherwise quarantines it (once per bundle id) and throws
    /// ``TrustError/quarantined(file:station:key:id:earlier:)``.
    func quarantineIfDistrusted(path: String, file: String) throws(SyncError) -> ImportResult? {
        try SyncError.catching(file: file) {
            let unverified = try UnverifiedBundle.open(path: path)
            guard let key = try replica.key(unverified.signerKey.rawRepresentation), key.status != .active else { return nil }
            // Only a file the key really signed is held: anything else is refused as forged.
            let header = try unverified.verify().header
            let station = try replica.peer(key.site)
            let name = station?.operatorName ?? header.shownSenderName
            if try replica.hasImported(bundleID: header.bundleID.bytes) {
                return ImportResult(path: path, header: header, senderName: station?.shownName ?? header.shownSenderName, outcome: .alreadyImported,
                                    report: ApplyReport(duplicate: header.totalChanges))
            }
            if let held = try replica.quarantineEntry(bundleID: header.bundleID.bytes) {
                throw SyncError.trust(.quarantined(file: file, station: name, key: KeyStatusNote(key), id: held.id, earlier: held.state))
            }
            let id = try replica.nextQuarantineID()
            // Named by the bundle, not by the entry's number: a number is taken by a read,
            // and another process quarantining at the same time (a `hub serve` beside a
            // `hub merge` batch) may take the same one; its entry is then refused, but its
            // copy must not replace this one.
            let stored = "\(Self.quarantineFolder)/\(header.bundleID.hex).fsb"
            try NodeFolder((folder.path as NSString).appendingPathComponent(Self.quarantineFolder)).create()
            try AtomicFile.write(Data(contentsOf: URL(fileURLWithPath: path)), to: (folder.path as NSString).appendingPathComponent(stored),
                                 privateToOwner: true)
            try replica.addToQuarantine(QuarantineEntry(id: id, bundleID: header.bundleID.bytes, fileName: file, storedPath: stored,
                                                        signerSite: key.site, signerKey: key.signingKey, receivedAtMillis: wallClock(),
                                                        why: key.status == .revoked ? "key revoked" : "key replaced"))
            try recordAfterAct(AuditEntry(.quarantined, township: station?.township ?? CaseworkScope.countyWide,
                                           subject: key.site.hex, detail: "quarantine=\(id) bundle=\(header.bundleID.hex)"))
            Self.logger.warning("bundle of a distrusted key quarantined", metadata: ["station": "\(key.site)", "quarantine": "\(id)"])
            throw SyncError.trust(.quarantined(file: file, station: name, key: KeyStatusNote(key), id: id, earlier: nil))
        }
    }

    /// Merges quarantined bundle `id` through the normal merge with the operator's
    /// authority over the revocation of its key, for this one file: A1–A4, scope and
    /// sequences are checked as for any bundle, and a refusal leaves it held and says why.
    /// What the bundle says its laptop held is not taken (the site may have a new laptop).
    @discardableResult
    public func acceptQuarantined(id: Int64, by: String? = nil, note: String? = nil) throws(SyncError) -> ImportResult {
        let entry = try heldEntry(id, by: by, note: note)
        let vouched = try SyncError.catching { () throws -> Peer in
            guard let key = try replica.key(entry.signerKey), let current = try replica.peer(entry.signerSite) else {
                throw StoreError.corrupt(reason: "quarantined bundle #\(id) names a key or station the hub no longer has")
            }
            return Peer(site: current.site, name: current.name, role: current.role, township: current.township,
                        signingKey: key.signingKey, agreementKey: key.agreementKey, enrolledAtMillis: key.addedAtMillis,
                        revokedAtMillis: nil, knownVector: current.knownVector)
        }
        let path = (folder.path as NSString).appendingPathComponent(entry.storedPath)
        guard FileManager.default.fileExists(atPath: path) else { throw .trust(.quarantineCopyMissing(id: id, path: path)) }
        try refuseNumbersAboveFloor(in: entry, station: vouched.operatorName)
        try refuseWaivedNumbers(in: entry)
        var signer: Peer?
        let result: ImportResult
        do {
            result = try withConflictNotices { () throws(SyncError) in
                try mergeChecked(path: path, file: entry.fileName, stations: [vouched], signer: &signer, afterEachBatch: nil,
                                 keepingKnownVector: true)
            }
        } catch {
            throw .trust(.acceptRefused(id: id, error))
        }
        try SyncError.catching {
            _ = try replica.decideQuarantined(id: id, .accepted, atMillis: wallClock(), by: by, note: note)
            try waiveUndeliveredNumbers(of: entry.signerSite)
        }
        try SyncError.catching {
            try recordAfterAct(AuditEntry(.quarantineAccepted, township: vouched.township ?? CaseworkScope.countyWide,
                                           subject: entry.signerSite.hex, detail: "quarantine=\(id) applied=\(result.report.applied)", actor: by))
        }
        Self.logger.notice("quarantined bundle accepted", metadata: ["quarantine": "\(id)", "applied": "\(result.report.applied)"])
        return result
    }

    /// Refuses to accept quarantined bundle `entry` when its site has a replacement laptop
    /// and any of its changes (or new rows) is numbered above the floor recorded at the
    /// replacement's enrollment (K5): those numbers are the replacement's now. The old
    /// laptop wrote that stick after the hub counted its numbers; merged, it would take
    /// numbers the new laptop uses, and the new laptop's next stick would be refused (A2).
    func refuseNumbersAboveFloor(in entry: QuarantineEntry, station: String) throws(SyncError) {
        try SyncError.catching {
            guard let floor = try numberingFloor(of: entry.signerSite) else { return }
            let changes = try ownChanges(in: entry)
            let above = changes.filter {
                $0.sequence > floor.sequence || (RowIDGenerator.highestNumber(in: [$0], site: entry.signerSite) ?? 0) > floor.rowNumber
            }
            guard !above.isEmpty else { return }
            throw SyncError.trust(.acceptAboveFloor(id: entry.id, station: station, changes: above.count, floor: floor.sequence,
                                                    highest: changes.map(\.sequence).max() ?? 0))
        }
    }

    /// Marks quarantined bundle `id` rejected: never merged; its stored copy is kept.
    @discardableResult
    public func rejectQuarantined(id: Int64, by: String? = nil, note: String? = nil) throws(SyncError) -> QuarantineEntry {
        _ = try heldEntry(id, by: by, note: note)
        return try SyncError.catching {
            guard try replica.decideQuarantined(id: id, .rejected, atMillis: wallClock(), by: by, note: note),
                  let decided = try replica.quarantineEntry(id: id) else { throw SyncError.trust(.quarantineEntryNotFound(id: id)) }
            try waiveUndeliveredNumbers(of: decided.signerSite)
            try recordAfterAct(AuditEntry(.quarantineRejected, township: try replica.peer(decided.signerSite)?.township ?? CaseworkScope.countyWide,
                                           subject: decided.signerSite.hex, detail: "quarantine=\(id)", actor: by))
            Self.logger.notice("quarantined bundle rejected", metadata: ["quarantine": "\(id)"])
            return decided
        }
    }

    /// Entry `id`, refused unless it is held; checks the operator's words first.
    private func heldEntry(_ id: Int64, by: String?, note: String?) throws(SyncError) -> QuarantineEntry {
        if let by { try InputCheck.name(by, field: "operator name (--by)") }
        if let note { try InputCheck.name(note, field: "note (--note)") }
        guard let entry = try SyncError.catching({ try replica.quarantineEntry(id: id) }) else { throw .trust(.quarantineEntryNotFound(id: id)) }
        guard entry.state == .held else { throw .trust(.quarantineAlreadyDecided(id: id, state: entry.state, atMillis: entry.decidedAtMillis)) }
        return entry
    }
}

/// What a quarantined bundle says of itself (``Hub/facts(ofQuarantined:)``).
public struct QuarantinedBundleFacts: Sendable, Equatable {
    /// When the laptop wrote it, by the laptop's own clock (the header's created stamp): not
    /// to be trusted as the true time, a lost laptop's clock may be anything.
    public let createdAtMillis: UInt64
    /// The first and last of the laptop's own change numbers it carries (nil when none).
    public let firstSequence: UInt64?
    public let lastSequence: UInt64?
    public let totalChanges: Int
}

extension Hub {
    /// Records the audit event of an act done outside its transaction (L3: quarantine,
    /// accept, reject), unless a restored hub holds its own writes (§4d, HR3): the act
    /// stands (the quarantine table keeps it) and its event, a change of the hub's own that
    /// could reuse a number a station holds, is not written.
    func recordAfterAct(_ entry: AuditEntry) throws(StoreError) {
        guard try replica.setting(Replica.ownWritesHeldKey) == nil else { return }
        try auditLog.record(entry)
    }
}
