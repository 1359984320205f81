import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What `fieldsync hub rotate-key` did.
public struct HubKeyRotation: Sendable {
    /// The row written to `hub_key`.
    public let announcement: HubKeyAnnouncement
    /// The hub, opened again with its new keys (the instance that rotated still holds the old ones).
    public let hub: Hub
    /// Stations that will receive the announcement in a return bundle signed by the previous key.
    public let stationsToSwitch: Int
}

extension Hub {
    /// Makes new signing and agreement keys and announces them to every station, signed by
    /// the key the stations trust (sync-protocol.md, "Hub key rotation").
    ///
    /// The identity file is written first (new keys current, the old pair retired, sealed
    /// under the same passphrase), then the `hub_key` row with its `keyRotated` audit event
    /// (county-wide, detail the new signing key's fingerprint); if the row cannot be written the
    /// old file is put back, so the hub never announces a key it does not hold. Until a
    /// station shows it has switched, its return bundles are still signed with the key it
    /// trusts (``signingKey(for:)``).
    public func rotateKeys() throws(SyncError) -> HubKeyRotation {
        if let upstream = try upstream() {
            throw .invalidInput("本中心已加入上级中心 \(upstream.name)，暂不支持更换密钥 / this hub has joined the provincial hub \(upstream.name), which knows it by its current key; rotating it would cut that link, and is not supported yet.")
        }
        switch try HubServeLock.holder(folder: folder) {
        case .serve?:
            throw .invalidInput("本中心正由 fieldsync hub serve 提供服务，请先停止服务再更换密钥 / this hub is being served (`fieldsync hub serve` holds \(HubServeLock.fileName) in its folder): a running server keeps the keys it loaded, so stop it (Ctrl-C), run rotate-key, then start `hub serve` again.")
        case .desk?:
            throw .invalidInput("本中心的审核页面（fieldsync hub ui）正在运行，请先关闭再更换密钥 / this hub's review desk is open (`fieldsync hub ui` holds \(HubServeLock.Holder.desk.fileName) in its folder): it keeps the keys it loaded, so stop it (Ctrl-C), run rotate-key, then open the desk again.")
        case nil: break
        }
        if let county = try counties().first {
            throw .invalidInput("本中心有下级县级中心 \(county.name)，暂不支持更换密钥 / county hubs (\(county.name)) are enrolled here; they do not follow a rotation of this hub's key yet, so it is not supported.")
        }
        let now = wallClock()
        var rng = SystemRandomNumberGenerator()
        let rotated = identity.rotated(atMillis: now, using: &rng)
        let issuedAt = Timestamp(Date(timeIntervalSince1970: Double(now) / 1000)).description
        return try SyncError.catching {
            let rowID = try RowIDGenerator.next(for: replica, site: identity.site)
            let announcement = try HubKeyAnnouncement.make(rowID: rowID, hubSite: identity.site,
                                                           new: rotated.signingKey.publicKey, rotated.agreementKey.publicKey,
                                                           issuedAt: issuedAt, signedBy: identity.signingKey)
            try rotated.save(to: folder.identityPath, protectedBy: passphrase)
            do {
                // The announcement and its audit event in one transaction: the log never
                // shows a rotation that was not announced, nor misses one that was.
                try replica.transaction { (tx: inout LocalTransaction) throws(StoreError) in
                    try tx.write(table: HubKeyAnnouncement.table, rowID: rowID, values: announcement.values)
                    try auditLog.record(AuditEntry(.keyRotated, township: CaseworkScope.countyWide, subject: identity.site.hex,
                                                   detail: "key=\(rotated.signingKey.publicKey.fingerprint)"), in: &tx)
                }
            } catch {
                try identity.save(to: folder.identityPath, protectedBy: passphrase)
                throw error
            }
            Self.logger.notice("hub keys rotated", metadata: ["announcement": "\(rowID)", "key": "\(rotated.signingKey.publicKey.fingerprint)"])
            let hub = try Hub(folder: folder, identity: rotated, replica: replica, wallClock: wallClock, passphrase: passphrase)
            return HubKeyRotation(announcement: announcement, hub: hub, stationsToSwitch: try stations().filter { $0.revokedAtMillis == nil }.count)
        }
    }

    /// The key that signs `station`'s return bundle: the one it is known to trust. That is
    /// the key it was enrolled with, or the one whose agreement key its latest verified
    /// bundle was encrypted to (H4). The hub's keys, oldest first, are its identity's
    /// retired pairs then its current pair; a station enrolled before the first rotation
    /// has no record and trusts the first.
    func signingKey(for station: Peer) throws(SyncError) -> SigningPrivateKey {
        guard !identity.retired.isEmpty else { return identity.signingKey }
        let keys = identity.retired.map(\.signingKey) + [identity.signingKey]
        let position = try SyncError.catching { try replica.setting(Self.trustedKeyKey(station.site)).flatMap(Int.init) } ?? 0
        return keys[min(max(position, 0), keys.count - 1)]
    }

    /// The hub key `station` trusts, for `hub status`; nil before the hub's first rotation.
    func trustedHubKey(of station: Peer) throws(SyncError) -> TrustedHubKey? {
        guard !identity.retired.isEmpty else { return nil }
        let key = try signingKey(for: station).publicKey
        return TrustedHubKey(fingerprint: key.fingerprint, isCurrent: key.rawRepresentation == identity.signingKey.publicKey.rawRepresentation)
    }

    /// Notes which of the hub's keys `station` trusts: the one it was enrolled with, or the
    /// one whose agreement key its latest verified bundle was encrypted to, whether the
    /// bundle was merged or refused as a restored copy's (the encryption proves which key
    /// the laptop holds). It may move back: a laptop restored from a copy taken before a
    /// rotation trusts the old key again, and is sent the announcement again (S13).
    func noteTrustedKey(of station: SiteID, agreementKey: AgreementPublicKey) throws(SyncError) {
        guard !identity.retired.isEmpty,
              let position = (identity.retired.map(\.agreementKey) + [identity.agreementKey]).firstIndex(where: { $0.publicKey == agreementKey })
        else { return }
        try SyncError.catching { try replica.setSetting(Self.trustedKeyKey(station), String(position)) }
    }

    static func trustedKeyKey(_ station: SiteID) -> String { "hub-key-trusted:\(station.hex)" }
}
