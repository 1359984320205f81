import FieldSyncCore
import Foundation
import GRDB

/// Where one row stands in the feeds: the feed it is filed under and the case it belongs to.
struct FeedPlace: Equatable {
    /// A township code, ``FeedFiler/countyScope`` or ``FeedFiler/unplacedScope``.
    var scope: String
    /// The household the row hangs from, when it is part of a case.
    var caseID: String?
    /// What the declaration said.
    var rowScope: RowScope
}

/// Files logged changes into the township feeds (`fs_feed_entries`) and keeps the case table
/// (`fs_case`) current, inside one write transaction (rules P1–P3 of the sync protocol).
///
/// A run is consecutive sequences of one origin on one row, filed as one entry: a bulk
/// import writes one feed entry per row, not one per cell.
///
/// A class: everything it holds is shared by whoever files in the transaction, and as a
/// struct of six references it was copied out of the transaction and back for every row
/// merged, which a profile of a bulk import put at 3% of it.
final class FeedFiler {
    let db: Database
    let catalog: Catalog
    let declaration: any ScopeDeclaration
    /// Case → township, as read or written in this transaction, or carried from the
    /// previous import when nothing was written since (``CaseCacheSlot``). A reference, so
    /// that the copies of the filer a transaction makes share one cache instead of copying
    /// it on every write (a bulk import touches a case per row: copying grew with the import).
    private let cache: CaseCache
    /// The statements run once per filed row, shared by the filer's copies like the cache.
    private let statements: FeedStatements
    /// The rows an import holds merged in memory (``ImportRowCache``): a look-up of another
    /// row reads them first, as the database does not have them yet.
    private let rows: ImportRowCache?

    /// The scope of county-wide rows.
    static let countyScope = "*"
    /// Where a row no declaration places is filed: no station's feed.
    static let unplacedScope = "?"

    init(db: Database, catalog: Catalog, declaration: any ScopeDeclaration, rows: ImportRowCache? = nil,
         cache: CaseCache = CaseCache()) {
        self.db = db
        self.catalog = catalog
        self.declaration = declaration
        self.rows = rows
        self.cache = cache
        statements = FeedStatements(db: db)
    }

    /// The township holding `household`, nil when the replica has never held it.
    func township(ofCase household: String) throws -> String? {
        if let known = cache.cases[CaseKey(household)]?.township { return known }
        let select = try statements.townshipSelect
        select.bind(1, text: household)
        defer { select.reset() }
        let found = try select.step()
        let township = found ? select.text(0) : nil
        // Read with it, so that filing under the case's township right after (what a read
        // of it is for) skips writing a pair the table already holds.
        cache.cases[CaseKey(household)] = CaseFacts(township: .some(township), townshipScopeRecorded: found && select.int64(1) != 0)
        return township
    }

    /// Records that `household` is held by `township` (its township column was set).
    ///
    /// Written only when it differs from what the table holds: a hub's steady state merges
    /// each bundle's edits of a household once per import, so the cache is cold, and a
    /// blind upsert rewrote the same township into a page of `fs_case` for every edit,
    /// one more page for the commit to write.
    func setTownship(_ township: String, ofCase household: String) throws {
        if try self.township(ofCase: household) == township { return }
        let upsert = try statements.townshipUpsert
        upsert.bind(1, text: household)
        upsert.bind(2, text: township)
        try upsert.execute()
        cache.cases[CaseKey(household)] = CaseFacts(township: .some(township))
    }

    /// Forgets what the filer cached of the database: each case's township and the scope
    /// recorded for it. Needed after rows were removed outside the filer, and after a
    /// savepoint rolled back writes the cache had seen (it would otherwise skip writing
    /// them again).
    func forgetCached() { cache.cases.removeAll() }

    /// Places a row from its current values (schema order), updating the case table first
    /// when the row is a household that names its township.
    func place(_ table: TableCatalog, rowID: String, values: [Value]) throws -> FeedPlace {
        try place(table, rowID: rowID, values: values, recording: true)
    }

    /// Places a row like ``place(_:rowID:values:)`` without recording a household's township
    /// (a read, such as a digest of one township).
    func peek(_ table: TableCatalog, rowID: String, values: [Value]) throws -> FeedPlace {
        try place(table, rowID: rowID, values: values, recording: false)
    }

    private func place(_ table: TableCatalog, rowID: String, values: [Value], recording: Bool) throws -> FeedPlace {
        var ownTownship: String?
        if table.schema.name == declaration.caseTable,
           let index = table.columnIndex[declaration.caseTownshipColumn], case let .text(code) = values[index] {
            ownTownship = code
            if recording { try setTownship(code, ofCase: rowID) }
        }
        let rowScope = try declaration.scope(of: table.schema.name, rowID: rowID, value: { column in
            table.columnIndex[column].map { values[$0] }.flatMap { $0 == .null ? nil : $0 }
        }, lookUp: { other, id, column in try lookUp(other, id, column) })
        switch rowScope {
        case .county: return FeedPlace(scope: Self.countyScope, caseID: nil, rowScope: rowScope)
        case let .township(code): return FeedPlace(scope: code, caseID: nil, rowScope: rowScope)
        case let .household(id):
            let township = try ownTownship ?? township(ofCase: id)
            return FeedPlace(scope: township ?? Self.unplacedScope, caseID: id, rowScope: rowScope)
        case .unknown: return FeedPlace(scope: Self.unplacedScope, caseID: nil, rowScope: rowScope)
        }
    }

