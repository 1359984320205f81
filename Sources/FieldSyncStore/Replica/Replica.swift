import Crypto
import FieldSyncCore
import Foundation
import GRDB

/// One replica of the case data: an SQLite file (WAL, through a GRDB `DatabasePool`) holding
/// the user tables of a ``Schema``, each row with its cell versions in a column of its own
/// (``TableCatalog/cellsColumn``), plus the store's own `fs_` tables (change log,
/// tombstones, vector, peers, bundles, conflicts).
///
/// The replica owns its invariants: nothing writes user tables except its methods, and
/// every write stamps its cells and appends to the change log in the same transaction.
///
/// Changes are captured by the API, not by SQLite triggers: a local write needs the
/// hybrid clock tick, the next origin sequence and, for reviewed columns, the base version,
/// all in one place; triggers could only see them through app-defined SQL functions, and
/// they would also fire for remote applies, capturing received changes a second time as
/// local ones.
///
/// ## Topics
/// - Opening: ``create(at:schema:siteID:name:role:wallClock:)``, ``open(at:schema:wallClock:)``, ``inMemory(schema:siteID:name:role:wallClock:)``
/// - Local writes: ``write(table:rowID:values:)``, ``delete(table:rowID:)``, ``row(table:rowID:)``
/// - Replication: ``vector()``, ``importChanges(_:)``, ``exportSnapshot(_:)``, ``digest()``
/// - Bookkeeping: ``peers()``, ``savePeer(_:)``, ``recordExport(_:)``, ``setting(_:)``
///
/// ```swift
/// let replica = try Replica.create(at: path, schema: schema, siteID: site, name: "鲁沙尔镇",
///                                  role: .station, wallClock: { UInt64(Date().timeIntervalSince1970 * 1000) })
/// try replica.write(table: "household", rowID: id, values: ["address": .text("…")])
/// ```
public final class Replica: Sendable {
    public let schema: Schema
    public let siteID: SiteID
    public let name: String
    public let role: ReplicaRole
    /// SHA-256 of ``Schema/canonicalDescription`` (32 bytes).
    public let schemaFingerprint: [UInt8]
    /// The schema version the file had when ``open(at:schema:wallClock:)`` upgraded it, or
    /// nil when it was already current (its backup is ``backupPath(of:version:)``).
    public let upgradedFromVersion: Int?

    /// The rules every local write of this replica is checked against before anything is
    /// stored (``guarded(by:)``): a station refuses locally what its hub would refuse at
    /// merge, so nothing it accepted can later make it unable to sync.
    public let writeAuthority: (any WriteAuthority)?

    /// Where rows belong (``ScopeDeclaration``) and, for a station, its township: when set,
    /// every logged change is filed into the township feeds, and a station's local writes
    /// are held to its own cases (``scoped(by:township:)``).
    public let scope: ReplicaScope?
    /// Which writes take precedence over which in every merge of this replica (rule M7,
    /// ``ranked(by:)``): nil for plain last-writer-wins. Held by the replica, like its
    /// write authority, so that local writes, imports and rebuilds all rank the same way.
    let precedence: CompiledPrecedence?

    let writer: any DatabaseWriter
    let catalog: Catalog
    let wallClock: @Sendable () -> UInt64
    /// The case cache one import leaves to the next (``CaseCacheSlot``).
    let caseCaches = CaseCacheSlot()
    /// The transaction ``inOneTransaction(_:)`` shares among writes, for every value of
    /// this replica over the same connection pool.
    let sharedTransaction: SharedTransaction

    private init(writer: any DatabaseWriter, schema: Schema, siteID: SiteID, name: String, role: ReplicaRole,
                 upgradedFromVersion: Int? = nil, writeAuthority: (any WriteAuthority)? = nil, scope: ReplicaScope? = nil,
                 precedence: CompiledPrecedence? = nil, sharedTransaction: SharedTransaction = SharedTransaction(),
                 wallClock: @escaping @Sendable () -> UInt64) {
        self.writer = writer
        self.sharedTransaction = sharedTransaction
        self.writeAuthority = writeAuthority
        self.scope = scope
        self.precedence = precedence
        self.schema = schema
        self.siteID = siteID
        self.name = name
        self.role = role
        self.schemaFingerprint = Self.fingerprint(schema)
        self.upgradedFromVersion = upgradedFromVersion
        self.catalog = Catalog(schema)
        self.wallClock = wallClock
    }

