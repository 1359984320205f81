import FieldSyncCore
import Foundation
import GRDB

/// What a person decided about one recorded conflict: who, when, what was kept and why.
///
/// Kept beside the conflict in `fs_conflicts` (columns `resolved_at`, `resolved_by`,
/// `resolution`, `resolution_note`, store migration v2) so the queue is also the record of
/// how each conflict ended.
public struct ConflictResolution: Sendable, Equatable {
    public var conflictID: Int64
    public var atMillis: UInt64
    /// The operator who resolved it.
    public var by: String
    /// What was done, e.g. `kept winner`, `kept loser`, `new value`.
    public var resolution: String
    public var note: String?

    public init(conflictID: Int64, atMillis: UInt64, by: String, resolution: String, note: String?) {
        self.conflictID = conflictID
        self.atMillis = atMillis
        self.by = by
        self.resolution = resolution
        self.note = note
    }
}

/// A conflict as the review queue holds it: the two writes with their kind
/// (``ConflictRecord/kind``) and, once a person has decided, the resolution.
public struct ConflictEntry: Sendable, Equatable {
    public var record: ConflictRecord
    public var resolution: ConflictResolution?
}

extension Replica {
    /// Recorded conflicts with their kind and resolution, oldest first: only unresolved
    /// ones unless `includeResolved`, and only those numbered above `afterID`.
    public func conflictEntries(includeResolved: Bool, afterID: Int64 = 0) throws(StoreError) -> [ConflictEntry] {
        try read { db in
            try Row.fetchAll(db, sql: Self.conflictSelect + " WHERE id > ? \(includeResolved ? "" : "AND resolved = 0") ORDER BY id",
                             arguments: [afterID]).map(Self.conflictEntry)
        }
    }

    /// One conflict by number, resolved or not; nil if there is none.
    public func conflictEntry(id: Int64) throws(StoreError) -> ConflictEntry? {
        try read { db in
            try Row.fetchOne(db, sql: Self.conflictSelect + " WHERE id = ?", arguments: [id]).map(Self.conflictEntry)
        }
    }

    /// The number of the latest conflict recorded (0 when none): conflicts numbered above
    /// it were recorded later.
    public func highestConflictID() throws(StoreError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM fs_conflicts") ?? 0 }
    }

    /// Marks a conflict resolved without writing case data (the row's current value is
    /// what the person chose to keep).
    public func markConflictResolved(_ resolution: ConflictResolution) throws(StoreError) {
        try write { db in try Self.markResolved(resolution, in: db) }
    }

    /// Records `resolution` inside the caller's transaction. A conflict already resolved
    /// is refused, so that two operators resolving at once cannot both record a decision.
    static func markResolved(_ resolution: ConflictResolution, in db: Database) throws {
        try db.execute(sql: """
            UPDATE fs_conflicts SET resolved = 1, resolved_at = ?, resolved_by = ?, resolution = ?, resolution_note = ?
            WHERE id = ? AND resolved = 0
            """, arguments: [resolution.atMillis.sql, resolution.by, resolution.resolution, resolution.note, resolution.conflictID])
        guard db.changesCount == 0 else { return }
        let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM fs_conflicts WHERE id = ?", arguments: [resolution.conflictID]) ?? false
        throw exists ? StoreError.conflictAlreadyResolved(id: resolution.conflictID) : StoreError.conflictNotFound(id: resolution.conflictID)
    }

    static let conflictSelect = """
        SELECT id, tbl, row_id, col, winner_stamp, winner_site, winner_value, winner_base_stamp, winner_base_site,
               loser_stamp, loser_site, loser_value, loser_base_stamp, loser_base_site, detected_at, resolved,
               kind, resolved_at, resolved_by, resolution, resolution_note
        FROM fs_conflicts
        """

    static func conflictEntry(_ row: Row) throws -> ConflictEntry {
        func state(_ offset: Int) throws -> CellState {
            guard let site = SiteID(bytes: [UInt8](row[offset + 1] as Data)) else { throw StoreError.corrupt(reason: "a conflict names a malformed site") }
            let value = try Value.decode(encoded: [UInt8](row[offset + 2] as Data))
            var base: CellVersion?
            if let stamp: Int64 = row[offset + 3], let data: Data = row[offset + 4], let baseSite = SiteID(bytes: [UInt8](data)) {
                base = CellVersion(stamp: HybridTimestamp(rawValue: UInt64(sql: stamp)), site: baseSite)
            }
            return CellState(version: CellVersion(stamp: HybridTimestamp(rawValue: UInt64(sql: row[offset])), site: site),
                             value: value, base: base)
        }
        let id: Int64 = row[0]
        guard let kind = ConflictKind(rawValue: row[16]) else { throw StoreError.corrupt(reason: "a conflict has an unknown kind") }
        let record = ConflictRecord(id: id, table: row[1], rowID: row[2], column: row[3], winner: try state(4), loser: try state(9),
                                    detectedAtMillis: UInt64(sql: row[14]), resolved: row[15], kind: kind)
        var resolution: ConflictResolution?
        if record.resolved, let at: Int64 = row[17] {
            resolution = ConflictResolution(conflictID: id, atMillis: UInt64(sql: at), by: row[18] ?? "", resolution: row[19] ?? "",
                                            note: row[20])
        }
        return ConflictEntry(record: record, resolution: resolution)
    }
}
