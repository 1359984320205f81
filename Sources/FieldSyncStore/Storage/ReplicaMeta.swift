import FieldSyncCore
import GRDB

/// The counters of `fs_replica` a write transaction reads at its start and saves at its
/// end: the clock's last stamp, the next local sequence, the arrival counter.
///
/// Read inside the transaction (never cached in the `Replica` object) so that the values
/// are always those of the committed file, whatever process wrote it last.
struct ReplicaMeta {
    var clock: HybridClock
    var nextSequence: UInt64
    var arrival: Int64

    init(_ db: Database) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT clock_last, next_sequence, arrival_counter FROM fs_replica WHERE id = 1")) else {
            throw StoreError.corrupt(reason: "replica metadata is missing")
        }
        clock = HybridClock(last: HybridTimestamp(rawValue: UInt64(sql: row[0])))
        nextSequence = UInt64(sql: row[1])
        arrival = row[2]
    }

    func save(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE fs_replica SET clock_last = ?, next_sequence = ?, arrival_counter = ? WHERE id = 1")
            .execute(arguments: [clock.last.rawValue.sql, nextSequence.sql, arrival])
    }
}