    /// The same replica (same file and connection pool), whose local writes are checked
    /// against `authority` as a replica of its role.
    public func guarded(by authority: any WriteAuthority) -> Replica {
        Replica(writer: writer, schema: schema, siteID: siteID, name: name, role: role,
                upgradedFromVersion: upgradedFromVersion, writeAuthority: authority, scope: scope, precedence: precedence,
                sharedTransaction: sharedTransaction, wallClock: wallClock)
    }

    /// The same replica, filing every change it logs into the township feeds by
    /// `declaration` (a hub serves each station its feed; a station finds a case's rows
    /// by it when the case is transferred away). With `township` (a station's), local
    /// writes are held to that township's cases (P4–P6). A log written before feeds
    /// existed (an upgraded file) is filed here, once.
    public func scoped(by declaration: any ScopeDeclaration, township: String?) throws(StoreError) -> Replica {
        let scoped = Replica(writer: writer, schema: schema, siteID: siteID, name: name, role: role,
                             upgradedFromVersion: upgradedFromVersion, writeAuthority: writeAuthority,
                             scope: ReplicaScope(declaration: declaration, township: township), precedence: precedence,
                             sharedTransaction: sharedTransaction, wallClock: wallClock)
        try scoped.fileUnfiledLog()
        return scoped
    }

    /// The same replica (same file and connection pool), whose merges rank writes by
    /// `precedence` (rule M7). Every replica of a schema must be given the same one, or
    /// replicas stop converging: the sync layer does it where it opens a replica.
    public func ranked(by precedence: any MergePrecedence) -> Replica {
        Replica(writer: writer, schema: schema, siteID: siteID, name: name, role: role,
                upgradedFromVersion: upgradedFromVersion, writeAuthority: writeAuthority, scope: scope,
                precedence: CompiledPrecedence(precedence, schema: schema),
                sharedTransaction: sharedTransaction, wallClock: wallClock)
    }

    /// The ranking of this replica's merges in the transaction of `db` (nil without a precedence).
    func mergeRanking(_ db: Database) throws -> MergeRanking? {
        try precedence.map { try MergeRanking($0, db) }
    }

    /// The SHA-256 of the schema's canonical description: what bundles carry to refuse another schema.
    public static func fingerprint(_ schema: Schema) -> [UInt8] {
        Array(SHA256.hash(data: Array(schema.canonicalDescription.utf8)))
    }

    /// Creates a new replica file; refuses if any file exists at `path`.
    public static func create(at path: String, schema: Schema, siteID: SiteID, name: String, role: ReplicaRole,
                              wallClock: @escaping @Sendable () -> UInt64) throws(StoreError) -> Replica {
        try ReplicaFile.createPrivate(at: path)
        let pool = try StoreError.catching { try filePool(at: path) }
        return try initialize(pool, schema: schema, siteID: siteID, name: name, role: role, wallClock: wallClock)
    }

    /// A replica in memory (a `DatabaseQueue`), for tests and previews.
    public static func inMemory(schema: Schema, siteID: SiteID, name: String, role: ReplicaRole,
                                wallClock: @escaping @Sendable () -> UInt64) throws(StoreError) -> Replica {
        let queue = try StoreError.catching { try DatabaseQueue(configuration: configuration) }
        return try initialize(queue, schema: schema, siteID: siteID, name: name, role: role, wallClock: wallClock)
    }

