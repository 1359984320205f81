import FieldSyncCore
import FieldSyncStore
import XCTest

/// Rule M7 (precedence) and the edits lost to a delete, on a small schema with a
/// precedence of its own: a case's `status` only moves forward (open < working < settled)
/// and the county hub's write of it comes first; its `amount` is the county's first, with
/// no order; its `label` is reviewed and plain last-writer-wins.
final class PrecedenceTests: XCTestCase {
    static let schema = Schema(name: "fieldsync.precedence", version: 1, tables: [
        TableSchema(name: "case", columns: [
            ColumnSchema("status", .text, policy: .reviewed),
            ColumnSchema("amount", .integer, policy: .reviewed),
            ColumnSchema("label", .text, policy: .reviewed),
        ]),
    ])

    struct CasePrecedence: MergePrecedence {
        func ranking(table: TableSchema, column: ColumnSchema) -> ColumnRanking? {
            switch column.name {
            case "status": ColumnRanking(countyFirst: true, order: [[.text("open")], [.text("working")], [.text("settled")]])
            case "amount": ColumnRanking(countyFirst: true)
            default: nil
            }
        }
    }

    let hub = TestSchema.site(9)
    let stationA = TestSchema.site(1)
    let stationB = TestSchema.site(2)
    let clock = TestClock()

    func stamp(_ offset: UInt64) -> HybridTimestamp { HybridTimestamp(millis: 1_800_000_000_000 - 100_000 + offset, counter: 0) }
    func version(_ offset: UInt64, _ site: SiteID) -> CellVersion { CellVersion(stamp: stamp(offset), site: site) }

    /// A replica of the test schema ranked by ``CasePrecedence``; a station knows the hub as its peer.
    func replica(_ site: SiteID, role: ReplicaRole) throws -> Replica {
        let replica = try Replica.inMemory(schema: Self.schema, siteID: site, name: "replica", role: role, wallClock: clock.closure)
            .ranked(by: CasePrecedence())
        if role == .station {
            try replica.savePeer(Peer(site: hub, name: "hub", role: .hub, signingKey: Array(repeating: 1, count: 32),
                                      agreementKey: Array(repeating: 2, count: 32), enrolledAtMillis: 0))
        }
        return replica
    }

    func set(_ column: String, _ value: Value, at offset: UInt64, by site: SiteID, seq: UInt64, base: CellVersion? = nil) -> Change {
        .set("case", "c1", column, value, stamp: stamp(offset), origin: site, sequence: seq, base: base)
    }

    /// Station A opens the case (t1) and settles it (t10); station B, which saw only
    /// "open", moves it to "working" at t20.
    var staleReopening: (settle: [Change], stale: [Change]) {
        let open = set("status", .text("open"), at: 1, by: stationA, seq: 1)
        let settle = set("status", .text("settled"), at: 10, by: stationA, seq: 2, base: version(1, stationA))
        let stale = set("status", .text("working"), at: 20, by: stationB, seq: 1, base: version(1, stationA))
        return ([open, settle], [stale])
    }

    func testStaleEditOfASettledStatusIsOverruledInBothArrivalOrders() throws {
        let (settle, stale) = staleReopening
        var digests: Set<String> = []
        for order in [settle + stale, stale + settle] {
            let receiver = try replica(hub, role: .hub)
            for change in order { try apply([change], to: receiver) }
            XCTAssertEqual(try receiver.row(table: "case", rowID: "c1")?["status"], .text("settled"))
            let conflicts = try receiver.conflicts(includeResolved: false)
            XCTAssertEqual(conflicts.map(\.kind), [.overruled])
            XCTAssertEqual(conflicts.first?.winner.value, .text("settled"))
            XCTAssertEqual(conflicts.first?.loser.value, .text("working"))
            XCTAssertEqual(conflicts.first?.loser.version, version(20, stationB))
            digests.insert(try receiver.digest())
        }
        XCTAssertEqual(digests.count, 1)
    }

    func testForwardMovesFromDifferentStationsAreNotConflicts() throws {
        let receiver = try replica(hub, role: .hub)
        try apply([set("status", .text("open"), at: 1, by: stationA, seq: 1),
                   set("status", .text("working"), at: 5, by: stationB, seq: 1, base: version(1, stationA)),
                   set("status", .text("settled"), at: 9, by: stationA, seq: 2, base: version(5, stationB))], to: receiver)
        XCTAssertEqual(try receiver.row(table: "case", rowID: "c1")?["status"], .text("settled"))
        XCTAssertEqual(try receiver.conflicts(includeResolved: false), [])
    }

    /// The hub sets the amount at t10; a station that had not seen it sets another at
    /// t20. The hub's value holds on the hub and on a station, in both arrival orders.
    func testHubWriteTakesPrecedenceOverALaterStationWriteOnEveryReplica() throws {
        let county = set("amount", .integer(800), at: 10, by: hub, seq: 1)
        let township = set("amount", .integer(650), at: 20, by: stationA, seq: 1)
        for (site, role) in [(hub, ReplicaRole.hub), (stationB, .station)] {
            for order in [[county, township], [township, county]] {
                let receiver = try replica(site, role: role)
                for change in order { try apply([change], to: receiver) }
                XCTAssertEqual(try receiver.row(table: "case", rowID: "c1")?["amount"], .integer(800))
                XCTAssertEqual(try receiver.conflicts(includeResolved: false).map(\.kind), [.overruled])
            }
        }
    }

