import FieldSyncCore
import Foundation
import GRDB

/// The key registry (`fs_keys`, rules K1–K7): every signing key a peer ever had and what
/// became of it. ``savePeer(_:)`` registers a peer's keys as active; revocation and
/// replacement change the peer and its registry entries in one transaction, so the two
/// can never disagree on which key is trusted.
extension Replica {
    /// The registry entry of `signingKey`, if the key was ever enrolled here.
    public func key(_ signingKey: [UInt8]) throws(StoreError) -> KeyRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM fs_keys WHERE signing_key = ?", arguments: [signingKey.data]).map(Self.keyRecord)
        }
    }

    /// Every key `site` ever had, oldest first.
    public func keys(of site: SiteID) throws(StoreError) -> [KeyRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fs_keys WHERE site_id = ? ORDER BY added_at, signing_key",
                             arguments: [site.bytes.data]).map(Self.keyRecord)
        }
    }

    /// Stops trusting `site`'s current key: the peer is marked revoked and its key's entry
    /// says when, why and by whom. Returns the entry as revoked.
    public func revokeKey(of site: SiteID, atMillis: UInt64, reason: String, by: String?) throws(StoreError) -> KeyRecord {
        try write { db in try Self.revokeKey(db, site: site, atMillis: atMillis, reason: reason, by: by) }
    }

    static func revokeKey(_ db: Database, site: SiteID, atMillis: UInt64, reason: String, by: String?) throws -> KeyRecord {
        guard let key = try Data.fetchOne(db, sql: "SELECT signing_key FROM fs_peers WHERE site_id = ?", arguments: [site.bytes.data]) else {
            throw StoreError.corrupt(reason: "no enrolled peer has the site to revoke")
        }
        try db.execute(sql: "UPDATE fs_peers SET revoked_at = ? WHERE site_id = ?", arguments: [atMillis.sql, site.bytes.data])
        try db.execute(sql: """
            UPDATE fs_keys SET status = 'revoked', status_changed_at = ?, reason = ?, changed_by = ? WHERE signing_key = ?
            """, arguments: [atMillis.sql, reason, by, key])
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM fs_keys WHERE signing_key = ?", arguments: [key]) else {
            throw StoreError.corrupt(reason: "the revoked peer's key is missing from the key registry")
        }
        return try keyRecord(row)
    }

    /// Continues the revoked peer `replacement.site` under the keys of `replacement`: the
    /// old key becomes `replaced` (pointing at the new one), the new key is registered
    /// active, the peer record carries the new keys un-revoked, and what the peer is known
    /// to hold is forgotten, so that its first return bundle carries everything again.
    /// `settings` are written (nil: removed) in the same transaction (the hub's account of the old key).
    public func replaceKey(with replacement: Peer, atMillis: UInt64, by: String?, settings: [String: String?]) throws(StoreError) {
        try write { db in
            guard let old = try Data.fetchOne(db, sql: "SELECT signing_key FROM fs_peers WHERE site_id = ?",
                                              arguments: [replacement.site.bytes.data]) else {
                throw StoreError.corrupt(reason: "no enrolled peer has the site to replace")
            }
            try db.execute(sql: """
                UPDATE fs_keys SET status = 'replaced', status_changed_at = ?, changed_by = coalesce(?, changed_by), replaced_by = ?
                WHERE signing_key = ?
                """, arguments: [atMillis.sql, by, replacement.signingKey.data, old])
            try db.execute(sql: """
                UPDATE fs_peers SET name = ?, signing_key = ?, agreement_key = ?, enrolled_at = ?, revoked_at = NULL WHERE site_id = ?
                """, arguments: [replacement.name, replacement.signingKey.data, replacement.agreementKey.data, atMillis.sql,
                                 replacement.site.bytes.data])
            try Self.register(db, replacement, atMillis: atMillis)
            try db.execute(sql: "DELETE FROM fs_known_vectors WHERE site_id = ?", arguments: [replacement.site.bytes.data])
            for (key, value) in settings {
                if let value {
                    try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)", arguments: [key, value])
                } else {
                    try db.execute(sql: "DELETE FROM fs_settings WHERE key = ?", arguments: [key])
                }
            }
        }
    }

    /// Registers `peer`'s current keys as active unless the registry already knows them.
    static func register(_ db: Database, _ peer: Peer, atMillis: UInt64) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO fs_keys(signing_key, site_id, agreement_key, status, added_at) VALUES (?, ?, ?, 'active', ?)
            """, arguments: [peer.signingKey.data, peer.site.bytes.data, peer.agreementKey.data, atMillis.sql])
    }

    static func keyRecord(_ row: Row) throws -> KeyRecord {
        guard let site = SiteID(bytes: [UInt8](row["site_id"] as Data)), let status = KeyRecord.Status(rawValue: row["status"]) else {
            throw StoreError.corrupt(reason: "a key registry entry has a malformed site id or status")
        }
        let changed: Int64? = row["status_changed_at"]
        let replacedBy: Data? = row["replaced_by"]
        return KeyRecord(signingKey: [UInt8](row["signing_key"] as Data), site: site, agreementKey: [UInt8](row["agreement_key"] as Data),
                         status: status, addedAtMillis: UInt64(sql: row["added_at"]), statusChangedAtMillis: changed.map { UInt64(sql: $0) },
                         reason: row["reason"], changedBy: row["changed_by"], replacedBy: replacedBy.map { [UInt8]($0) })
    }
}

extension Replica {
    /// Makes this replica number its next own change after `sequence` (or later, if it
    /// already does): a replacement laptop continues its site's numbering above every
    /// change the old laptop is known to have made (K5), so no number is used twice.
    public func continueNumbering(after sequence: UInt64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE fs_replica SET next_sequence = max(next_sequence, ?) WHERE id = 1", arguments: [(sequence + 1).sql])
        }
    }
}

extension LocalTransaction {
    /// ``Replica/revokeKey(of:atMillis:reason:by:)`` inside this transaction, so the act and
    /// its audit event (written in the same transaction) commit together or not at all.
    public mutating func revokeKey(of site: SiteID, atMillis: UInt64, reason: String, by: String?) throws(StoreError) -> KeyRecord {
        do { return try Replica.revokeKey(db, site: site, atMillis: atMillis, reason: reason, by: by) } catch { throw StoreError(error) }
    }
}
