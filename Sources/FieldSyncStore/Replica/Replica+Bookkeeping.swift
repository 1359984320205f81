import FieldSyncCore
import Foundation
import GRDB

extension Replica {
    public func peers() throws(StoreError) -> [Peer] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fs_peers ORDER BY site_id").map { try Self.peer(from: $0, db) }
        }
    }

    public func peer(_ site: SiteID) throws(StoreError) -> Peer? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM fs_peers WHERE site_id = ?", arguments: [site.bytes.data]).map { try Self.peer(from: $0, db) }
        }
    }

    /// Inserts or replaces a peer, its known vector included; its keys join the key
    /// registry as active unless the registry already knows them (a revoked key stays revoked).
    public func savePeer(_ peer: Peer) throws(StoreError) {
        try write { db in try Self.savePeer(peer, in: db) }
    }

    /// Inserts or replaces a peer inside the caller's transaction; its keys join the key
    /// registry as active unless the registry already knows them.
    static func savePeer(_ peer: Peer, in db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO fs_peers(site_id, name, role, township, signing_key, agreement_key, enrolled_at, revoked_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [peer.site.bytes.data, peer.name, peer.role.rawValue, peer.township, peer.signingKey.data,
                             peer.agreementKey.data, peer.enrolledAtMillis.sql, peer.revokedAtMillis?.sql])
        try register(db, peer, atMillis: peer.enrolledAtMillis)
        try KnownVectors.write(db, peer.site, peer.knownVector)
    }

    /// The latest vector `site` said it holds (`.empty` if unknown).
    public func knownVector(of site: SiteID) throws(StoreError) -> VersionVector {
        try read { db in try KnownVectors.read(db, site) }
    }

    /// Lowers what `peer` is known to hold of `origin`'s changes to at most `sequence`,
    /// keeping the vector's date: the changes above it count as owed to the peer again
    /// (a hub that found a restored station's history diverging after `sequence` sends
    /// the station its own changes from there, rule S13).
    public func lowerKnownVector(of peer: SiteID, origin: SiteID, to sequence: UInt64) throws(StoreError) {
        try write { db in
            var vector = try KnownVectors.read(db, peer)
            guard vector[origin] > sequence else { return }
            vector[origin] = sequence
            try KnownVectors.write(db, peer, vector, asOf: try KnownVectors.asOf(db, peer))
        }
    }

    /// The highest sequence of `origin` in the log (gaps or not), 0 when none.
    public func highestLogged(origin: SiteID) throws(StoreError) -> UInt64 {
        try read { db in
            guard let no = try Int64.fetchOne(db, sql: "SELECT site_no FROM fs_sites WHERE site_id = ?", arguments: [origin.bytes.data]) else {
                return 0
            }
            return try ChangeLog.highest(db, siteNo: no)
        }
    }

    /// The changes of `origin` held in the log with sequences in `range`, by sequence.
    public func loggedChanges(origin: SiteID, in range: ClosedRange<UInt64>) throws(StoreError) -> [UInt64: Change] {
        try read { db in
            guard let no = try Int64.fetchOne(db, sql: "SELECT site_no FROM fs_sites WHERE site_id = ?", arguments: [origin.bytes.data]) else {
                return [:]
            }
            var decoder = ChangeDecoder()
            var result: [UInt64: Change] = [:]
            try ChangeLog.forEach(db, siteNo: no, in: range) { entry in
                result[entry.sequence] = try OwnChangeRewrite.decode(entry.record, &decoder)
            }
            return result
        }
    }

    public func hasImported(bundleID: [UInt8]) throws(StoreError) -> Bool {
        try read { db in try BundleLog.imported.contains(db, bundleID) }
    }

    /// Imported bundles, newest first.
    public func importedBundles(limit: Int) throws(StoreError) -> [BundleRecord] {
        try read { db in try BundleLog.imported.list(db, limit: limit) }
    }

    /// Records a bundle written to a peer. With `sequence` (the number in its file name,
    /// from ``upcomingExportSequence()``), the number is used up in the same transaction,
    /// so an export that fails or is killed before its file is whole never burns one.
    public func recordExport(_ record: BundleRecord, sequence: Int? = nil) throws(StoreError) {
        try write { db in
            try BundleLog.exported.insert(db, record)
            if let sequence {
                try db.execute(sql: "UPDATE fs_replica SET export_counter = max(export_counter, ?) WHERE id = 1", arguments: [sequence])
                try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)",
                               arguments: [Self.lastRecordedExportKey, String(sequence)])
            }
        }
    }

    /// Exported bundles, newest first.
    public func exportedBundles(limit: Int) throws(StoreError) -> [BundleRecord] {
        try read { db in try BundleLog.exported.list(db, limit: limit) }
    }

    public func setting(_ key: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [key]) }
    }

    /// Every setting whose key starts with `prefix`, by key.
    public func settings(withPrefix prefix: String) throws(StoreError) -> [String: String] {
        try read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM fs_settings WHERE substr(key, 1, ?) = ?",
                                        arguments: [prefix.count, prefix]) {
                result[row[0]] = row[1]
            }
            return result
        }
    }

    /// Sets a setting, or removes it when `value` is nil.
    /// Takes the next value of the integer counter in setting `key` (1 when unset) and
    /// moves the counter past it, in ONE SQL statement: two commands run at once on one
    /// replica (two terminals, the command line beside `station ui`) never take the same
    /// value, which a read followed by a write in separate statements allowed.
    public func takeCounter(_ key: String) throws(StoreError) -> Int {
        let next = try writeOutsideCases { db in
            try Int.fetchOne(db, sql: """
                INSERT INTO fs_settings(key, value) VALUES (?, '2')
                ON CONFLICT(key) DO UPDATE SET value = CAST(MAX(1, CAST(value AS INTEGER)) + 1 AS TEXT)
                RETURNING CAST(value AS INTEGER)
                """, arguments: [key])
        }
        return (next ?? 2) - 1
    }

    public func setSetting(_ key: String, _ value: String?) throws(StoreError) {
        try writeOutsideCases { db in
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM fs_settings WHERE key = ?", arguments: [key])
            }
        }
    }

    /// The number the next bundle file will carry (1, 2, 3, …): one after the last
    /// export recorded with its number. Nothing is used up until
    /// ``recordExport(_:sequence:)``; a number reserved by ``nextExportSequence()`` whose
    /// bundle was never written is given out again.
    public func upcomingExportSequence() throws(StoreError) -> Int {
        try read { db in
            if let recorded = try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?",
                                                  arguments: [Self.lastRecordedExportKey]).flatMap(Int.init) {
                return recorded + 1
            }
            return (try Int.fetchOne(db, sql: "SELECT export_counter FROM fs_replica WHERE id = 1") ?? 0) + 1
        }
    }

    /// The setting holding the number of the last export recorded with its number.
    static let lastRecordedExportKey = "export.lastRecordedSequence"

    /// The next export number (1, 2, 3, …), persisted, for bundle file names. Used up at
    /// once, even if no bundle is written: prefer ``upcomingExportSequence()``.
    public func nextExportSequence() throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE fs_replica SET export_counter = export_counter + 1 WHERE id = 1")
            return try Int.fetchOne(db, sql: "SELECT export_counter FROM fs_replica WHERE id = 1") ?? 0
        }
    }

    private static func peer(from row: Row, _ db: Database) throws -> Peer {
        guard let site = SiteID(bytes: [UInt8](row["site_id"] as Data)), let role = ReplicaRole(rawValue: row["role"]) else {
            throw StoreError.corrupt(reason: "a peer record has a malformed site id or role")
        }
        let revoked: Int64? = row["revoked_at"]
        return Peer(site: site, name: row["name"], role: role, township: row["township"],
                    signingKey: [UInt8](row["signing_key"] as Data), agreementKey: [UInt8](row["agreement_key"] as Data),
                    enrolledAtMillis: UInt64(sql: row["enrolled_at"]), revokedAtMillis: revoked.map { UInt64(sql: $0) },
                    knownVector: try KnownVectors.read(db, site))
    }
}
