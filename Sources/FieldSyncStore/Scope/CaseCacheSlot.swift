import Foundation
import GRDB
import GRDBSQLite

/// Carries a replica's case cache (``CaseCache``: each case's township, and whether its pair
/// under it is recorded) from one import or local transaction to the next, so that a hub
/// merging one station bundle after another reads each case's township once, not once per
/// bundle that edits the case (issue 10: that read was an eighth of a hub's steady state).
///
/// The cache is only as good as what the filer saw, so it is carried only across a gap in
/// which nothing else wrote to the file (``WriteMark``): not this connection (a local
/// write, a transfer, a rebuild, another `Replica` value over the same connection) and not
/// another connection (another process, such as a `hub serve` beside a `hub merge`). An
/// import that fails leaves nothing behind: the cache it took goes with it. Within an
/// import the filer keeps the cache true itself (``FeedFiler/forgetCached()``).
final class CaseCacheSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: (cache: CaseCache, mark: WriteMark)?

    /// Past this many cases the cache is not carried: about 10 MB (some 100 bytes a case),
    /// more than a county's households, so that what a hub keeps between imports stays
    /// well inside an import's memory budget; a provincial hub's millions of cases are read
    /// again per import, as before.
    static let maximumCases = 100_000

    /// The cache the last import left, when nothing has written to the file since it
    /// committed; otherwise an empty one. Either way the slot is empty afterwards.
    func take(_ db: Database) throws -> CaseCache {
        let mark = try WriteMark(db)
        lock.lock()
        defer { lock.unlock() }
        defer { kept = nil }
        guard let kept, kept.mark == mark else { return CaseCache() }
        return kept.cache
    }

    /// Keeps `cache` for the next import; `mark` is the file as this import left it,
    /// taken in its transaction after its last write. Call it only once that transaction
    /// has committed, or, inside a shared transaction (``SharedTransaction``), once its
    /// savepoint is released, noting the slot there so that a rollback drops it (``drop()``).
    func keep(_ cache: CaseCache, at mark: WriteMark) {
        guard cache.cases.count <= Self.maximumCases else { return }
        lock.lock()
        defer { lock.unlock() }
        kept = (cache, mark)
    }

    /// Moves the kept cache's mark past a write that touched no case (``Replica/writeOutsideCases(_:)``):
    /// `before` and `after` are that write's transaction's marks at its start and end.
    /// Anything else written since the cache was kept leaves `before` unequal to its mark,
    /// and the cache is dropped at the next ``take(_:)`` as usual.
    func advance(from before: WriteMark, to after: WriteMark) {
        lock.lock()
        defer { lock.unlock() }
        if let held = kept, held.mark == before { kept = (held.cache, after) }
    }

    /// Forgets the kept cache: it was made inside a transaction that rolled back
    /// (``SharedTransaction``), where the marks cannot tell.
    func drop() {
        lock.lock()
        defer { lock.unlock() }
        kept = nil
    }

    /// Whether the next import, finding the file at `mark`, would start from the kept cache:
    /// for tests.
    func carries(to mark: WriteMark) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return kept?.mark == mark
    }

    /// How many cases the slot holds for the next import (0 when empty): for tests.
    var keptCases: Int {
        lock.lock()
        defer { lock.unlock() }
        return kept?.cache.cases.count ?? 0
    }
}

/// Where a connection stands among the file's writes. Two marks of one connection are
/// equal only when nothing was written in between: `PRAGMA data_version` moves when another
/// connection commits, `sqlite3_total_changes64` when this connection inserts, updates or
/// deletes a row (committed or not; a rolled-back write moves it too, which only costs a
/// cold cache).
struct WriteMark: Equatable {
    let connection: OpaquePointer
    let dataVersion: Int64
    let totalChanges: Int64

    init(_ db: Database) throws {
        connection = db.sqliteConnection!
        dataVersion = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        totalChanges = sqlite3_total_changes64(connection)
    }
}
