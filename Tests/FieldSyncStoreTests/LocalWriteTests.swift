import FieldSyncCore
import FieldSyncStore
import XCTest

final class LocalWriteTests: XCTestCase {
    func testLocalWriteStampsCellsAndAppendsChangesInOneTransaction() throws {
        let clock = TestClock()
        let replica = try makeReplica(1, clock: clock)
        let changes = try replica.write(table: "household", rowID: "h1", values: ["address": .text("Lusha'er 3"), "monthly_income": .integer(1200)])
        XCTAssertEqual(changes.count, 2)
        XCTAssertEqual(changes.map(\.sequence), [1, 2])
        XCTAssertTrue(changes.allSatisfy { $0.origin == TestSchema.site(1) && $0.stamp.millis == clock.now })
        XCTAssertEqual(try replica.row(table: "household", rowID: "h1"),
                       ["id": .text("h1"), "address": .text("Lusha'er 3"), "monthly_income": .integer(1200)])
        XCTAssertEqual(try replica.vector(), VersionVector([TestSchema.site(1): 2]))
        XCTAssertEqual(try exportAll(replica), changes)
    }

    func testWritingAnEqualValueProducesNoChange() throws {
        let replica = try makeReplica(1)
        try replica.write(table: "household", rowID: "h1", values: ["address": .text("a"), "monthly_income": .integer(5)])
        XCTAssertEqual(try replica.write(table: "household", rowID: "h1", values: ["address": .text("a")]), [])
        let changes = try replica.write(table: "household", rowID: "h1", values: ["address": .text("a"), "monthly_income": .integer(6)])
        XCTAssertEqual(changes.map(\.column), ["monthly_income"])
        XCTAssertEqual(try replica.changeCount(since: .empty), 3)
    }

    func testReviewedColumnWriteCarriesTheCurrentVersionAsBase() throws {
        let clock = TestClock()
        let replica = try makeReplica(1, clock: clock)
        let first = try replica.write(table: "household", rowID: "h1", values: ["address": .text("a"), "monthly_income": .integer(5)])
        XCTAssertNil(first[1].base, "a first write has no base")
        clock.advance(10)
        let second = try replica.write(table: "household", rowID: "h1", values: ["address": .text("b"), "monthly_income": .integer(6)])
        XCTAssertNil(second[0].base, "last-writer-wins columns carry no base")
        XCTAssertEqual(second[1].base, first[1].version)
    }

    func testLocalStampsNeverGoBackwardsWhenTheWallClockDoes() throws {
        let clock = TestClock()
        let replica = try makeReplica(1, clock: clock)
        let a = try replica.write(table: "household", rowID: "h1", values: ["address": .text("a")])
        clock.now -= 60_000
        let b = try replica.write(table: "household", rowID: "h1", values: ["address": .text("b")])
        XCTAssertGreaterThan(b[0].stamp, a[0].stamp)
    }

    func testWritesAreValidatedAgainstTheSchemaWithoutNamingValues() throws {
        let replica = try makeReplica(1)
        XCTAssertThrowsError(try replica.write(table: "nope", rowID: "x", values: [:])) { XCTAssertEqual($0 as? StoreError, .unknownTable("nope")) }
        XCTAssertThrowsError(try replica.write(table: "household", rowID: "x", values: ["nope": .null])) {
            XCTAssertEqual($0 as? StoreError, .unknownColumn(table: "household", column: "nope"))
        }
        XCTAssertThrowsError(try replica.write(table: "household", rowID: "x", values: ["monthly_income": .text("SECRET-4521")])) {
            XCTAssertEqual($0 as? StoreError, .typeMismatch(table: "household", column: "monthly_income", expected: .integer))
            XCTAssertFalse("\($0)".contains("SECRET"))
        }
        XCTAssertEqual(try replica.changeCount(since: .empty), 0)
    }

    func testDeletedRowRefusesWritesAndSecondDelete() throws {
        let replica = try makeReplica(1)
        try replica.write(table: "household", rowID: "h1", values: ["address": .text("a")])
        let tombstone = try replica.delete(table: "household", rowID: "h1")
        XCTAssertEqual(tombstone.kind, .delete)
        XCTAssertNil(try replica.row(table: "household", rowID: "h1"))
        XCTAssertTrue(try replica.isDeleted(table: "household", rowID: "h1"))
        XCTAssertEqual(try replica.rowIDs(table: "household", limit: nil), [])
        XCTAssertThrowsError(try replica.write(table: "household", rowID: "h1", values: ["address": .text("b")])) {
            XCTAssertEqual($0 as? StoreError, .rowDeleted(table: "household", rowID: "h1"))
        }
        XCTAssertThrowsError(try replica.delete(table: "household", rowID: "h1")) {
            XCTAssertEqual($0 as? StoreError, .rowDeleted(table: "household", rowID: "h1"))
        }
        XCTAssertThrowsError(try replica.delete(table: "household", rowID: "unknown")) {
            XCTAssertEqual($0 as? StoreError, .rowNotFound(table: "household", rowID: "unknown"))
        }
    }

    func testAppendOnlyRowsCannotBeUpdatedOrDeleted() throws {
        let replica = try makeReplica(1)
        try replica.write(table: "visit", rowID: "v1", values: ["household_id": .text("h1"), "note": .text("ok")])
        XCTAssertThrowsError(try replica.write(table: "visit", rowID: "v1", values: ["note": .text("changed")])) {
            XCTAssertEqual($0 as? StoreError, .appendOnlyRowCannotChange(table: "visit", rowID: "v1"))
        }
        XCTAssertThrowsError(try replica.delete(table: "visit", rowID: "v1")) { XCTAssertEqual($0 as? StoreError, .appendOnlyDelete(table: "visit")) }
    }

    func testRowIDsAreSortedAndLimited() throws {
        let replica = try makeReplica(1)
        for id in ["c", "a", "b"] { try replica.write(table: "household", rowID: id, values: ["address": .text(id)]) }
        XCTAssertEqual(try replica.rowIDs(table: "household", limit: nil), ["a", "b", "c"])
        XCTAssertEqual(try replica.rowIDs(table: "household", limit: 2), ["a", "b"])
    }
}
