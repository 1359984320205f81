import FieldSyncCore
import CSQLiteSession
import Foundation
import GRDB

/// The peer: what a project that syncs SQLite files with SQLite's session extension does
/// with the same cells. A session on a scratch database records the workload written
/// through the C API (``RawBaseline``); its changeset is then applied with
/// `sqlite3changeset_apply` into a database of the same table, rows and pragmas
/// (``RawBaseline/open(at:)``). Only the apply is timed, as only the merge is timed on our
/// side: building the changeset is the sender's work.
enum ChangesetBaseline {
    struct Result {
        let seconds: Double
        let changesetBytes: Int
    }

    enum Failure: Error, CustomStringConvertible {
        case session(step: String, code: Int32)
        case rowsAfterApply(expected: Int, found: Int)

        var description: String {
            switch self {
            case let .session(step, code): "changeset baseline: \(step) returned SQLite code \(code)"
            case let .rowsAfterApply(expected, found): "changeset baseline: \(found) rows after apply, expected \(expected)"
            }
        }
    }

    /// The workload's rows inserted into an empty table.
    static func measure(_ workload: Workload, dir: String) throws -> Result {
        try measure(name: "rows", dir: dir, rows: workload.rows,
                    prepare: { try RawBaseline.createTable(of: workload, in: $0) },
                    records: [{ try RawBaseline.insertRows(of: workload, in: $0) }])
    }

    /// The steady workload's edits as updates of the rows of its base. The session records
    /// the net change of each row (one UPDATE per row, its final values), so the changeset
    /// holds at most one change per row however often a row was edited.
    static func measure(_ steady: SteadyWorkload, dir: String) throws -> Result {
        try measure(steady, bundles: [steady.edits], name: "steady", dir: dir)
    }

    /// The steady workload as a hub of the peer's kind would receive it: one changeset per
    /// station bundle (`bundles`, in delivery order), each applied in its own transaction,
    /// as FieldSync merges each bundle in its own.
    static func measure(_ steady: SteadyWorkload, bundles: [[Change]], name: String, dir: String) throws -> Result {
        try measure(name: name, dir: dir, rows: steady.base.rows,
                    prepare: { db in
                        try RawBaseline.createTable(of: steady.base, in: db)
                        try RawBaseline.insertRows(of: steady.base, in: db)
                    },
                    records: bundles.map { edits in { try RawBaseline.updateCells(edits, columns: steady.base.columns, in: $0) } })
    }

    /// Records each of `records` as a changeset of its own, one after the other on one
    /// database made by `prepare` (not timed), then times the apply of the changesets in
    /// order into another database made by `prepare`, which must then hold `rows` rows.
    private static func measure(name: String, dir: String, rows: Int,
                                prepare: (Database) throws -> Void, records: [(Database) throws -> Void]) throws -> Result {
        var changesets = try changesets(at: dir + "/changeset-\(name)-source.sqlite", prepare: prepare, records: records)
        let target = try RawBaseline.open(at: dir + "/changeset-\(name)-target.sqlite")
        try target.write(prepare)
        var seconds = 0.0
        // Outside a transaction: `sqlite3changeset_apply` wraps each apply in its own
        // savepoint, so the timed call includes its commit, as the merge's time does.
        try target.writeWithoutTransaction { db in
            for index in changesets.indices {
                var code: Int32 = SQLITE_OK
                changesets[index].withUnsafeMutableBytes { bytes in
                    seconds += FieldSyncBench.measure {
                        code = sqlite3changeset_apply(db.sqliteConnection, Int32(bytes.count), bytes.baseAddress, nil,
                                                      { _, _, _ in SQLITE_CHANGESET_ABORT }, nil)
                    }
                }
                guard code == SQLITE_OK else { throw Failure.session(step: "sqlite3changeset_apply", code: code) }
            }
        }
        let found = try target.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM household") } ?? 0
        guard found == rows else { throw Failure.rowsAfterApply(expected: rows, found: found) }
        try target.close()
        return Result(seconds: seconds, changesetBytes: changesets.reduce(0) { $0 + $1.count })
    }

    /// The changeset of each of `records`, in order, after `prepare` (none of it timed).
    private static func changesets(at path: String, prepare: (Database) throws -> Void,
                                   records: [(Database) throws -> Void]) throws -> [Data] {
        let source = try RawBaseline.open(at: path)
        defer { try? source.close() }
        try source.write(prepare)
        return try records.map { record in try source.write { db in
            var created: OpaquePointer?
            var code = sqlite3session_create(db.sqliteConnection, "main", &created)
            guard code == SQLITE_OK, let session = created else { throw Failure.session(step: "sqlite3session_create", code: code) }
            defer { sqlite3session_delete(session) }
            code = sqlite3session_attach(session, "household")
            guard code == SQLITE_OK else { throw Failure.session(step: "sqlite3session_attach", code: code) }
            try record(db)
            var size: Int32 = 0
            var written: UnsafeMutableRawPointer?
            code = sqlite3session_changeset(session, &size, &written)
            guard code == SQLITE_OK, let buffer = written else { throw Failure.session(step: "sqlite3session_changeset", code: code) }
            defer { sqlite3_free(buffer) }
            return Data(bytes: buffer, count: Int(size))
        } }
    }
}