    /// Another row's column, from its user table (nil when the row or value is absent), or
    /// from the import's held rows when it holds that row.
    func lookUp(_ table: String, _ rowID: String, _ column: String) throws -> Value? {
        guard let other = catalog.tables[table], let index = other.columnIndex[column] else { return nil }
        if let held = try rows?.state(of: RowKey(table: table, rowID: rowID), in: other) {
            // What the user table would hold once written: no row when deleted or empty.
            guard !held.isDeleted, held.hasCells else { return nil }
            switch held.values[index] {
            case .null: return nil
            // As SQLite gives a real back: NaN is stored as NULL, -0.0 as 0.0.
            case let .real(x) where x.isNaN: return nil
            case let .real(x) where x == 0: return .real(0)
            case let value: return value
            }
        }
        let sql = "SELECT \(TableCatalog.quote(column)) FROM \(TableCatalog.quote(table)) WHERE \"id\" = ?"
        guard let value = try DatabaseValue.fetchOne(db.cachedStatement(sql: sql), arguments: [rowID]) else { return nil }
        let decoded = Value(value, type: other.schema.columns[index].type)
        return decoded == .null ? nil : decoded
    }

    /// Files `logged` (changes of one row just logged, each with the arrival number it got)
    /// under `place`, one entry per run of consecutive sequences of one origin.
    func file(_ logged: [LoggedChange], at place: FeedPlace, pinned: Bool = false) throws {
        var i = 0
        while i < logged.count {
            var end = i + 1
            while end < logged.count, logged[end].siteNo == logged[i].siteNo, logged[end].sequence == logged[end - 1].sequence + 1 { end += 1 }
            try insert(scope: place.scope, position: logged[i].arrival, siteNo: logged[i].siteNo,
                       low: logged[i].sequence, high: logged[end - 1].sequence, caseID: place.caseID, pinned: pinned)
            i = end
        }
    }

    func insert(scope: String, position: Int64, siteNo: Int64, low: UInt64, high: UInt64, caseID: String?, pinned: Bool) throws {
        if let caseID { try recordScope(scope, ofCase: caseID) }
        let insert = try statements.feedInsert
        insert.bind(1, text: scope)
        insert.bind(2, position)
        insert.bind(3, siteNo)
        insert.bind(4, low.sql)
        insert.bind(5, high.sql)
        if let caseID { insert.bind(6, text: caseID) } else { insert.bindNull(6) }
        insert.bind(7, Int64(pinned ? 1 : 0))
        try insert.execute()
    }
}

extension FeedFiler {
    /// Records that `household` has entries under `scope` (`fs_case_scopes`): how
    /// ``FeedFiler/caseEntries`` finds them without an index entry per feed entry. Nearly
    /// every entry of a case is filed under its township, so the cache marks that pair as
    /// recorded (a flag beside the township, not a second key per case: a bulk import
    /// touches every case) and a transaction writes it about once per case; any other
    /// scope (unplaced, a transfer's) is written each time, ignored when present.
    private func recordScope(_ scope: String, ofCase household: String) throws {
        let facts = cache.cases[CaseKey(household)]
        let underTownship = facts?.township == .some(.some(scope))
        if underTownship, facts?.townshipScopeRecorded == true { return }
        let insert = try statements.caseScopeInsert
        insert.bind(1, text: household)
        insert.bind(2, text: scope)
        try insert.execute()
        if underTownship { cache.cases[CaseKey(household)]?.townshipScopeRecorded = true }
    }

    /// Files a case's whole history again under `township`, one entry per run in the order
    /// the runs were first filed, at positions taken from `arrival` (P3 of a transfer, and a
    /// move merged at a hub, T5). Returns how many changes were filed.
    @discardableResult
    func refile(case household: String, to township: String, arrival: inout Int64) throws -> Int {
        let runs = try Row.fetchAll(db, sql: """
            SELECT site_no, seq_lo, seq_hi, MIN(pos) AS first FROM fs_feed_entries WHERE \(Self.caseEntries)
            GROUP BY site_no, seq_lo, seq_hi ORDER BY first
            """, arguments: [household])
        var count = 0
        for run in runs {
            arrival += 1
            let low = UInt64(sql: run[1] as Int64), high = UInt64(sql: run[2] as Int64)
            try insert(scope: township, position: arrival, siteNo: run[0], low: low, high: high, caseID: household, pinned: false)
            count += Int(high - low + 1)
        }
        return count
    }

