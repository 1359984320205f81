import FieldSyncCore
@testable import FieldSyncStore
import Foundation
import GRDB
import XCTest

/// ``Replica/inOneTransaction(_:)``: many writes, one commit, each write still all or
/// nothing on its own, and nothing of it kept unless the commit is.
final class SharedTransactionTests: XCTestCase {
    private struct Interrupted: Error {}

    private let clock = TestClock()

    private func fileReplica() throws -> (Replica, path: String) {
        let path = temporaryPath()
        let replica = try Replica.create(at: path, schema: TestSchema.schema, siteID: TestSchema.site(1), name: "hub", role: .hub,
                                         wallClock: clock.closure)
        return (replica, path)
    }

    /// Changes of another replica, numbered from 1, for imports.
    private func changes(_ count: Int, from n: UInt8 = 2, firstRow: Int = 0) throws -> [Change] {
        let source = try makeReplica(n, clock: clock)
        for i in firstRow..<(firstRow + count) { try source.write(table: "household", rowID: "h\(i)", values: ["address": .text("阳坡村 \(i)")]) }
        return try exportAll(source)
    }

    func testReadsInsideSeeTheTransactionsWritesAndAnotherConnectionSeesThemOnlyAfterTheCommit() throws {
        let (replica, path) = try fileReplica()
        let other = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        try replica.inOneTransaction {
            try replica.write(table: "household", rowID: "h1", values: ["address": .text("阳坡村")])
            try apply(try changes(2, firstRow: 100), to: replica)
            XCTAssertEqual(try replica.vector()[TestSchema.site(1)], 1)
            XCTAssertEqual(try replica.vector()[TestSchema.site(2)], 2)
            XCTAssertEqual(try exportAll(replica).count, 3, "an export inside reads the transaction too")
            XCTAssertEqual(try other.vector(), .empty, "nothing is visible to another connection before the commit")
            XCTAssertNil(try other.row(table: "household", rowID: "h1"))
        }
        XCTAssertEqual(try other.vector()[TestSchema.site(1)], 1)
        XCTAssertEqual(try other.vector()[TestSchema.site(2)], 2)
        XCTAssertEqual(try other.row(table: "household", rowID: "h1")?["address"], .text("阳坡村"))
    }

    /// A write that fails inside is rolled back alone, as its own transaction would be: the
    /// writes before and after it are committed.
    func testAWriteThatFailsInsideIsRolledBackAloneAndTheOthersAreKept() throws {
        let (replica, path) = try fileReplica()
        let (first, refused, last) = (try changes(2, from: 2), try changes(3, from: 3, firstRow: 10), try changes(1, from: 4, firstRow: 20))
        try replica.inOneTransaction {
            try apply(first, to: replica)
            XCTAssertThrowsError(try replica.importChanges { tx in
                try tx.apply(refused)
                throw Interrupted()
            }) { XCTAssertTrue($0 is Interrupted) }
            XCTAssertEqual(try replica.vector()[TestSchema.site(3)], 0, "rolled back at once, inside")
            try apply(last, to: replica)
        }
        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(try reopened.vector()[TestSchema.site(2)], 2)
        XCTAssertEqual(try reopened.vector()[TestSchema.site(3)], 0)
        XCTAssertEqual(try reopened.vector()[TestSchema.site(4)], 1)
        XCTAssertNil(try reopened.row(table: "household", rowID: "h10"))
        XCTAssertEqual(try exportAll(reopened).count, 3)
        // And the refused bundle merges later in full.
        XCTAssertEqual(try apply(refused, to: reopened).applied, 3)
    }

    func testWhenTheBodyThrowsNothingWrittenInItIsKept() throws {
        let (replica, _) = try fileReplica()
        let before = try replica.digest()
        XCTAssertThrowsError(try replica.inOneTransaction {
            try apply(try changes(3), to: replica)
            try replica.setSetting("note", "1")
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try replica.digest(), before)
        XCTAssertEqual(try replica.vector(), .empty)
        XCTAssertNil(try replica.setting("note"))
    }

    /// A commit that fails (here a deferred foreign key that only the commit checks, set up
    /// on the writer's connection) keeps nothing of the transaction and says so.
    func testACommitThatFailsKeepsNothingAndThrows() throws {
        let (replica, path) = try fileReplica()
        try poisonCommits(of: replica)
        XCTAssertThrowsError(try replica.inOneTransaction {
            try apply(try changes(2), to: replica)
            try replica.setSetting("note", "1")
        }) { error in
            guard case let .database(message, _)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("FOREIGN KEY"), message)
        }
        let reopened = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertEqual(try reopened.vector(), .empty)
        XCTAssertNil(try reopened.setting("note"))
    }

    /// The transaction is the opening thread's: another thread writing to the same replica
    /// meanwhile waits for the commit and writes in a transaction of its own, which stands
    /// when the shared one rolls back.
    func testAnotherThreadsWriteWaitsForTheSharedTransactionAndIsNotPartOfIt() throws {
        let (replica, _) = try fileReplica()
        let written = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        XCTAssertThrowsError(try replica.inOneTransaction {
            try replica.setSetting("inside", "1")
            Thread.detachNewThread {
                do { try replica.setSetting("beside", "1") } catch { outcome.set("\(error)") }
                written.signal()
            }
            XCTAssertEqual(written.wait(timeout: .now() + 0.5), .timedOut, "the other thread waits for the shared transaction")
            throw Interrupted()
        })
        XCTAssertEqual(written.wait(timeout: .now() + 10), .success)
        XCTAssertNil(outcome.value)
        XCTAssertNil(try replica.setting("inside"))
        XCTAssertEqual(try replica.setting("beside"), "1")
    }

    /// Called again inside (here through another value of the replica), it joins the
    /// transaction open on the thread instead of opening one of its own.
    func testACallInsideRunsInTheSameTransaction() throws {
        let (replica, path) = try fileReplica()
        let other = try Replica.open(at: path, schema: TestSchema.schema, wallClock: clock.closure)
        XCTAssertThrowsError(try replica.inOneTransaction {
            try replica.ranked(by: NoPrecedence()).inOneTransaction { try replica.setSetting("inner", "1") }
            XCTAssertNil(try other.setting("inner"), "the inner call did not commit")
            throw Interrupted()
        })
        XCTAssertNil(try replica.setting("inner"))
    }

    /// A temporary table with a deferred foreign key on the writer's connection, filled by
    /// every setting written, so that every commit after such a write fails.
    private func poisonCommits(of replica: Replica) throws {
        try replica.writer.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TEMP TABLE poison_parent(id INTEGER PRIMARY KEY);
                CREATE TEMP TABLE poison_child(parent INTEGER REFERENCES poison_parent(id) DEFERRABLE INITIALLY DEFERRED);
                CREATE TEMP TRIGGER poison AFTER INSERT ON main.fs_settings BEGIN INSERT INTO poison_child VALUES (1); END;
                """)
        }
    }

    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var text: String?
        func set(_ value: String) { lock.withLock { text = value } }
        var value: String? { lock.withLock { text } }
    }

    private struct NoPrecedence: MergePrecedence {
        func ranking(table: TableSchema, column: ColumnSchema) -> ColumnRanking? { nil }
    }
}
