#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import GRDBSQLite

/// The write transaction that several of a replica's writes share while
/// ``Replica/inOneTransaction(_:)`` runs: a hub merging a stick of bundles commits once for
/// many of them instead of once per bundle and per note (issue 10: 150 commits were a
/// fifth of a steady-state intake, and most of their cost was writing the same pages again).
///
/// The transaction belongs to the thread that opened it, not to the replica: a `hub serve`
/// answering another request on another thread while a merge holds the transaction must
/// not write into it. Its writes go through the connection pool as usual and wait for
/// the shared transaction to commit, as they would wait for any other write.
///
/// Shared by every ``Replica`` value over the same connection pool (``Replica/guarded(by:)``,
/// ``Replica/ranked(by:)``, ``Replica/scoped(by:township:)``), since each writes through
/// the same writer.
final class SharedTransaction: @unchecked Sendable {
    private let lock = NSLock()
    private var open: (thread: pthread_t, db: Database)?
    /// The case cache slots that kept a cache made inside the transaction: if it rolls
    /// back, what they kept describes writes that never happened.
    private var keptIn: [CaseCacheSlot] = []

    /// The shared transaction's connection when the calling thread holds one, else nil.
    var database: Database? {
        lock.lock()
        defer { lock.unlock() }
        guard let open, pthread_equal(open.thread, pthread_self()) != 0 else { return nil }
        return open.db
    }

    /// Whether the calling thread holds a shared transaction that SQLite has rolled back
    /// itself (disk full, an I/O error, a trigger's `RAISE(ROLLBACK)`): nothing written in
    /// it will be kept, and every later statement in it fails.
    var isLost: Bool {
        guard let db = database else { return false }
        return sqlite3_get_autocommit(db.sqliteConnection) != 0
    }

    /// Runs `body` with `db` (inside its write transaction) bound to the calling thread.
    /// On return, thrown or not, the binding ends and `keptIn` holds the case cache slots
    /// that kept a cache inside it.
    func binding<T>(_ db: Database, keptIn slots: inout [CaseCacheSlot], _ body: () throws -> T) rethrows -> T {
        lock.lock()
        precondition(open == nil, "a shared transaction is already open")
        open = (pthread_self(), db)
        lock.unlock()
        defer {
            lock.lock()
            slots = keptIn
            keptIn = []
            open = nil
            lock.unlock()
        }
        return try body()
    }

    /// Notes that `slot` kept a case cache inside the transaction.
    func noteKept(in slot: CaseCacheSlot) {
        lock.lock()
        defer { lock.unlock() }
        if !keptIn.contains(where: { $0 === slot }) { keptIn.append(slot) }
    }
}