    /// The condition on `fs_feed_entries` that selects one case's entries, its household
    /// bound to `?1` (a later plain `?` is then `?2`): the scopes the case was filed under
    /// (`fs_case_scopes`, recorded by ``insert(scope:position:siteNo:low:high:caseID:pinned:)``),
    /// each scanned along the feed's primary key and filtered by case. Transfers, evictions and rebuilds read a
    /// case's history this way, and so does the merge of a move or of a delete of a
    /// household that carries its township (``ImportTransaction/followMove``,
    /// ``ImportTransaction/winningTownship(ofDeleted:filer:merging:)``); an edit's merge never does.
    static let caseEntries = "scope IN (SELECT scope FROM fs_case_scopes WHERE case_id = ?1) AND case_id = ?1"
}

/// The filer's statements, prepared on first use and bound through SQLite's C API
/// (``RawStatement``): a bulk import files a feed entry and reads or writes a case's
/// township per row, and GRDB's argument boxing and statement-cache lookup cost as much
/// as the inserts themselves (a fifth of an import, issue 10).
final class FeedStatements {
    let db: Database
    private var townshipSelectStatement: RawStatement?
    private var townshipUpsertStatement: RawStatement?
    private var feedInsertStatement: RawStatement?
    private var caseScopeInsertStatement: RawStatement?

    init(db: Database) { self.db = db }

    /// Prepares on first use; kept in properties, not looked up by SQL text per row.
    private func prepared(_ slot: ReferenceWritableKeyPath<FeedStatements, RawStatement?>, _ sql: String) throws -> RawStatement {
        if let statement = self[keyPath: slot] { return statement }
        let statement = try RawStatement(db, sql: sql)
        self[keyPath: slot] = statement
        return statement
    }

    var townshipSelect: RawStatement {
        get throws {
            try prepared(\.townshipSelectStatement, """
                SELECT township, EXISTS (SELECT 1 FROM fs_case_scopes AS s WHERE s.case_id = ?1 AND s.scope = fs_case.township)
                FROM fs_case WHERE case_id = ?1
                """)
        }
    }
    var townshipUpsert: RawStatement {
        get throws {
            try prepared(\.townshipUpsertStatement,
                         "INSERT INTO fs_case(case_id, township) VALUES (?, ?) ON CONFLICT(case_id) DO UPDATE SET township = excluded.township")
        }
    }
    var caseScopeInsert: RawStatement {
        get throws { try prepared(\.caseScopeInsertStatement, "INSERT OR IGNORE INTO fs_case_scopes(case_id, scope) VALUES (?, ?)") }
    }
    var feedInsert: RawStatement {
        get throws {
            try prepared(\.feedInsertStatement, "INSERT INTO fs_feed_entries(scope, pos, site_no, seq_lo, seq_hi, case_id, pinned) VALUES (?, ?, ?, ?, ?, ?, ?)")
        }
    }
}

/// What the filer knows of each case's rows in the database, in this transaction (see
/// ``FeedFiler``). One entry per case, kept small: a bulk import touches every case.
final class CaseCache {
    var cases: [CaseKey: CaseFacts] = [:]
}

/// What ``CaseCache`` holds of one case.
struct CaseFacts {
    /// Its township in `fs_case` once read or written: `.some(nil)` when the replica never held it.
    var township: String?? = nil
    /// Whether (case, its township) is known to be in `fs_case_scopes`.
    var townshipScopeRecorded = false
}

/// A change just written to the log: its origin's site number, sequence and arrival number.
struct LoggedChange {
    var siteNo: Int64
    var sequence: UInt64
    var arrival: Int64
}

extension FeedFiler {
    /// Files the log entries `entries` hands over in order (``ChangeLog``), grouping
    /// consecutive entries of one row and placing each row by its current values: how a log
    /// written before feeds existed is filed, and how a rebuilt replica's own changes are
    /// filed again.
    func fileLog(_ entries: ((LogEntry) throws -> Void) throws -> Void, store: RowStore) throws {
        var decoder = ChangeDecoder()
        var current: (key: RowKey, place: FeedPlace)?
        var run: [LoggedChange] = []
        try entries { entry in
            let change = try OwnChangeRewrite.decode(entry.record, &decoder)
            let key = RowKey(table: change.table, rowID: change.rowID)
            if current?.key != key {
                if let current, !run.isEmpty { try file(run, at: current.place) }
                run.removeAll()
                guard let table = catalog.tables[change.table] else { current = nil; return }
                current = (key, try place(table, rowID: change.rowID, values: try store.load(table, change.rowID).values))
            }
            run.append(LoggedChange(siteNo: entry.siteNo, sequence: entry.sequence, arrival: entry.arrival))
        }
        if let current, !run.isEmpty { try file(run, at: current.place) }
    }

    /// Records every visible household's township, so that rows filed next find theirs.
    func placeEveryCase(store: RowStore) throws {
        guard let cases = catalog.tables[declaration.caseTable] else { return }
        for id in try String.fetchAll(db, sql: "SELECT \"id\" FROM \(TableCatalog.quote(cases.schema.name))") {
            _ = try place(cases, rowID: id, values: try store.load(cases, id).values)
        }
    }
}