    func testAStationNotKnownAsHubGetsNoPrecedence() throws {
        let receiver = try replica(hub, role: .hub)
        try apply([set("amount", .integer(800), at: 10, by: stationB, seq: 1),
                   set("amount", .integer(650), at: 20, by: stationA, seq: 1)], to: receiver)
        XCTAssertEqual(try receiver.row(table: "case", rowID: "c1")?["amount"], .integer(650))
        XCTAssertEqual(try receiver.conflicts(includeResolved: false).map(\.kind), [.concurrent])
    }

    func testLocalWriteThatWouldMoveAStatusBackIsRefused() throws {
        let station = try replica(stationA, role: .station)
        try station.write(table: "case", rowID: "c1", values: ["status": .text("settled")])
        XCTAssertThrowsError(try station.write(table: "case", rowID: "c1", values: ["status": .text("working")])) { error in
            guard case let StoreError.unauthorized(violation) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(violation.rule, "M7 status order")
            XCTAssertEqual(violation.field, "case.status")
        }
        XCTAssertEqual(try station.row(table: "case", rowID: "c1")?["status"], .text("settled"))
        XCTAssertEqual(try station.changeCount(since: .empty), 1)
    }

    func testStationLocalWriteOverAHubValueIsRefused() throws {
        let station = try replica(stationA, role: .station)
        try apply([set("amount", .integer(800), at: 10, by: hub, seq: 1)], to: station)
        XCTAssertThrowsError(try station.write(table: "case", rowID: "c1", values: ["amount": .integer(650)])) { error in
            guard case let StoreError.unauthorized(violation) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(violation.rule, "M7 county precedence")
        }
        try station.write(table: "case", rowID: "c1", values: ["label": .text("ok")])
        XCTAssertEqual(try station.row(table: "case", rowID: "c1")?["amount"], .integer(800))
    }

    /// Station A creates the case; station B deletes it at t10; A, not having seen the
    /// delete, edits the reviewed label at t20.
    func testEditOfAReviewedCellLostToADeleteIsRecordedInBothArrivalOrders() throws {
        let create = set("label", .text("first"), at: 1, by: stationA, seq: 1)
        let delete = Change.delete("case", "c1", stamp: stamp(10), origin: stationB, sequence: 1)
        let edit = set("label", .text("second"), at: 20, by: stationA, seq: 2, base: version(1, stationA))
        for order in [[create, edit, delete], [create, delete, edit]] {
            let receiver = try replica(hub, role: .hub)
            for change in order { try apply([change], to: receiver) }
            XCTAssertTrue(try receiver.isDeleted(table: "case", rowID: "c1"))
            let conflicts = try receiver.conflicts(includeResolved: false)
            XCTAssertEqual(conflicts.map(\.kind), [.lostToDelete])
            XCTAssertEqual(conflicts.first?.column, "label")
            XCTAssertEqual(conflicts.first?.winner, CellState(version: version(10, stationB), value: .null))
            XCTAssertEqual(conflicts.first?.loser.value, .text("second"))
            XCTAssertEqual(conflicts.first?.loser.version, version(20, stationA))
        }
    }

    func testEditMadeBeforeTheDeleteIsNotRecorded() throws {
        let create = set("label", .text("first"), at: 1, by: stationA, seq: 1)
        let edit = set("label", .text("second"), at: 5, by: stationA, seq: 2, base: version(1, stationA))
        let delete = Change.delete("case", "c1", stamp: stamp(10), origin: stationB, sequence: 1)
        for order in [[create, edit, delete], [create, delete, edit]] {
            let receiver = try replica(hub, role: .hub)
            for change in order { try apply([change], to: receiver) }
            XCTAssertEqual(try receiver.conflicts(includeResolved: false), [])
        }
    }

    /// A station's own stale edit (now) and station B's settled status (t10): the rebuild of
    /// a clock repair reads the log in (origin, sequence) order, own changes first, and
    /// must rank them as the import did.
    func testRebuildFromTheLogRanksLikeTheMerge() throws {
        let station = try replica(stationA, role: .station)
        try apply([set("status", .text("open"), at: 1, by: stationB, seq: 1)], to: station)
        try station.write(table: "case", rowID: "c1", values: ["status": .text("working")])
        try apply([set("status", .text("settled"), at: 10, by: stationB, seq: 2, base: version(1, stationB))], to: station)
        XCTAssertEqual(try station.row(table: "case", rowID: "c1")?["status"], .text("settled"))
        let digest = try station.digest()
        try station.rewriteOwnChanges(after: 0) { $0 }
        XCTAssertEqual(try station.digest(), digest)
        XCTAssertEqual(try station.row(table: "case", rowID: "c1")?["status"], .text("settled"))
    }
}
