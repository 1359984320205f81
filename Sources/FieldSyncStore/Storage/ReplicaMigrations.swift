import Foundation
import GRDB

/// The named, ordered migrations that create the store's own `fs_` tables (and, from v6,
/// the merge-state column every user table carries, ``TableCatalog/cellsColumn``).
///
/// Migrations are frozen once shipped: a change to the metadata layout is a new migration
/// (`v2`, …), never an edit of `v1`, so that every replica file upgrades the same way.
/// User tables are not created here (v6 only adds its column to those a file already has):
/// they come from the domain ``Schema`` when the replica is created, and a file of an
/// earlier version of that schema is upgraded by ``Replica/open(at:schema:wallClock:)`` from
/// the schema's own history (its versions only add tables and columns), recorded in
/// `fs_replica.schema_version`, not in this migrator.
enum ReplicaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // One row: who this replica is, its schema, and its counters (clock, local
            // sequence, arrival order, export file numbering).
            try db.execute(sql: """
                CREATE TABLE fs_replica(
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    site_id BLOB NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    schema_name TEXT NOT NULL,
                    schema_version INTEGER NOT NULL,
                    schema_fingerprint BLOB NOT NULL,
                    clock_last INTEGER NOT NULL DEFAULT 0,
                    next_sequence INTEGER NOT NULL DEFAULT 1,
                    arrival_counter INTEGER NOT NULL DEFAULT 0,
                    export_counter INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE fs_settings(
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL) WITHOUT ROWID;
                -- Origin sites interned to small integers, with the contiguous sequence held
                -- from each (the version vector).
                CREATE TABLE fs_sites(
                    site_no INTEGER PRIMARY KEY,
                    site_id BLOB NOT NULL UNIQUE,
                    contiguous INTEGER NOT NULL DEFAULT 0);
                -- Every change ever made or received, winners and losers alike, clustered by
                -- (origin, sequence) so that export since a vector is a range scan per origin.
                -- `record` is the change's canonical record (Change.encode, "Change record" in
                -- Protocol/bundle-format.md): re-export is bit-exact by construction, and a
                -- bulk import binds four values per change instead of eleven. Nothing queries
                -- the log by table, row or column; export decodes the record.
                CREATE TABLE fs_changes(
                    site_no INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    arrival INTEGER NOT NULL,
                    record BLOB NOT NULL,
                    PRIMARY KEY(site_no, seq)) WITHOUT ROWID;
                -- Merge state per user row: the versions of its cells (a compact blob, see
                -- RowState) and its tombstone. One lookup per row gives both.
                CREATE TABLE fs_rows(
                    tbl TEXT NOT NULL,
                    row_id TEXT NOT NULL,
                    cells BLOB NOT NULL,
                    tomb_stamp INTEGER,
                    tomb_site_no INTEGER,
                    PRIMARY KEY(tbl, row_id)) WITHOUT ROWID;
                CREATE TABLE fs_conflicts(
                    id INTEGER PRIMARY KEY,
                    tbl TEXT NOT NULL,
                    row_id TEXT NOT NULL,
                    col TEXT NOT NULL,
                    winner_stamp INTEGER NOT NULL,
                    winner_site BLOB NOT NULL,
                    winner_value BLOB NOT NULL,
                    winner_base_stamp INTEGER,
                    winner_base_site BLOB,
                    loser_stamp INTEGER NOT NULL,
                    loser_site BLOB NOT NULL,
                    loser_value BLOB NOT NULL,
                    loser_base_stamp INTEGER,
                    loser_base_site BLOB,
                    detected_at INTEGER NOT NULL,
                    resolved INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX fs_conflicts_by_resolved ON fs_conflicts(resolved, id);
                CREATE TABLE fs_peers(
                    site_id BLOB PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    township TEXT,
                    signing_key BLOB NOT NULL,
                    agreement_key BLOB NOT NULL,
                    enrolled_at INTEGER NOT NULL,
                    revoked_at INTEGER);
                -- What each peer said it holds; kept apart from fs_peers so that a vector
                -- can be recorded for a site before (or without) enrolling it.
                -- as_of: the created stamp of the bundle the vector came from (0 when set
                -- by hand), so that an older bundle arriving late cannot replace it.
                CREATE TABLE fs_known_vectors(
                    site_id BLOB PRIMARY KEY NOT NULL,
                    vector BLOB NOT NULL,
                    as_of INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE fs_imported_bundles(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    bundle_id BLOB NOT NULL UNIQUE,
                    peer BLOB NOT NULL,
                    created_stamp INTEGER NOT NULL,
                    at_millis INTEGER NOT NULL,
                    change_count INTEGER NOT NULL,
                    file_name TEXT NOT NULL);
                CREATE TABLE fs_exported_bundles(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    bundle_id BLOB NOT NULL UNIQUE,
                    peer BLOB NOT NULL,
                    created_stamp INTEGER NOT NULL,
                    at_millis INTEGER NOT NULL,
                    change_count INTEGER NOT NULL,
                    file_name TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2 scope feeds and conflict review") { db in
            try db.execute(sql: """
                -- Each township's feed (rules P1–P8 of the sync protocol): runs of log entries
                -- (one origin, consecutive sequences, one row) filed under the scope of the row
                -- they change, at a position from the replica's arrival counter. A hub's return
                -- bundle to a station carries the station's feed above the position the station
                -- acknowledged; a transfer files a case's whole history again, at new positions,
                -- under the receiving township. `scope` is a township code or '*' (county-wide);
                -- `case_id` the household, null for county-wide and addressed rows; `pinned` rows
                -- reach the township even after its case has moved away (the transfer itself).
                CREATE TABLE fs_feed(
                    scope TEXT NOT NULL,
                    pos INTEGER NOT NULL,
                    site_no INTEGER NOT NULL,
                    seq_lo INTEGER NOT NULL,
                    seq_hi INTEGER NOT NULL,
                    case_id TEXT,
                    pinned INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY(scope, pos)) WITHOUT ROWID;
                CREATE INDEX fs_feed_by_case ON fs_feed(case_id) WHERE case_id IS NOT NULL;
                -- Which township holds each case, kept when the household is deleted so that
                -- the rows hanging from it can still be placed.
                CREATE TABLE fs_case(
                    case_id TEXT PRIMARY KEY NOT NULL,
                    township TEXT NOT NULL) WITHOUT ROWID;
                -- Cases a station removed from its replica after a transfer away: a local
                -- write to one is refused naming the township it went to.
                CREATE TABLE fs_evicted(
                    case_id TEXT PRIMARY KEY NOT NULL,
                    township TEXT,
                    transfer_id TEXT,
                    at_millis INTEGER NOT NULL) WITHOUT ROWID;
                -- Conflict review: why a conflict was recorded, and who resolved it, when, how, why.
                ALTER TABLE fs_conflicts ADD COLUMN kind TEXT NOT NULL DEFAULT 'concurrent';
                ALTER TABLE fs_conflicts ADD COLUMN resolved_at INTEGER;
                ALTER TABLE fs_conflicts ADD COLUMN resolved_by TEXT;
                ALTER TABLE fs_conflicts ADD COLUMN resolution TEXT;
                ALTER TABLE fs_conflicts ADD COLUMN resolution_note TEXT;
                """)
        }
        migrator.registerMigration("v3 key registry and quarantine") { db in
            try db.execute(sql: """
                -- Every key a peer ever signed with, and what became of it (rules K1–K7 of the
                -- sync protocol): active, revoked (a lost laptop), or replaced (by the key of the
                -- laptop that continues its site, `replaced_by`). A key never leaves the table,
                -- so a revoked key cannot be enrolled again. Filled from fs_peers on upgrade.
                CREATE TABLE fs_keys(
                    signing_key BLOB PRIMARY KEY NOT NULL,
                    site_id BLOB NOT NULL,
                    agreement_key BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'replaced')),
                    added_at INTEGER NOT NULL,
                    status_changed_at INTEGER,
                    reason TEXT,
                    changed_by TEXT,
                    replaced_by BLOB) WITHOUT ROWID;
                CREATE INDEX fs_keys_by_site ON fs_keys(site_id);
                INSERT INTO fs_keys(signing_key, site_id, agreement_key, status, added_at, status_changed_at)
                    SELECT signing_key, site_id, agreement_key, CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END,
                           enrolled_at, revoked_at FROM fs_peers;
                -- Bundles signed by a key no longer trusted, kept for the operator to accept or
                -- reject (never merged silently, never dropped). `stored_path` is relative to the
                -- hub folder; one entry per bundle id however often the file is delivered.
                CREATE TABLE fs_quarantine(
                    id INTEGER PRIMARY KEY,
                    bundle_id BLOB NOT NULL UNIQUE,
                    file_name TEXT NOT NULL,
                    stored_path TEXT NOT NULL,
                    signer_site BLOB NOT NULL,
                    signer_key BLOB NOT NULL,
                    received_at INTEGER NOT NULL,
                    why TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'accepted', 'rejected')),
                    decided_at INTEGER,
                    decided_by TEXT,
                    note TEXT);
                """)
        }
        migrator.registerMigration("v4 case scopes instead of a case index on the feed") { db in
            try db.execute(sql: """
                -- The feed's index by case (one random B-tree insert per feed entry, the largest
                -- single cost of a hub's steady merge, issue 10) gives way to the scopes each case
                -- has entries under, recorded by the filer when it files a case's entry (about
                -- once per case and transaction); a case's entries are found by scanning those
                -- scopes' feeds along the primary key (a transfer, an eviction, a rebuild: rare).
                -- A pair is never removed while entries may remain; one without entries costs a
                -- scan, never a wrong answer.
                CREATE TABLE fs_case_scopes(
                    case_id TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    PRIMARY KEY(case_id, scope)) WITHOUT ROWID;
                INSERT INTO fs_case_scopes(case_id, scope) SELECT DISTINCT case_id, scope FROM fs_feed WHERE case_id IS NOT NULL;
                DROP INDEX fs_feed_by_case;
                -- Renamed so that a process of an earlier release still running while this one
                -- migrates the file (a `hub serve` left up during an upgrade), which knows nothing
                -- of fs_case_scopes, fails on its next feed write and writes nothing, instead of
                -- filing entries no transfer would find. (A trigger keeping the pairs for any
                -- writer did the same at a tenth of a bulk merge's time.)
                ALTER TABLE fs_feed RENAME TO fs_feed_entries;
                -- Pinned entries (a transfer's record under the township it left, P3) are few and
                -- are looked up by case on a station's write to a case held elsewhere (P5).
                CREATE INDEX fs_feed_pinned ON fs_feed_entries(case_id) WHERE pinned = 1;
                """)
        }
        migrator.registerMigration("v5 the change log by runs") { db in
            try db.execute(sql: """
                -- The log as runs of one origin's consecutive sequences (LogRun): a row per change
                -- was the largest single cost of a hub's merge (issue 10). `arrival` is the
                -- first change's; `records` holds each change's arrival step, record length and
                -- canonical record. Read by range scans of (origin, first sequence) only.
                CREATE TABLE fs_change_runs(
                    site_no INTEGER NOT NULL,
                    seq_lo INTEGER NOT NULL,
                    seq_hi INTEGER NOT NULL,
                    arrival INTEGER NOT NULL,
                    records BLOB NOT NULL,
                    PRIMARY KEY(site_no, seq_lo)) WITHOUT ROWID;
                """)
            // The existing entries, joined into runs where consecutive numbers were logged in
            // order. The old table is dropped, so that a process of an earlier release still
            // running fails on its next log write instead of writing where no one reads.
            var open: LegacyLogRun?
            let rows = try Row.fetchCursor(db, sql: "SELECT site_no, seq, arrival, record FROM fs_changes ORDER BY site_no, seq")
            while let row = try rows.next() {
                let siteNo: Int64 = row[0], sequence = UInt64(sql: row[1]), arrival: Int64 = row[2]
                let record = [UInt8](row[3] as Data)
                if open?.siteNo == siteNo, open!.append(sequence: sequence, arrival: arrival, record: record) { continue }
                try open?.insert(db)
                open = LegacyLogRun(siteNo: siteNo, sequence: sequence, arrival: arrival, record: record)
            }
            try open?.insert(db)
            try db.execute(sql: "DROP TABLE fs_changes")
        }
        migrator.registerMigration("v6 the merge state in the user row") { db in
            // A row's cells move into its user row (TableCatalog.cellsColumn): merging into a
            // row read and wrote two records, the user row and its fs_rows record, in two
            // B-trees (issue 10). A deleted row has no user row, so its tombstone gets a table
            // of its own. The user tables are every table the store did not create.
            let userTables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table'
                  AND name NOT LIKE 'fs\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'grdb_migrations'
                """)
            for name in userTables {
                let table = TableCatalog.quote(name), literal = TableCatalog.literal(name)
                try db.execute(sql: """
                    ALTER TABLE \(table) ADD COLUMN \(TableCatalog.cellsColumnDefinition);
                    UPDATE \(table) SET \(TableCatalog.cellsColumn) = r.cells
                      FROM fs_rows AS r WHERE r.tbl = \(literal) AND r.row_id = \(table)."id";
                    -- A deleted row's user row was removed with it (remove wins; only a damaged
                    -- file could still hold one), and cells without a user row (no release wrote
                    -- such; a damaged file might) are kept with null values rather than dropped.
                    DELETE FROM \(table) WHERE "id" IN (SELECT row_id FROM fs_rows WHERE tbl = \(literal) AND tomb_stamp IS NOT NULL);
                    INSERT INTO \(table)("id", \(TableCatalog.cellsColumn))
                      SELECT row_id, cells FROM fs_rows AS r WHERE r.tbl = \(literal) AND r.tomb_stamp IS NULL
                        AND length(r.cells) > 0 AND NOT EXISTS (SELECT 1 FROM \(table) AS t WHERE t."id" = r.row_id);
                    """)
            }
            try db.execute(sql: """
                CREATE TABLE fs_tombstones(
                    tbl TEXT NOT NULL,
                    row_id TEXT NOT NULL,
                    stamp INTEGER NOT NULL,
                    site_no INTEGER NOT NULL,
                    PRIMARY KEY(tbl, row_id)) WITHOUT ROWID;
                INSERT INTO fs_tombstones(tbl, row_id, stamp, site_no)
                    SELECT tbl, row_id, tomb_stamp, tomb_site_no FROM fs_rows WHERE tomb_stamp IS NOT NULL;
                -- Dropped, so that a process of an earlier release still running fails on its
                -- next merge instead of writing merge state where no one reads it.
                DROP TABLE fs_rows;
                """)
        }
        migrator.registerMigration("v7 a denser change log") { db in
            try db.execute(sql: """
                -- The log's runs with each change written against the one before it (LogRun):
                -- the origin once per run, the sequence implied, the stamp as a step, and the
                -- leading bytes of the record the previous change shares (the table; the row,
                -- cell after cell) left out. v5's runs kept each record whole, about 85 bytes
                -- a change; they were the largest part of what SQLite alone needs to write a
                -- merge's records (issue 10).
                CREATE TABLE fs_log_runs(
                    site_no INTEGER NOT NULL,
                    seq_lo INTEGER NOT NULL,
                    seq_hi INTEGER NOT NULL,
                    arrival INTEGER NOT NULL,
                    records BLOB NOT NULL,
                    PRIMARY KEY(site_no, seq_lo)) WITHOUT ROWID;
                """)
            // Every change again, joined into runs by the same rule as a merge's. The old
            // table is dropped, so that a process of an earlier release still running fails
            // on its next log write instead of writing where no one reads.
            var open: LogRun?
            try LegacyLogRun.forEachEntry(db) { siteNo, sequence, arrival, record in
                try record.withUnsafeBytes { bytes in
                    if open?.siteNo == siteNo, open!.append(sequence: sequence, arrival: arrival, record: bytes) { return }
                    if let open { try ChangeLog.insert(db, open) }
                    open = try LogRun(siteNo: siteNo, sequence: sequence, arrival: arrival, record: bytes)
                }
            }
            if let open { try ChangeLog.insert(db, open) }
            try db.execute(sql: "DROP TABLE fs_change_runs")
        }
        return migrator
    }
}
