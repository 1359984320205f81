import FieldSyncCore
@testable import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import GRDB
import XCTest

/// `hub merge` of many files commits once per batch (``Hub/batchSeconds``), and each file
/// is still merged on its own, all or nothing.
final class MergeBatchTests: SyncTestCase {
    /// Three station bundles and a damaged file in one folder: the three are merged, the
    /// damaged one is refused alone, and the hub commits once for all (without batches it
    /// committed at least twice per bundle: the import and its notes).
    func testAFolderOfBundlesCommitsOnceAndABadFileAmongThemIsRefusedAlone() throws {
        let (county, up) = try countyWithBundles(stations: 3)
        let names = try FileManager.default.contentsOfDirectory(atPath: up).sorted()
        try Data("not a bundle".utf8).write(to: URL(fileURLWithPath: up + "/" + names[1].replacingOccurrences(of: ".fsb", with: "-x.fsb")))
        let commits = CommitCounter()
        try county.hub.replica.writer.writeWithoutTransaction { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }

        let results = try county.hub.merge(paths: [up])

        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(results.filter { (try? $0.result.get()) != nil }.count, 3)
        let refused = try XCTUnwrap(results.first { (try? $0.result.get()) == nil })
        XCTAssertTrue(refused.file.hasSuffix("-x.fsb"))
        XCTAssertLessThanOrEqual(commits.count, 2, "one commit for the batch (two if it ran past \(Hub.batchSeconds) s)")
        for station in county.stations {
            XCTAssertEqual(try county.hub.replica.vector()[station.identity.site], try station.replica.vector()[station.identity.site])
        }
    }

    /// When the batch's commit fails (here a deferred foreign key on the hub's connection
    /// that only a commit checks), every bundle merged in it is reported not saved, nothing
    /// of them is kept, and the same files merge in full afterwards.
    func testWhenABatchCannotBeSavedEachOfItsBundlesIsReportedNotSavedAndMergesLater() throws {
        let (county, up) = try countyWithBundles(stations: 2)
        // A copy of one bundle beside it: "already imported" within the batch, and gone with it.
        let first = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: up).sorted().first)
        try FileManager.default.copyItem(atPath: up + "/" + first, toPath: up + "/" + first.replacingOccurrences(of: ".fsb", with: "-copy.fsb"))
        let before = try snapshot(county.hub.replica)
        let hub = county.hub.replica
        try hub.writer.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TEMP TABLE poison_parent(id INTEGER PRIMARY KEY);
                CREATE TEMP TABLE poison_child(parent INTEGER REFERENCES poison_parent(id) DEFERRABLE INITIALLY DEFERRED);
                CREATE TEMP TRIGGER poison AFTER INSERT ON main.fs_imported_bundles BEGIN INSERT INTO poison_child VALUES (1); END;
                """)
        }

        let failed = try county.hub.merge(paths: [up])

        XCTAssertEqual(failed.count, 3)
        for (file, result) in failed {
            guard case let .failure(error) = result, case let .notSaved(named, _) = error else { return XCTFail("\(file): \(result)") }
            XCTAssertEqual(named, (file as NSString).lastPathComponent)
            XCTAssertTrue(error.description.contains("merge the file again"), error.description)
            XCTAssertTrue(error.description.contains("未能保存"), error.description)
        }
        XCTAssertEqual(try snapshot(hub), before, "nothing of the batch was kept")

        try hub.writer.writeWithoutTransaction { db in try db.execute(sql: "DROP TRIGGER temp.poison") }
        let merged = try county.hub.merge(paths: [up])
        XCTAssertEqual(try merged.map { try $0.result.get().outcome }.filter { $0 == .applied }.count, 2)
        XCTAssertEqual(try merged.map { try $0.result.get().outcome }.filter { $0 == .alreadyImported }.count, 1, "the copy")
        for station in county.stations {
            XCTAssertEqual(try hub.vector()[station.identity.site], try station.replica.vector()[station.identity.site])
        }
    }

    /// SQLite rolls the whole transaction back in the middle of a batch (as on a full disk;
    /// here a trigger's `RAISE(ROLLBACK)` at the batch's second bundle): the batch ends
    /// there, its bundles are reported not saved, and the files after it are merged in a
    /// batch of their own instead of failing one after another.
    func testABatchThatSQLiteRollsBackEndsThereAndTheFilesAfterItMergeInANewOne() throws {
        let (county, up) = try countyWithBundles(stations: 3)
        let hub = county.hub.replica
        try hub.writer.writeWithoutTransaction { db in
            let held = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fs_imported_bundles")!
            try db.execute(sql: """
                CREATE TEMP TRIGGER abort AFTER INSERT ON main.fs_imported_bundles
                WHEN (SELECT COUNT(*) FROM main.fs_imported_bundles) = \(held + 2)
                BEGIN SELECT RAISE(ROLLBACK, 'the test rolls the transaction back'); END;
                """)
        }

        let results = try county.hub.merge(paths: [up])

        XCTAssertEqual(results.count, 3)
        for (file, result) in results.prefix(2) {
            guard case .failure(.notSaved) = result else { return XCTFail("\(file): \(result)") }
        }
        XCTAssertEqual(try results[2].result.get().outcome, .applied, "merged in a batch of its own")
        let last = county.stations.first { $0.identity.site == (try? results[2].result.get().header.sender) }!
        for station in county.stations {
            XCTAssertEqual(try hub.vector()[station.identity.site],
                           station === last ? try station.replica.vector()[station.identity.site] : 0)
        }

        try hub.writer.writeWithoutTransaction { db in try db.execute(sql: "DROP TRIGGER temp.abort") }
        let again = try county.hub.merge(paths: [up])
        XCTAssertEqual(try again.map { try $0.result.get().outcome }, [.applied, .applied, .alreadyImported])
    }

    /// With no time to share, each bundle commits on its own: a stick spread over several
    /// batches merges every file all the same.
    func testAStickSpreadOverSeveralBatchesMergesEveryFile() throws {
        let (county, up) = try countyWithBundles(stations: 3)
        let commits = CommitCounter()
        try county.hub.replica.writer.writeWithoutTransaction { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        let files = try BundleFiles.expand([up])
        let results = county.hub.merge(files: files, batchSeconds: 0, progress: nil)
        XCTAssertEqual(try results.map { try $0.result.get().outcome }, [.applied, .applied, .applied])
        XCTAssertEqual(commits.count, 3, "one batch, so one commit, per bundle")
        for station in county.stations {
            XCTAssertEqual(try county.hub.replica.vector()[station.identity.site], try station.replica.vector()[station.identity.site])
        }
    }

    /// A county whose stations each recorded two households and exported a bundle of
    /// them into the folder `up`.
    private func countyWithBundles(stations: Int) throws -> (County, up: String) {
        let county = try makeCounty(stations: stations)
        let up = folder.sub("up")
        try NodeFolder(up).create()
        for station in county.stations {
            try addHouseholds(station, count: 2)
            _ = try station.export(to: up + "/")
        }
        return (county, up)
    }

    /// Counts the commits of the connection it observes.
    private final class CommitCounter: TransactionObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var commits = 0
        var count: Int { lock.withLock { commits } }
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { lock.withLock { commits += 1 } }
        func databaseDidRollback(_ db: Database) {}
    }
}
