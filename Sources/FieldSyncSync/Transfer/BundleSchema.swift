import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore

/// Which released version of a replica's case schema a bundle was written under, and what
/// a replica on another version may read or be sent (sync-protocol.md §8).
///
/// Versions only add tables and columns, so a bundle of an older version is read as it is
/// (its changes are valid under every later version), and a replica writes for an older
/// peer by leaving out what that version cannot hold. A bundle of a newer version than the
/// receiver's is refused: the receiver cannot know what the added columns mean.
enum BundleSchema {
    /// The version of `replica`'s schema that `header` names, recognised by name, version
    /// and that version's fingerprint. Refuses a newer version (saying which side to
    /// upgrade) and anything it does not recognise.
    static func recognise(_ header: BundleHeader, by replica: Replica, file: String) throws(SyncError) -> Schema {
        let ours = replica.schema
        if header.schemaName == ours.name, header.schemaVersion > ours.version {
            throw .schemaNewer(file: file, bundleVersion: header.schemaVersion, ourVersion: ours.version, receiver: replica.role)
        }
        guard header.schemaName == ours.name, let known = ours.at(version: header.schemaVersion),
              header.schemaFingerprint == Replica.fingerprint(known) else {
            throw .schemaMismatch(file: file, bundleVersion: header.schemaVersion, ourVersion: ours.version)
        }
        return known
    }

    /// Refuses a bundle that names an older version but carries a change that version
    /// cannot hold: its header would be false, so the sender is not a released FieldSync.
    static func checkHeld(_ changes: [Change], by declared: Schema, in replica: Replica, file: String) throws(SyncError) {
        for change in changes where !declared.holds(change) {
            throw .schemaMismatch(file: file, bundleVersion: declared.version, ourVersion: replica.schema.version)
        }
    }

    /// How many of the changes above `since` (of `only` that origin, when given) a replica
    /// on `target` cannot hold, per table. Cost: the changes above `since`, decoded once.
    static func heldBack(in snapshot: ExportSnapshot, since: VersionVector, only: SiteID? = nil, for target: Schema) throws -> [String: Int] {
        var held: [String: Int] = [:]
        try snapshot.forEachBatch(since: since, only: only, batchSize: 4096) { batch in
            for change in batch where !target.holds(change) { held[change.table, default: 0] += 1 }
        }
        return held
    }
}
