import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import GRDB
import XCTest

/// One replica file per released schema is kept under `PriorReplicas/` (as cr-sqlite keeps
/// `prior-dbs/`), so that a release that changes the store or the schema must still open
/// what stations have on their laptops: upgraded in place, every row kept, writable, and
/// able to sync. Schema version 2 is the first release. `PriorReplicas/README.md` says how
/// each file was made; a release that adds a schema version adds its file here.
final class PriorReplicaTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("PriorReplicas")
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples")

    /// A station replica written by a released version, and what it holds.
    struct Prior {
        let version: Int
        /// The digest its own release computes (``Replica/digest()`` under that version).
        let digest: String
        let households: Int
        let transfers: Int
        /// Whether the file was written before the store's last migration (its own `fs_`
        /// tables, "v4 case scopes instead of a case index on the feed"): opening it migrates
        /// it, so it is copied first.
        var predatesStoreMigration = true
        var file: String { "schema-v\(version)-station-630106100" }
    }

    /// Station 630106100 of `Samples/small-county` (seed 1) as schema version 2 wrote it;
    /// the same station of a 2-township county as version 3 wrote it, with a case transfer.
    static let priors = [
        Prior(version: 2, digest: "e7acb1f2708c0a93de4ac6bbc61fc5705a13e1f88ac4b3c3da83814e67b14449", households: 24, transfers: 0),
        Prior(version: 3, digest: "31178b99030cd437ee70567e2289063c3de4cfd7d03d8a98ab2c7e8be530714e", households: 8, transfers: 1),
        // Version 4 holds only its township's cases: the case it transferred away is gone, its
        // release and the notice about it are there.
        Prior(version: 4, digest: "430191947d159ea1f6a70365cc491d1f2f6662cad9907e30360addacb758a416", households: 3, transfers: 0),
        // Version 5 made the same way, with the audit events of its enrollment, the merge of
        // its bundle, the transfer and its import.
        Prior(version: 5, digest: "8714b9a8693fad766415ad305a05c3dc1d0752769f1b949464a1583c1e5864fd", households: 3, transfers: 0),
    ]

    func testEveryReleasedVersionHasAPriorReplica() {
        let released = (CaseworkSchema.schema.earlier + [CaseworkSchema.schema]).map(\.version)
        XCTAssertEqual(Self.priors.map(\.version), released, "add PriorReplicas/schema-vN-… for the new version (see README there)")
    }

    func testEveryPriorReplicaOpensUpgradedWithEveryRowKeptABackupAndStaysWritable() throws {
        TestLogging.bootstrap()
        try forEachPriorCopy { prior, temp, dir in
            let released = CaseworkSchema.version(prior.version)
            // What the release that wrote it sees.
            let (changes, owed): (Int, Int) = try {
                let old = try Station.open(at: dir, schema: released)
                XCTAssertEqual(try old.replica.digest(), prior.digest, "v\(prior.version)")
                return (try old.replica.changeCount(since: .empty), try old.status().changesOwed)
            }()

            let station = try Station.open(at: dir)
            XCTAssertEqual(station.replica.schema, CaseworkSchema.schema)
            let hub = try XCTUnwrap(station.hub(), "v\(prior.version)")
            XCTAssertEqual(try station.replica.key(hub.signingKey)?.status, .active, "v\(prior.version): the key registry holds the hub's key")
            XCTAssertEqual(station.replica.upgradedFromVersion, prior.version < CaseworkSchema.schema.version ? prior.version : nil)
            XCTAssertEqual(try station.replica.digest(as: released), prior.digest, "v\(prior.version): every row of its tables kept")
            XCTAssertEqual(try station.replica.changeCount(since: .empty), changes, "v\(prior.version)")
            XCTAssertEqual(try station.status().changesOwed, owed, "v\(prior.version)")
            XCTAssertEqual(try station.replica.rowIDs(table: "household", limit: nil).count, prior.households)
            XCTAssertEqual(try station.replica.rowIDs(table: "case_transfer", limit: nil).count, prior.transfers)

            let backup = Replica.backupPath(of: station.folder.replicaPath, version: prior.version)
            if prior.version < CaseworkSchema.schema.version || prior.predatesStoreMigration {
                let mode = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? NSNumber
                XCTAssertEqual(mode?.intValue, 0o600, "v\(prior.version): the backup holds personal data")
                let copy = try Replica.open(at: backup, schema: released, wallClock: SystemWallClock.now)
                XCTAssertEqual(try copy.digest(), prior.digest, "v\(prior.version): the backup is the file as it was")
                XCTAssertEqual(try copy.changeCount(since: .empty), changes)
            } else {
                XCTAssertFalse(FileManager.default.fileExists(atPath: backup), "nothing to upgrade, nothing copied")
            }

            try station.record(table: "household", values: ["township": .text("630106100"), "village": .text("阳坡村")])
            // A station may not write a case transfer (the hub's, A3), upgraded or not.
            XCTAssertThrowsError(try station.record(table: "case_transfer", values: ["household_id": .text("39e1d7f2-000001"),
                                                                                      "to_township": .text("630106101")]))
            XCTAssertEqual(try station.replica.changeCount(since: .empty), changes + 2, "two household cells")
            XCTAssertEqual(try station.status().changesOwed, owed + 2)
        }
    }

    /// The upgraded station syncs with a hub (the sample county's hub identity, its replica
    /// rebuilt empty as after a loss): the station sends its own changes again, all of them
    /// (a station never relays another's, A1), and both then hold the same data of it.
    func testEveryPriorReplicaConvergesWithAHubAfterUpgrading() throws {
        TestLogging.bootstrap()
        try forEachPriorCopy { prior, temp, dir in
            let station = try Station.open(at: dir)
            let hubIdentity = try NodeIdentity.load(from: Self.samples.appendingPathComponent("small-county/hub/identity.json").path)
            XCTAssertEqual(try station.hub()?.signingKey, hubIdentity.signingKey.publicKey.rawRepresentation, "the station's own hub")
            let hub = try Hub.initialize(at: temp.sub("hub"), name: hubIdentity.name, identity: hubIdentity)
            // The station's enrollment is restored as the lost hub recorded it, not enrolled anew:
            // an enrollment writes the hub's audit event, numbered before the rebuilt hub has
            // learned from the station how far its lost replica numbered (its first merge does).
            let request = EnrollmentRequest.make(for: station.identity, atMillis: SystemWallClock.now()).0
            try hub.replica.savePeer(Peer(site: request.site, name: request.name, role: request.role, township: request.township,
                                          signingKey: request.signingKey.rawRepresentation,
                                          agreementKey: request.agreementKey.rawRepresentation,
                                          enrolledAtMillis: SystemWallClock.now(), revokedAtMillis: nil, knownVector: .empty))
            // The rebuilt hub reports that it holds nothing; the station owes it everything again.
            try station.importBundle(at: try hub.returnBundle(for: try XCTUnwrap(hub.stations().first), to: temp.sub("r1.fsb")).path)
            let up = try station.export(to: temp.sub("u1.fsb"))
            XCTAssertEqual(up.header.schemaVersion, CaseworkSchema.schema.version)
            XCTAssertEqual(try hub.merge(bundleAt: up.path).report.duplicate, 0)
            try station.importBundle(at: try hub.returnBundle(for: try XCTUnwrap(hub.stations().first), to: temp.sub("r2.fsb")).path)
            let site = station.identity.site
            XCTAssertEqual(try hub.replica.vector()[site], try station.replica.vector()[site], "v\(prior.version)")
            XCTAssertEqual(try station.status().changesOwed, 0)
            for id in try station.replica.rowIDs(table: "household", limit: nil) where id.hasPrefix(site.short) {
                XCTAssertEqual(try hub.replica.row(table: "household", rowID: id), try station.replica.row(table: "household", rowID: id))
            }
            XCTAssertEqual(try hub.schema(of: station.identity.site), CaseworkSchema.schema)
        }
    }

    /// The store's v4 migration replaces the feed's index by case with `fs_case_scopes`: every
    /// (case, scope) pair of the feed as the earlier release left it is there afterwards, the
    /// old index is gone, and the feed is renamed, so that a process of the earlier release
    /// still running across the upgrade (a `hub serve` left up), which knows nothing of the
    /// pairs, fails on its next feed write instead of filing entries no transfer would find.
    func testTheCaseScopesHoldEveryCaseOfTheFeedAfterTheUpgradeAndAnEarlierReleasesFeedWriteFails() throws {
        TestLogging.bootstrap()
        try forEachPriorCopy(from: 4) { prior, temp, dir in
            let path = NodeFolder(dir).replicaPath
            let pairs = "SELECT DISTINCT case_id || ' ' || scope FROM %@ WHERE case_id IS NOT NULL ORDER BY 1"
            let before = try DatabaseQueue(path: path).read { db in
                (try String.fetchAll(db, sql: pairs.replacingOccurrences(of: "%@", with: "fs_feed")),
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fs_feed")!)
            }
            XCTAssertFalse(before.0.isEmpty, "v\(prior.version)")
            _ = try Station.open(at: dir)
            let raw = try DatabaseQueue(path: path)
            try raw.read { db in
                XCTAssertEqual(try String.fetchAll(db, sql: "SELECT case_id || ' ' || scope FROM fs_case_scopes ORDER BY 1"), before.0,
                               "v\(prior.version)")
                XCTAssertEqual(try String.fetchAll(db, sql: pairs.replacingOccurrences(of: "%@", with: "fs_feed_entries")), before.0)
                XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fs_feed_entries"), before.1, "every entry kept")
                XCTAssertEqual(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'fs_feed_entries' AND type = 'index' AND sql IS NOT NULL"),
                               ["fs_feed_pinned"], "v\(prior.version): the case index is gone")
            }
            // The earlier release's feed insert, as it wrote it, is refused and writes nothing.
            assertEarlierReleasesWriteFails(raw, missing: "fs_feed",
                                            "INSERT INTO fs_feed(scope, pos, site_no, seq_lo, seq_hi, case_id, pinned) VALUES ('630106101', 999999, 1, 1, 1, 'x', 0)")
        }
    }

    /// The store's log is rewritten twice on the way from these files: into runs (v5) and
    /// into runs whose changes are written against the one before (v7). Every change the
    /// file held comes back under its origin and number with its record byte for byte, and
    /// both earlier tables are gone, so that a process of an earlier release still running
    /// across the upgrade fails on its next log write instead of logging where no one reads.
    func testEveryLoggedChangeComesBackByteForByteAndAnEarlierReleasesLogWriteFails() throws {
        TestLogging.bootstrap()
        try forEachPriorCopy { prior, temp, dir in
            let path = NodeFolder(dir).replicaPath
            let logged = try DatabaseQueue(path: path).read { db in
                try Row.fetchAll(db, sql: "SELECT s.site_id, c.seq, c.record FROM fs_changes c JOIN fs_sites s USING (site_no) ORDER BY c.arrival")
                    .map { (origin: SiteID(bytes: [UInt8]($0[0] as Data))!, sequence: UInt64(bitPattern: $0[1] as Int64), record: [UInt8]($0[2] as Data)) }
            }
            XCTAssertFalse(logged.isEmpty, "v\(prior.version)")
            // The store alone, so that nothing a station does on opening (releasing cases it
            // no longer holds) removes entries.
            let replica = try Replica.open(at: path, schema: CaseworkSchema.schema, wallClock: SystemWallClock.now)
            for (origin, changes) in Dictionary(grouping: logged, by: \.origin) {
                let held = try replica.loggedChanges(origin: origin, in: 1...UInt64(Int64.max))
                XCTAssertEqual(held.count, changes.count, "v\(prior.version)")
                for change in changes {
                    var writer = ByteWriter(capacity: 128)
                    held[change.sequence]?.encode(into: &writer)
                    XCTAssertEqual(writer.bytes, change.record, "v\(prior.version): \(origin) #\(change.sequence)")
                }
            }
            let raw = try DatabaseQueue(path: path)
            XCTAssertEqual(try raw.read { db in try Int.fetchOne(db, sql: "SELECT SUM(seq_hi - seq_lo + 1) FROM fs_log_runs") }, logged.count)
            assertEarlierReleasesWriteFails(raw, missing: "fs_change_runs",
                                            "INSERT INTO fs_change_runs(site_no, seq_lo, seq_hi, arrival, records) VALUES (1, 999999, 999999, 1, x'00')")
            assertEarlierReleasesWriteFails(raw, missing: "fs_changes", "INSERT INTO fs_changes(site_no, seq, arrival, record) VALUES (1, 999999, 1, x'00')")
        }
    }

    /// The store's v6 migration moves each row's merge state (its cells) from `fs_rows` into
    /// the user row and each tombstone into `fs_tombstones`: every row's cells are there
    /// byte for byte afterwards, a row the earlier release deleted stays deleted (its delete
    /// written here as that release's merge wrote one), and `fs_rows` is gone, so that a
    /// process of the earlier release still running across the upgrade fails on its next
    /// merge instead of writing merge state no one reads.
    func testTheMergeStateMovesIntoTheUserRowsTombstonesKeptAndAnEarlierReleasesMergeWriteFails() throws {
        TestLogging.bootstrap()
        try forEachPriorCopy { prior, temp, dir in
            let path = NodeFolder(dir).replicaPath
            let (cells, deleted, tomb) = try DatabaseQueue(path: path).write { db in
                let deleted = try XCTUnwrap(try String.fetchOne(db, sql: "SELECT id FROM household ORDER BY id LIMIT 1"))
                let tomb: (stamp: Int64, siteNo: Int64) = (Int64(1) << 40, try XCTUnwrap(try Int64.fetchOne(db, sql: "SELECT MIN(site_no) FROM fs_sites")))
                try db.execute(sql: "DELETE FROM household WHERE id = ?", arguments: [deleted])
                try db.execute(sql: "UPDATE fs_rows SET cells = x'', tomb_stamp = ?, tomb_site_no = ? WHERE tbl = 'household' AND row_id = ?",
                               arguments: [tomb.stamp, tomb.siteNo, deleted])
                let cells = try Row.fetchAll(db, sql: "SELECT tbl, row_id, cells FROM fs_rows WHERE tomb_stamp IS NULL ORDER BY tbl, row_id")
                    .map { (table: $0[0] as String, rowID: $0[1] as String, cells: $0[2] as Data) }
                return (cells, deleted, tomb)
            }
            XCTAssertFalse(cells.isEmpty, "v\(prior.version)")
            let station = try Station.open(at: dir)
            XCTAssertTrue(try station.replica.isDeleted(table: "household", rowID: deleted), "v\(prior.version)")
            XCTAssertNil(try station.replica.row(table: "household", rowID: deleted))
            let raw = try DatabaseQueue(path: path)
            try raw.read { db in
                for row in cells {
                    XCTAssertEqual(try Data.fetchOne(db, sql: "SELECT fs_cells FROM \(row.table) WHERE id = ?", arguments: [row.rowID]), row.cells,
                                   "v\(prior.version): \(row.table) \(row.rowID)")
                }
                XCTAssertEqual(try String.fetchAll(db, sql: "SELECT tbl || ' ' || row_id || ' ' || stamp || ' ' || site_no FROM fs_tombstones"),
                               ["household \(deleted) \(tomb.stamp) \(tomb.siteNo)"], "v\(prior.version)")
            }
            // The merge state as the earlier release wrote it is refused and writes nothing.
            assertEarlierReleasesWriteFails(raw, missing: "fs_rows", "INSERT INTO fs_rows(tbl, row_id, cells) VALUES ('household', 'x', x'')")
            // A later edit of a migrated row (one of the station's own township) merges into its cells.
            let household = try XCTUnwrap(try cells.first {
                guard $0.table == "household", $0.rowID != deleted else { return false }
                return try station.replica.row(table: "household", rowID: $0.rowID)?["township"] == .text("630106100")
            })
            try station.record(table: "household", id: household.rowID, values: ["village": .text("阴坡村")])
            XCTAssertEqual(try station.replica.row(table: "household", rowID: household.rowID)?["village"], .text("阴坡村"))
            let after = try raw.read { db in try Data.fetchOne(db, sql: "SELECT fs_cells FROM household WHERE id = ?", arguments: [household.rowID]) }
            XCTAssertNotEqual(after, household.cells, "v\(prior.version): the edit's version is in the row's cells")
        }
    }

    /// The files of versions 4 and 5 released case 39e1d7f2-000001 (transferred away) and
    /// keep their own log entries of it, found through the feed by case. After the store's
    /// v4 migration (the feed's case index replaced by the scopes each case was filed under)
    /// a rebuild of the rows from the log (a restored copy's or a clock's repair) must still
    /// find the released case's rows and let them go again, and change nothing else.
    func testAReleasedCaseOfAnUpgradedReplicaStaysReleasedWhenItsRowsAreRebuiltFromTheLog() throws {
        TestLogging.bootstrap()
        try forEachPriorCopy(from: 4) { prior, temp, dir in
            let station = try Station.open(at: dir)
            let released = "39e1d7f2-000001"
            XCTAssertEqual(try station.replica.evictedTo(household: released), "630106101", "v\(prior.version)")
            let before = try station.replica.digest()
            let members = try station.replica.rowIDs(table: "member", limit: nil)
            // Every own change rewritten as it was: the rows are rebuilt from the whole log.
            try station.replica.rewriteOwnChanges(after: 0) { $0 }
            XCTAssertNil(try station.replica.row(table: "household", rowID: released), "v\(prior.version)")
            XCTAssertEqual(try station.replica.rowIDs(table: "member", limit: nil), members, "v\(prior.version): no member of it came back")
            XCTAssertEqual(try station.replica.digest(), before, "v\(prior.version)")
        }
    }

    /// A bundle the first release wrote (station 630106100's first bundle of
    /// `Samples/small-county` as schema version 2 made it) merges into a hub of this release.
    func testBundleWrittenByTheFirstReleaseMergesIntoAHubOfTheCurrentRelease() throws {
        TestLogging.bootstrap()
        let temp = TemporaryFolder("fieldsync-prior")
        defer { temp.cleanUp() }
        let hubIdentity = try NodeIdentity.load(from: Self.samples.appendingPathComponent("small-county/hub/identity.json").path)
        let stationIdentity = try NodeIdentity.load(from: Self.folder.appendingPathComponent("schema-v2-station-630106100.identity.json").path)
        let hub = try Hub.initialize(at: temp.sub("hub"), name: hubIdentity.name, identity: hubIdentity)
        try hub.enroll(EnrollmentRequest.make(for: stationIdentity, atMillis: SystemWallClock.now()).0, out: temp.sub("enrollment.json"))
        let result = try hub.merge(bundleAt: Self.folder.appendingPathComponent("schema-v2-bundle-630106100-to-hub-0001.fsb").path)
        XCTAssertEqual(result.header.schemaVersion, 2)
        XCTAssertEqual(result.header.schemaFingerprint, Replica.fingerprint(CaseworkSchema.version(2)))
        XCTAssertEqual(result.report.applied + result.report.stale, result.header.totalChanges)
        XCTAssertGreaterThan(result.report.applied, 0)
        // A station a scoping hub enrolls is held to scoping (V7): its return bundles are of the
        // first scoped version, which tells a first-release laptop to upgrade.
        XCTAssertEqual(try hub.schema(of: stationIdentity.site).version, Scoping.firstScopedVersion)
    }

    /// A write of the earlier release, as it wrote it, fails on the table a migration
    /// renamed or dropped (`missing`): a process of that release left running across the
    /// upgrade writes nothing instead of writing where no one reads.
    private func assertEarlierReleasesWriteFails(_ raw: DatabaseQueue, missing table: String, _ sql: String,
                                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try raw.write { db in try db.execute(sql: sql) }, file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains("no such table: \(table)"), "\(error)", file: file, line: line)
        }
    }

    /// Runs `body` once for each prior replica from schema version `version` on, with a
    /// copy of its station folder (`dir`) in a temporary folder (`temp`) removed afterwards.
    private func forEachPriorCopy(from version: Int = 2, _ body: (Prior, TemporaryFolder, String) throws -> Void) throws {
        for prior in Self.priors where prior.version >= version {
            let temp = TemporaryFolder("fieldsync-prior")
            defer { temp.cleanUp() }
            let dir = temp.sub("station")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let node = NodeFolder(dir)
            try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("\(prior.file).sqlite"), to: URL(fileURLWithPath: node.replicaPath))
            try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("\(prior.file).identity.json"),
                                             to: URL(fileURLWithPath: node.identityPath))
            try body(prior, temp, dir)
        }
    }
}
