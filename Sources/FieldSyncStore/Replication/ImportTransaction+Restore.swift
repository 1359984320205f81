import FieldSyncCore
import GRDB

/// What a hub restored from a backup needs of its counters (protocol §4d): it learns from
/// the stations how far it had numbered its own changes, rows and feed positions, and
/// numbers past that.
extension ImportTransaction {
    /// The number this replica's next own change will take.
    public var nextOwnSequence: UInt64 { meta.nextSequence }

    /// Numbers the next arrival, and so the next feed position (P2), after `position`; a
    /// counter already past it is left alone.
    public mutating func numberArrivals(after position: UInt64) {
        let wanted = Int64(clamping: position)
        if meta.arrival < wanted { meta.arrival = wanted }
    }
}

extension Replica {
    /// The last arrival number (feed position, P2) this replica used, 0 when none.
    public func lastArrival() throws(StoreError) -> UInt64 {
        try read { db in UInt64(max(0, try ReplicaMeta(db).arrival)) }
    }

    /// The `fs_settings` key that, while set, refuses every local write of this replica with
    /// its text (a hub restored from a backup, until the stations have said how far it had
    /// numbered its own changes, §4d HR3).
    public static let ownWritesHeldKey = "own_writes_held"
}