    /// Opens an existing replica file of `schema` or of one of its earlier versions
    /// (``Schema/earlier``), upgrading an older file in place.
    ///
    /// An older file is first copied next to itself as `<file>.v<N>.bak` (owner-only,
    /// through SQLite's `VACUUM INTO`, so a WAL database is copied whole), then upgraded in
    /// ONE transaction: the tables and columns each later version adds are created and the
    /// file's schema version and fingerprint are updated. If anything fails, the file is
    /// exactly as it was. A file of a newer version than `schema`, of a version this
    /// program never knew, or whose tables differ from the released version it names is
    /// refused, and the error says what to do.
    public static func open(at path: String, schema: Schema, wallClock: @escaping @Sendable () -> UInt64) throws(StoreError) -> Replica {
        guard FileManager.default.fileExists(atPath: path) else { throw .fileMissing(path: path) }
        return try StoreError.catching {
            let pool = try filePool(at: path)
            let migrator = ReplicaMigrations.migrator
            let isReplica = try pool.read { db in try db.tableExists("fs_replica") }
            guard isReplica else { throw StoreError.notAReplica(path: path) }
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) { throw StoreError.newerFileFormat(path: path) }
            let stored = try storedSchema(pool, path: path, expected: schema)
            let storeMigrationsPending = try pool.read { db in try !migrator.hasCompletedMigrations(db) }
            if stored.version < schema.version || storeMigrationsPending {
                try backUp(pool, to: backupPath(of: path, version: stored.version))
            }
            try migrator.migrate(pool)
            if stored.version < schema.version { try upgrade(pool, from: stored, to: schema) }
            let row = try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT site_id, name, role FROM fs_replica WHERE id = 1")
            }
            guard let row else { throw StoreError.notAReplica(path: path) }
            guard let site = SiteID(bytes: [UInt8](row[0] as Data)), let role = ReplicaRole(rawValue: row[2]) else {
                throw StoreError.corrupt(reason: "the replica's site id or role is malformed")
            }
            return Replica(writer: pool, schema: schema, siteID: site, name: row[1], role: role,
                           upgradedFromVersion: stored.version < schema.version ? stored.version : nil, wallClock: wallClock)
        }
    }

    /// SQLite's page cache of every replica connection, in KiB (see ``configuration``): the
    /// benchmark's SQLite peers open their databases with the same, so that they are
    /// measured with the pragmas the merge runs under.
    public static let pageCacheKiB = 32_768

    /// How many pages the WAL holds before a commit copies them back into the file (SQLite's
    /// `wal_autocheckpoint`; 16,384 pages of 4 KiB are 64 MiB). Why not the default: see
    /// ``configuration``.
    public static let walCheckpointPages = 16_384

    /// Where ``open(at:schema:wallClock:)`` keeps the copy of a file of schema `version`
    /// before upgrading it: `replica.sqlite.v2.bak`.
    public static func backupPath(of path: String, version: Int) -> String { "\(path).v\(version).bak" }

    /// The released version of `expected`'s family that the file holds, recognised by name,
    /// version and fingerprint; refuses anything else.
    private static func storedSchema(_ pool: DatabasePool, path: String, expected schema: Schema) throws -> Schema {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT schema_name, schema_version, schema_fingerprint FROM fs_replica WHERE id = 1")
        }
        guard let row else { throw StoreError.notAReplica(path: path) }
        let storedName: String = row[0], storedVersion: Int = row[1]
        if storedName == schema.name, storedVersion > schema.version {
            throw StoreError.newerSchema(path: path, fileVersion: storedVersion, programVersion: schema.version)
        }
        guard storedName == schema.name, let known = schema.at(version: storedVersion) else {
            throw StoreError.schemaMismatch(storedName: storedName, storedVersion: storedVersion,
                                            expectedName: schema.name, expectedVersion: schema.version)
        }
        guard [UInt8](row[2] as Data) == fingerprint(known) else {
            throw StoreError.schemaFingerprintMismatch(name: storedName, version: storedVersion)
        }
        return known
    }

    /// Copies the whole database (WAL included) to `backupPath`, readable by its owner only.
    /// The copy is written under a temporary name and renamed, so a crash never leaves half
    /// a backup under the real name.
    private static func backUp(_ pool: DatabasePool, to backupPath: String) throws {
        let files = FileManager.default
        let temporary = backupPath + ".partial"
        try? files.removeItem(atPath: temporary)
        // An empty file of mode 0600 first: SQLite keeps the mode of a file it writes into,
        // so the copy of personal data is never readable by others, not even for a moment.
        guard files.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.backupFailed(path: backupPath, reason: "the folder is not writable")
        }
        do {
            try pool.vacuum(into: temporary)
            if files.fileExists(atPath: backupPath) { try files.removeItem(atPath: backupPath) }
            try files.moveItem(atPath: temporary, toPath: backupPath)
        } catch {
            try? files.removeItem(atPath: temporary)
            throw StoreError.backupFailed(path: backupPath, reason: (error as? DatabaseError)?.message ?? "\(type(of: error))")
        }
    }

    /// Applies every named step from `stored` to `schema` in ONE transaction: each step's
    /// new tables and columns (steps only add), then the file's schema version and
    /// fingerprint. Existing rows keep their values; new columns are null in them.
    private static func upgrade(_ pool: DatabasePool, from stored: Schema, to schema: Schema) throws {
        try pool.write { db in
            // Another process may have upgraded the file since it was read: then there is
            // nothing left to do (the write lock makes this check and the steps one unit).
            let current = try Int.fetchOne(db, sql: "SELECT schema_version FROM fs_replica WHERE id = 1")
            guard current == stored.version else { return }
            for version in (stored.version + 1)...schema.version {
                guard let before = schema.at(version: version - 1), let after = schema.at(version: version) else {
                    throw StoreError.schemaMismatch(storedName: stored.name, storedVersion: stored.version,
                                                    expectedName: schema.name, expectedVersion: schema.version)
                }
                let step = after.additions(since: before)
                for table in step.tables { try db.execute(sql: TableCatalog(table).createSQL) }
                for (table, column) in step.columns { try db.execute(sql: TableCatalog.addColumnSQL(table: table, column: column)) }
            }
            try db.execute(sql: "UPDATE fs_replica SET schema_version = ?, schema_fingerprint = ? WHERE id = 1",
                           arguments: [schema.version, fingerprint(schema).data])
        }
    }

    /// The connections to a replica file (``configuration``), its writer syncing every commit
    /// to disk.
    ///
    /// Why `synchronous = FULL`: GRDB runs a WAL file with `NORMAL`, where a commit reaches the
    /// disk only at the next checkpoint or when the operating system writes it back. A
    /// laptop whose battery dies seconds after a caseworker saved, or a hub that loses power
    /// after writing a return bundle that acknowledges a merge, would lose that commit
    /// without a word. FULL costs one sync of the WAL per transaction: 0.2 ms for a small
    /// one on the development machine, 8 ms for a hub's merge of a 6,700-edit bundle. GRDB
    /// sets NORMAL after the writer opens, so it is set here, once the pool exists.
    private static func filePool(at path: String) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        return pool
    }

    private static var configuration: Configuration {
        var config = Configuration()
        config.label = "fieldsync.replica"
        // A hub merges hundreds of thousands of changes in one transaction; SQLite's default
        // page cache (2 MiB) would spill to the WAL and rewrite the same pages repeatedly.
        // The cache grows only as pages are used, so small stations pay nothing for it.
        // 32 MiB rather than 64: a 1M-change import merged as fast with either in
        // fieldsync-bench (the log is appended in key order and its pages are written once),
        // and its peak memory fell from 96 MB to 61 MB, well under the 100 MB budget.
        //
        // The WAL is copied back into the file once it holds 64 MiB, not SQLite's default 4:
        // a hub merges one transaction per station bundle, each writing pages spread over
        // the whole file, and a checkpoint after every one copied the same pages back again
        // and again. Measured (fieldsync-bench --workload steady, 150 bundles of 1,000,000
        // edits end to end): committing took 16.1 s with the default, 10.8 s with 64 MiB.
        // What it does not change: the migration's backup (`VACUUM INTO`) reads through the
        // WAL, the last connection to close checkpoints and removes the WAL, and every commit
        // is synced to the WAL when it is made (``filePool(at:)``).
        // The WAL file is cut back to the same 64 MiB after a checkpoint
        // (`journal_size_limit`), so a long `hub serve` does not keep a larger one for good.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(Replica.pageCacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Replica.walCheckpointPages)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Replica.walCheckpointPages * 4_096)")
        }
        // Two commands on one folder (two merges, a record during an export) take turns:
        // a writer waits for the other's transaction instead of failing at once.
        config.busyMode = .timeout(ReplicaFile.busyTimeout)
        return config
    }

    private static func initialize(_ writer: any DatabaseWriter, schema: Schema, siteID: SiteID, name: String, role: ReplicaRole,
                                   wallClock: @escaping @Sendable () -> UInt64) throws(StoreError) -> Replica {
        let replica = Replica(writer: writer, schema: schema, siteID: siteID, name: name, role: role, wallClock: wallClock)
        try StoreError.catching {
            try ReplicaMigrations.migrator.migrate(writer)
            try writer.write { db in
                try db.execute(sql: """
                    INSERT INTO fs_replica(id, site_id, name, role, schema_name, schema_version, schema_fingerprint)
                    VALUES (1, ?, ?, ?, ?, ?, ?)
                    """, arguments: [siteID.bytes.data, name, role.rawValue, schema.name, schema.version, replica.schemaFingerprint.data])
                try db.execute(sql: "INSERT INTO fs_sites(site_id) VALUES (?)", arguments: [siteID.bytes.data])
                for table in schema.tables { try db.execute(sql: replica.catalog.tables[table.name]!.createSQL) }
            }
        }
        return replica
    }

    /// Runs `body` in one write transaction, mapping errors to ``StoreError``; within
    /// ``inOneTransaction(_:)``, in a savepoint of the shared transaction, which a failure
    /// rolls back alone, as it would roll back a transaction of its own.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        if let db = sharedTransaction.database { return try StoreError.catching { try Self.inSavepoint(db, body) } }
        return try StoreError.catching { try writer.write(body) }
    }

    /// One write transaction whose filing starts from the case cache the last transaction
    /// left, when nothing wrote to the file since (``CaseCacheSlot``), and leaves its own to
    /// the next once committed. Imports and local transactions run here.
    func writeCarryingCases<T>(_ body: (Database, CaseCache) throws -> T) throws -> T {
        func carried(_ db: Database) throws -> (T, CaseCache, WriteMark) {
            let cases = try caseCaches.take(db)
            let result = try body(db, cases)
            return (result, cases, try WriteMark(db))
        }
        if let db = sharedTransaction.database {
            let (result, cases, mark) = try Self.inSavepoint(db, carried)
            // Kept before the shared transaction commits: the next write of the same
            // transaction sees what this one left. Dropped if the transaction rolls back.
            caseCaches.keep(cases, at: mark)
            sharedTransaction.noteKept(in: caseCaches)
            return result
        }
        let (result, cases, mark) = try writer.write(carried)
        caseCaches.keep(cases, at: mark)
        return result
    }

    /// ``write(_:)`` for a write that never touches a case's township or scopes (`fs_case`,
    /// `fs_case_scopes`): a setting. The case cache the last import left stays good across
    /// it (``CaseCacheSlot``), so a note written between two station bundles (a clock skew,
    /// the count of conflicts the stations were told of) does not make the next import read
    /// every case's township again.
    func writeOutsideCases<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        let (result, before, after) = try write { db in
            let before = try WriteMark(db)
            let result = try body(db)
            return (result, before, try WriteMark(db))
        }
        caseCaches.advance(from: before, to: after)
        return result
    }

    /// Runs `body` in one read (a snapshot for a file replica); within
    /// ``inOneTransaction(_:)``, on the shared transaction, so that it sees its writes.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        if let db = sharedTransaction.database { return try StoreError.catching { try body(db) } }
        return try StoreError.catching { try writer.read(body) }
    }

    /// Runs `body` so that every write it makes to this replica on this thread, through any
    /// value of the replica, shares one write transaction, committed once `body` returns.
    ///
    /// Each write is a savepoint: one that fails is rolled back alone, exactly as its own
    /// transaction would be, and the others stand. Reads see the transaction's writes.
    /// Nothing of it is durable, or visible to another connection, before the commit; if
    /// `body` throws or the commit fails, every write made in it is rolled back and the
    /// error is thrown. A caller that reports what was written must say so only after
    /// this returns. Called again inside `body`, it runs its body in the same transaction.
    ///
    /// Another thread's write waits for the commit, as for any write, so callers keep
    /// `body` short (``ReplicaFile/busyTimeout``).
    public func inOneTransaction<T>(_ body: () throws -> T) throws -> T {
        if sharedTransaction.database != nil { return try body() }
        do {
            return try writer.writeWithoutTransaction { db in
                var kept: [CaseCacheSlot] = []
                do {
                    var result: T?
                    try db.inTransaction(.immediate) {
                        result = try sharedTransaction.binding(db, keptIn: &kept, body)
                        return .commit
                    }
                    return result!
                } catch {
                    // Dropped while this thread still holds the writer, so no other write
                    // can start from a cache of writes that were rolled back.
                    for slot in kept { slot.drop() }
                    throw error
                }
            }
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
    }

    /// Whether this thread is inside ``inOneTransaction(_:)``.
    public var isInSharedTransaction: Bool { sharedTransaction.database != nil }

    /// Inside ``inOneTransaction(_:)``, whether SQLite has rolled the shared transaction
    /// back itself (disk full, an I/O error): nothing written in it will be kept, every
    /// later write in it fails, and its commit will throw. A caller merging one file after
    /// another ends the transaction there and starts a new one for the rest.
    public var isSharedTransactionLost: Bool { sharedTransaction.isLost }

    /// Runs `body` in a savepoint of the transaction open on `db`, returning its result.
    private static func inSavepoint<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body(db)
            return .commit
        }
        return result!
    }
}
