import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What `Hub.revoke` did.
public struct Revocation: Sendable {
    public let station: Peer
    /// The station's key as the registry now holds it.
    public let key: KeyRecord
    /// False when the key was already revoked: nothing changed (K2).
    public let newlyRevoked: Bool
    /// True when the hub, restored from a backup, holds its own writes (§4d, HR3): the
    /// revocation took effect (the key registry is the hub's alone and numbers nothing),
    /// but its audit event, a change of the hub's own, was not written.
    public var auditEventWithheld = false

    /// One line for the operator.
    public var summary: String {
        let withheld = auditEventWithheld
            ? " The hub was restored from a backup and writes nothing of its own until every station has reported (`fieldsync hub repair`), so this revocation is not in the audit log; the key registry (`hub status`) keeps it."
            : ""
        return newlyRevoked
            ? "revoked the key of station \(station.operatorName) (site \(station.site.hex)): its bundles go to quarantine from now on and no return bundle is written for it.\(withheld)"
            : "the key of station \(station.operatorName) (site \(station.site.hex)) was already \(KeyStatusNote(key)); nothing changed."
    }
}

/// Revocation (K1–K3): a lost laptop's key stops being trusted for everything after the
/// moment it is revoked; what it delivered before stays merged.
extension Hub {
    /// Stops trusting `query`'s current key (site id, its first 8 characters, name or
    /// township code). Its bundles are quarantined from now on, no return bundle is
    /// written for it, and its key can never be enrolled again. Revoking a revoked key
    /// changes nothing and says so.
    @discardableResult
    public func revoke(station query: String, reason: String, by: String? = nil) throws(SyncError) -> Revocation {
        try InputCheck.name(reason, field: "revocation reason (--reason)")
        if let by { try InputCheck.name(by, field: "operator name (--by)") }
        // A county hub enrolled at a province is revoked like a station: its laptop is lost
        // the same way, and its bundles reach the same merge (quarantine, no return bundle).
        let station = try station(matching: query, among: stations() + counties())
        return try SyncError.catching {
            if let current = try replica.key(station.signingKey), current.status != .active {
                return Revocation(station: station, key: current, newlyRevoked: false)
            }
            let now = wallClock()
            // A lost laptop must stop being trusted at once, also while a restored hub waits
            // for its stations (HR3): the registry numbers nothing a station holds; only the
            // audit event, a change of the hub's own, must wait, and is not written.
            if try replica.setting(Replica.ownWritesHeldKey) != nil {
                let key = try replica.revokeKey(of: station.site, atMillis: now, reason: reason, by: by)
                Self.logger.notice("station key revoked while the restored hub holds its writes", metadata: ["station": "\(station.site)"])
                var revocation = Revocation(station: station, key: key, newlyRevoked: true)
                revocation.auditEventWithheld = true
                return revocation
            }
            let audit = auditLog
            // The revocation and its audit event commit together (L3). The reason stays in
            // fs_keys: an operator's free text is not synced to the station.
            let key = try replica.transaction { (tx: inout LocalTransaction) throws(StoreError) -> KeyRecord in
                let key = try tx.revokeKey(of: station.site, atMillis: now, reason: reason, by: by)
                try audit.record(AuditEntry(.revoked, township: station.township ?? CaseworkScope.countyWide, subject: station.site.hex,
                                            detail: "key=\(SigningPublicKey.fingerprint(of: station.signingKey))", actor: by), in: &tx)
                return key
            }
            Self.logger.notice("station key revoked", metadata: ["station": "\(station.site)"])
            return Revocation(station: station, key: key, newlyRevoked: true)
        }
    }

    /// The enrolled station `query` names: its site id in hex, the first 8 characters of
    /// it, its name, or its township code. Refused when none or several match.
    public func station(matching query: String) throws(SyncError) -> Peer {
        try station(matching: query, among: stations())
    }

    /// The peer among `all` that `query` names, as ``station(matching:)``.
    func station(matching query: String, among all: [Peer]) throws(SyncError) -> Peer {
        let wanted = query.trimmingCharacters(in: .whitespaces)
        let matches = all.filter { peer in
            peer.site.hex == wanted.lowercased() || peer.site.short == wanted.lowercased() || peer.name == wanted || peer.township == wanted
        }
        guard let first = matches.first else { throw .trust(.unknownStation(wanted)) }
        guard matches.count == 1 else { throw .trust(.ambiguousStation(wanted, matches: matches.map { "\($0.operatorName), site \($0.site.hex)" })) }
        return first
    }

    /// K3: an enrollment request carrying a key the hub revoked or replaced is refused.
    func refuseDistrustedKey(of request: EnrollmentRequest) throws(SyncError) {
        let known = try SyncError.catching { try replica.key(request.signingKey.rawRepresentation) }
        guard let known, known.status != .active else { return }
        let station = try SyncError.catching { try replica.peer(known.site) }
        throw .trust(.keyNotTrusted(station: station?.operatorName ?? request.name, key: KeyStatusNote(known)))
    }

    /// K2: nothing is encrypted to a revoked key.
    func refuseRevokedRecipient(_ station: Peer) throws(SyncError) {
        let current = try SyncError.catching { try replica.peer(station.site) }
        guard let current, current.revokedAtMillis != nil || current.signingKey != station.signingKey else { return }
        let key = try SyncError.catching { try replica.key(station.signingKey) }
        throw .trust(.revokedRecipient(station: station.operatorName,
                                       key: key.map(KeyStatusNote.init) ?? KeyStatusNote(status: .revoked, atMillis: current.revokedAtMillis, reason: nil)))
    }
}

extension Hub {
    /// When the hub stopped trusting `key`, nil while it is active: its revocation, also for
    /// a key replaced since by a new laptop's (the registry's status time then says when it
    /// was replaced; the lost laptop's operator is to be told when it was revoked).
    public func distrustedSince(_ key: KeyRecord) throws(SyncError) -> UInt64? {
        switch key.status {
        case .active:
            return nil
        case .revoked:
            return key.statusChangedAtMillis ?? key.addedAtMillis
        case .replaced:
            let record = try SyncError.catching { try replica.setting(ReplacementRecord.key(key.site)).flatMap(ReplacementRecord.init(encoded:)) }
            let current = try SyncError.catching { try replica.peer(key.site) }
            if let record, let current, key.replacedBy == current.signingKey { return record.revokedAtMillis }
            return key.statusChangedAtMillis ?? key.addedAtMillis
        }
    }
}
