import FieldSyncCore
import Foundation
import GRDB

/// The hub's quarantine (`fs_quarantine`): bundles signed by a revoked or replaced key,
/// held until the operator accepts or rejects each. The store keeps the record; the sync
/// layer keeps the file copy beside it.
extension Replica {
    /// The id the next quarantined bundle will get (its stored copy is named by it).
    public func nextQuarantineID() throws(StoreError) -> Int64 {
        try read { db in (try Int64.fetchOne(db, sql: "SELECT max(id) FROM fs_quarantine") ?? 0) + 1 }
    }

    /// Records a quarantined bundle. Refused (``StoreError/bundleAlreadyRecorded(bundleID:)``)
    /// when its bundle id is already held: one entry per bundle.
    public func addToQuarantine(_ entry: QuarantineEntry) throws(StoreError) {
        try write { db in
            if try Self.quarantineRow(db, "bundle_id = ?", [entry.bundleID.data]) != nil {
                throw StoreError.bundleAlreadyRecorded(bundleID: Hex.encode(entry.bundleID))
            }
            try db.execute(sql: """
                INSERT INTO fs_quarantine(id, bundle_id, file_name, stored_path, signer_site, signer_key, received_at, why, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held')
                """, arguments: [entry.id, entry.bundleID.data, entry.fileName, entry.storedPath, entry.signerSite.bytes.data,
                                 entry.signerKey.data, entry.receivedAtMillis.sql, entry.why])
        }
    }

    public func quarantineEntry(id: Int64) throws(StoreError) -> QuarantineEntry? {
        try read { db in try Self.quarantineRow(db, "id = ?", [id]) }
    }

    public func quarantineEntry(bundleID: [UInt8]) throws(StoreError) -> QuarantineEntry? {
        try read { db in try Self.quarantineRow(db, "bundle_id = ?", [bundleID.data]) }
    }

    /// Every entry, oldest first; only those in `state` when given.
    public func quarantineEntries(in state: QuarantineEntry.State? = nil) throws(StoreError) -> [QuarantineEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fs_quarantine WHERE ? IS NULL OR state = ? ORDER BY id",
                             arguments: [state?.rawValue, state?.rawValue]).map(Self.quarantineEntry)
        }
    }

    /// Records the operator's decision on a held entry. Returns false (and changes nothing)
    /// when the entry is not held any more.
    public func decideQuarantined(id: Int64, _ state: QuarantineEntry.State, atMillis: UInt64, by: String?,
                                  note: String?) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE fs_quarantine SET state = ?, decided_at = ?, decided_by = ?, note = ? WHERE id = ? AND state = 'held'
                """, arguments: [state.rawValue, atMillis.sql, by, note, id])
            return db.changesCount == 1
        }
    }

    private static func quarantineRow(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> QuarantineEntry? {
        try Row.fetchOne(db, sql: "SELECT * FROM fs_quarantine WHERE \(condition)", arguments: arguments).map(quarantineEntry)
    }

    private static func quarantineEntry(_ row: Row) throws -> QuarantineEntry {
        guard let site = SiteID(bytes: [UInt8](row["signer_site"] as Data)),
              let state = QuarantineEntry.State(rawValue: row["state"]) else {
            throw StoreError.corrupt(reason: "a quarantine entry has a malformed signer or state")
        }
        let decided: Int64? = row["decided_at"]
        return QuarantineEntry(id: row["id"], bundleID: [UInt8](row["bundle_id"] as Data), fileName: row["file_name"],
                               storedPath: row["stored_path"], signerSite: site, signerKey: [UInt8](row["signer_key"] as Data),
                               receivedAtMillis: UInt64(sql: row["received_at"]), why: row["why"], state: state,
                               decidedAtMillis: decided.map { UInt64(sql: $0) }, decidedBy: row["decided_by"], note: row["note"])
    }
}
