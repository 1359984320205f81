import FieldSyncCore
import Foundation
import GRDB

/// The imported and exported bundle lists (`fs_imported_bundles`, `fs_exported_bundles`).
enum BundleLog: String {
    case imported = "fs_imported_bundles"
    case exported = "fs_exported_bundles"

    func insert(_ db: Database, _ record: BundleRecord) throws {
        if try contains(db, record.bundleID) { throw StoreError.bundleAlreadyRecorded(bundleID: Hex.encode(record.bundleID)) }
        try db.cachedStatement(sql: "INSERT INTO \(rawValue)(bundle_id, peer, created_stamp, at_millis, change_count, file_name) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [record.bundleID.data, record.peer.bytes.data, record.createdStamp.rawValue.sql,
                                 record.atMillis.sql, record.changeCount, record.fileName])
    }

    func contains(_ db: Database, _ bundleID: [UInt8]) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(rawValue) WHERE bundle_id = ?)"), arguments: [bundleID.data]) ?? false
    }

    /// Newest first; only those of `peer` when given.
    func list(_ db: Database, peer: SiteID? = nil, limit: Int) throws -> [BundleRecord] {
        let filter = peer == nil ? "" : "WHERE peer = ? "
        let arguments: StatementArguments = peer.map { [$0.bytes.data, limit] } ?? [limit]
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT bundle_id, peer, created_stamp, at_millis, change_count, file_name FROM \(rawValue) \(filter)ORDER BY id DESC LIMIT ?"),
                                arguments: arguments).map { row in
            guard let peer = SiteID(bytes: [UInt8](row[1] as Data)) else { throw StoreError.corrupt(reason: "a bundle record names a malformed site") }
            return BundleRecord(bundleID: [UInt8](row[0] as Data), peer: peer, createdStamp: HybridTimestamp(rawValue: UInt64(sql: row[2])),
                                atMillis: UInt64(sql: row[3]), changeCount: row[4], fileName: row[5])
        }
    }
}
