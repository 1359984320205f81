import FieldSyncCore
import FieldSyncStore
import XCTest

private struct InjectedFailure: Error {}

final class ImportExportTests: XCTestCase {
    func testFailedImportLeavesTheReplicaExactlyAsBefore() throws {
        let clock = TestClock()
        let station = try makeReplica(1, clock: clock)
        for i in 0..<20 { try station.write(table: "household", rowID: "h\(i)", values: ["address": .text("a\(i)"), "monthly_income": .integer(Int64(i))]) }
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub, clock: clock)
        try apply(Array(changes[0..<10]), to: hub)
        try hub.write(table: "household", rowID: "hub-row", values: ["address": .text("x")])
        let peer = TestSchema.site(1)
        _ = try hub.importChanges { tx in
            try tx.mergeKnownVector(VersionVector([peer: 3]), of: peer)
            try tx.recordImport(BundleRecord(bundleID: [1], peer: peer, createdStamp: .zero, atMillis: 1, changeCount: 10, fileName: "one.fsb"))
        }
        let before = (try hub.digest(), try hub.changeCount(since: .empty), try exportAll(hub), try hub.vector(),
                      try hub.knownVector(of: peer), try hub.importedBundles(limit: 10), try hub.conflicts(includeResolved: true))

        XCTAssertThrowsError(try hub.importChanges { tx in
            try tx.apply(Array(changes[10..<15]))
            try tx.apply(Array(changes[15..<20]))
            try tx.mergeKnownVector(VersionVector([peer: 20]), of: peer)
            try tx.recordImport(BundleRecord(bundleID: [2], peer: peer, createdStamp: .zero, atMillis: 2, changeCount: 10, fileName: "two.fsb"))
            XCTAssertEqual(tx.report.applied, 10)
            throw InjectedFailure()
        }) { XCTAssertTrue($0 is InjectedFailure) }

        XCTAssertEqual(try hub.digest(), before.0)
        XCTAssertEqual(try hub.changeCount(since: .empty), before.1)
        XCTAssertEqual(try exportAll(hub), before.2)
        XCTAssertEqual(try hub.vector(), before.3)
        XCTAssertEqual(try hub.knownVector(of: peer), before.4)
        XCTAssertEqual(try hub.importedBundles(limit: 10), before.5)
        XCTAssertEqual(try hub.conflicts(includeResolved: true), before.6)
        XCTAssertFalse(try hub.hasImported(bundleID: [2]))
        // The clock and local sequence were rolled back too: the next local write continues the log.
        let next = try hub.write(table: "household", rowID: "hub-row", values: ["address": .text("y")])
        XCTAssertEqual(next[0].sequence, 2)
    }

    func testARefusedBatchCaughtInsideTheImportLeavesNoneOfItsChanges() throws {
        let clock = TestClock()
        let station = try makeReplica(1, clock: clock)
        for i in 0..<4 { try station.write(table: "household", rowID: "h\(i)", values: ["address": .text("a\(i)")]) }
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub, clock: clock)
        let ahead = Change.set("household", "x", "address", .text("x"), stamp: HybridTimestamp(millis: clock.now + 2 * HybridClock.defaultMaxForwardSkewMillis, counter: 0),
                               origin: TestSchema.site(5), sequence: 1)
        let (_, report) = try hub.importChanges { tx in
            try tx.apply(Array(changes[0..<2]))
            XCTAssertThrowsError(try tx.apply(Array(changes[2..<4]) + [ahead]))
            XCTAssertEqual(tx.report.applied, 2)
        }
        XCTAssertEqual(report, ApplyReport(applied: 2, stale: 0, duplicate: 0, conflicts: 0))
        XCTAssertEqual(try hub.rowIDs(table: "household", limit: nil), ["h0", "h1"])
        XCTAssertEqual(try hub.vector(), VersionVector([TestSchema.site(1): 2]))
    }

    func testExportSinceAVectorReturnsExactlyTheUncoveredChangesBitForBit() throws {
        let station = try makeReplica(1)
        let values: [Value] = [.real(-0.0), .real(.nan), .real(0.1), .integer(.min), .integer(.max),
                               .text("བོད་ཡིག ལྷ་ས།"), .text("鲁沙尔镇"), .blob([0, 255, 1]), .blob([]), .null]
        for (i, value) in values.enumerated() {
            let column: String
            switch value {
            case .real: column = "r"
            case .integer: column = "i"
            case .text: column = "t"
            case .blob, .null: column = "b"
            }
            try station.write(table: "sample", rowID: "s\(i)", values: [column: value])
        }
        let all = try exportAll(station)
        XCTAssertEqual(all.map(\.value), values)
        XCTAssertEqual(all.map { $0.value.encoded }, values.map(\.encoded))
        let since = VersionVector([TestSchema.site(1): 4])
        let tail = try exportAll(station, since: since, batchSize: 3)
        XCTAssertEqual(tail.map(\.sequence), Array(5...10))
        XCTAssertEqual(tail, Array(all[4...]))
        XCTAssertEqual(try station.changeCount(since: since), 6)
        XCTAssertEqual(try station.exportSnapshot { try $0.counts(since: since) }, ["sample": 6])

        // Received by a hub and re-exported, the values are still bit-exact, and so is the visible row.
        let hub = try makeReplica(9, role: .hub)
        try apply(all, to: hub)
        XCTAssertEqual(try exportAll(hub).map { $0.value.encoded }, values.map(\.encoded))
        XCTAssertEqual(try hub.row(table: "sample", rowID: "s0")?["r"]?.encoded, Value.real(-0.0).encoded)
        XCTAssertEqual(try hub.row(table: "sample", rowID: "s1")?["r"]?.encoded, Value.real(.nan).encoded)
        XCTAssertEqual(try hub.digest(), try station.digest())
    }

    func testExportIsOrderedByOriginThenSequenceInBoundedBatches() throws {
        let a = try makeReplica(2), b = try makeReplica(1)
        for i in 0..<5 {
            try a.write(table: "household", rowID: "a\(i)", values: ["address": .text("a")])
            try b.write(table: "household", rowID: "b\(i)", values: ["address": .text("b")])
        }
        let hub = try makeReplica(9, role: .hub)
        try apply(try exportAll(a) + exportAll(b), to: hub)
        var sizes: [Int] = []
        let changes = try hub.exportSnapshot { snapshot in
            var all: [Change] = []
            try snapshot.forEachBatch(since: VersionVector([TestSchema.site(2): 1]), batchSize: 4) { sizes.append($0.count); all += $0 }
            return all
        }
        XCTAssertEqual(sizes, [4, 4, 1])
        XCTAssertEqual(changes.map(\.id), changes.map(\.id).sorted())
        XCTAssertEqual(changes.first?.origin, TestSchema.site(1))
        XCTAssertEqual(changes.filter { $0.origin == TestSchema.site(2) }.map(\.sequence), [2, 3, 4, 5])
    }
}
