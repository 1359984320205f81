import FieldSyncCore
import Foundation
import GRDB

/// Vectors that peers said they hold (`fs_known_vectors`), stored as a blob of sorted
/// (16-byte site, u64 sequence) entries.
enum KnownVectors {
    static func read(_ db: Database, _ site: SiteID) throws -> VersionVector {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT vector FROM fs_known_vectors WHERE site_id = ?"),
                                           arguments: [site.bytes.data]) else { return .empty }
        return try decode([UInt8](data))
    }

    static func write(_ db: Database, _ site: SiteID, _ vector: VersionVector, asOf: HybridTimestamp? = nil) throws {
        if let asOf {
            try db.cachedStatement(sql: "INSERT INTO fs_known_vectors(site_id, vector, as_of) VALUES (?, ?, ?) ON CONFLICT(site_id) DO UPDATE SET vector = excluded.vector, as_of = excluded.as_of")
                .execute(arguments: [site.bytes.data, encode(vector).data, Int64(bitPattern: asOf.rawValue)])
        } else {
            try db.cachedStatement(sql: "INSERT INTO fs_known_vectors(site_id, vector) VALUES (?, ?) ON CONFLICT(site_id) DO UPDATE SET vector = excluded.vector")
                .execute(arguments: [site.bytes.data, encode(vector).data])
        }
    }

    /// The created stamp of the bundle the stored vector came from (zero when none).
    static func asOf(_ db: Database, _ site: SiteID) throws -> HybridTimestamp {
        let raw = try Int64.fetchOne(db.cachedStatement(sql: "SELECT as_of FROM fs_known_vectors WHERE site_id = ?"),
                                     arguments: [site.bytes.data]) ?? 0
        return HybridTimestamp(rawValue: UInt64(bitPattern: raw))
    }

    static func encode(_ vector: VersionVector) -> [UInt8] {
        var w = ByteWriter(capacity: vector.entries.count * 24)
        for entry in vector.sorted {
            w.raw(entry.site.bytes)
            w.u64(entry.sequence)
        }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> VersionVector {
        guard bytes.count % 24 == 0 else { throw StoreError.corrupt(reason: "a known vector has a partial entry") }
        var r = ByteReader(bytes)
        var v = VersionVector.empty
        while r.remaining > 0 {
            let site = SiteID(bytes: try r.raw(16, "vector site"))!
            v[site] = try r.u64("vector sequence")
        }
        return v
    }
}
