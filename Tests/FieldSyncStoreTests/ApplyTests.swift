import FieldSyncCore
import FieldSyncStore
import FieldSyncTestSupport
import XCTest

final class ApplyTests: XCTestCase {
    func testApplyIsIdempotent() throws {
        let station = try makeReplica(1)
        try station.write(table: "household", rowID: "h1", values: ["address": .text("a"), "monthly_income": .integer(1)])
        try station.write(table: "visit", rowID: "v1", values: ["household_id": .text("h1")])
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub)
        XCTAssertEqual(try apply(changes, to: hub), ApplyReport(applied: 3, stale: 0, duplicate: 0, conflicts: 0))
        let digest = try hub.digest()
        XCTAssertEqual(digest, try station.digest())
        XCTAssertEqual(try apply(changes, to: hub), ApplyReport(applied: 0, stale: 0, duplicate: 3, conflicts: 0))
        XCTAssertEqual(try hub.digest(), digest)
        XCTAssertEqual(try hub.changeCount(since: .empty), 3)
    }

    /// A row id is shown in refusal messages (on a hub operator's terminal, in the log), where a
    /// line break or an escape sequence could forge or hide a line; and readers that take text
    /// as a C string (GRDB's among them) stop at U+0000, so every scan of a table's ids would
    /// name another row. Row ids holding any control character are refused in local writes and
    /// in what a hub checks (a station's bundle), leaving the replica as it was; a return
    /// bundle is taken as its hub merged it (an earlier release may have). Text values may hold
    /// line breaks but not U+0000.
    func testARowIDHoldingAControlCharacterOrTextHoldingNulIsRefusedLocallyAndFromABundle() throws {
        let station = try makeReplica(1)
        for id in ["h\u{0}1", "\u{0}", "h1\u{0}", "h\n1", "h1\r", "\u{1B}[2Kh1", "h\u{7F}", "h\u{85}1"] {
            XCTAssertThrowsError(try station.write(table: "household", rowID: id, values: ["address": .text("a")])) { error in
                guard case StoreError.invalidChange(table: "household", reason: let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("control character"), reason)
            }
        }
        XCTAssertThrowsError(try station.write(table: "household", rowID: "h1", values: ["address": .text("a\u{0}b")]))
        try station.write(table: "household", rowID: "h1", values: ["address": .text("阳坡村\n1号")])
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub)
        let before = try hub.digest()
        for id in ["h\u{0}2", "h\n2", "h\u{1B}]0;x\u{7}", "h\u{9F}"] {
            var crafted = changes
            crafted.append(.set("household", id, "address", .text("b"), stamp: changes[0].stamp, origin: changes[0].origin, sequence: 2))
            XCTAssertThrowsError(try hub.importChanges { tx in
                tx.mergeGuard = MergeGuard(onlyOrigin: nil, authority: AllowsEverything(), writer: .station)
                try tx.apply(crafted)
            }) { error in
                guard case StoreError.invalidChange(table: "household", reason: _) = error else { return XCTFail("\(error)") }
                XCTAssertFalse("\(error)".contains(id), "the message does not repeat the id")
            }
            XCTAssertEqual(try hub.digest(), before)
            XCTAssertEqual(try hub.changeCount(since: .empty), 0)
        }
        // The same bundle without the refused change merges.
        try apply(changes, to: hub)
        XCTAssertEqual(try hub.row(table: "household", rowID: "h1")?["address"], .text("阳坡村\n1号"))
        // What a hub sends back is not checked again.
        let station2 = try makeReplica(2)
        try apply(changes + [.set("household", "h\n2", "address", .text("b"), stamp: changes[0].stamp, origin: changes[0].origin, sequence: 2)],
                  to: station2)
        XCTAssertEqual(try station2.row(table: "household", rowID: "h\n2")?["address"], .text("b"))
    }

    /// The rule holds where a row is created. A row an earlier release stored with such an id
    /// (an insider's, merged before the rule) stays writable and deletable; a hub that holds it
    /// takes a station's write to it; and a province takes a county hub's relay of it.
    func testARowWhoseIDHoldsAControlCharacterThatIsAlreadyHeldStaysWritableEverywhere() throws {
        let id = "h\n2\u{1B}[2K"
        let origin = TestSchema.site(7)
        let earlier = Change.set("household", id, "address", .text("old"), stamp: HybridTimestamp(rawValue: 1 << 20), origin: origin, sequence: 1)
        // The county hub took it before the rule (a return bundle is not checked again).
        let hub = try makeReplica(9, role: .hub)
        try apply([earlier], to: hub)
        let station = try makeReplica(1)
        try apply([earlier], to: station)

        let edit = try station.write(table: "household", rowID: id, values: ["address": .text("new")])
        XCTAssertEqual(edit.count, 1)
        XCTAssertThrowsError(try station.write(table: "household", rowID: "h\n3", values: ["address": .text("a")]),
                             "a new row is still refused")
        let (_, report) = try hub.importChanges { tx in
            tx.mergeGuard = MergeGuard(onlyOrigin: TestSchema.site(1), authority: AllowsEverything(), writer: .station)
            try tx.apply(edit)
        }
        XCTAssertEqual(report.applied, 1)
        XCTAssertEqual(try hub.row(table: "household", rowID: id)?["address"], .text("new"))
        let tombstone = try station.delete(table: "household", rowID: id)
        XCTAssertEqual(try hub.importChanges { tx in
            tx.mergeGuard = MergeGuard(onlyOrigin: TestSchema.site(1), authority: AllowsEverything(), writer: .station)
            try tx.apply([tombstone])
        }.1.applied, 1)
        XCTAssertTrue(try hub.isDeleted(table: "household", rowID: id))

        // A province that never saw the row takes the county hub's relay of it.
        let province = try makeReplica(8, role: .hub)
        try province.importChanges { tx in
            tx.mergeGuard = MergeGuard(onlyOrigin: nil, authority: AllowsEverything(), writer: .hub)
            try tx.apply([earlier] + edit + [tombstone])
        }
        XCTAssertEqual(try province.digest(), try hub.digest())
    }

    /// A station that had not yet learned of a delete edits the row: the hub holds its
    /// tombstone, so the edit is taken (and loses to the delete, M2), not refused.
    func testAStationsEditOfSuchARowTheHubHoldsOnlyAsATombstoneIsTaken() throws {
        let id = "h\t9"
        let earlier = Change.set("household", id, "address", .text("old"), stamp: HybridTimestamp(rawValue: 1 << 20), origin: TestSchema.site(7), sequence: 1)
        let hub = try makeReplica(9, role: .hub)
        try apply([earlier, .delete("household", id, stamp: HybridTimestamp(rawValue: 1 << 21), origin: TestSchema.site(7), sequence: 2)], to: hub)
        let station = try makeReplica(1)
        try apply([earlier], to: station)
        let edit = try station.write(table: "household", rowID: id, values: ["address": .text("new")])
        XCTAssertNoThrow(try hub.importChanges { tx in
            tx.mergeGuard = MergeGuard(onlyOrigin: TestSchema.site(1), authority: AllowsEverything(), writer: .station)
            try tx.apply(edit)
        })
        XCTAssertTrue(try hub.isDeleted(table: "household", rowID: id))
    }

    /// Refusals name a row by its id, which a row an earlier release took may hold a control
    /// character in: it is shown escaped.
    func testRefusalsShowARowIDEscaped() {
        let id = "h1\n已合并 merged\u{1B}[2K"
        let texts = [StoreError.rowNotFound(table: "household", rowID: id).description,
                     StoreError.rowDeleted(table: "household", rowID: id).description,
                     StoreError.appendOnlyRowCannotChange(table: "audit", rowID: id).description,
                     AuthorityViolation(rule: "P4 another township", table: "household", rowID: id, reason: "r", reasonZh: "r").description]
        for text in texts {
            XCTAssertFalse(text.holdsControlCharacter, text)
            XCTAssertTrue(text.contains("h1\\u{A}已合并"), text)
        }
    }

    func testDuplicatesPastAGapAreRecognised() throws {
        let station = try makeReplica(1)
        for i in 0..<3 { try station.write(table: "household", rowID: "h\(i)", values: ["address": .text("a")]) }
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub)
        try apply([changes[2]], to: hub)
        XCTAssertEqual(try apply([changes[2]], to: hub).duplicate, 1)
    }

    /// Changes above the highest logged sequence are logged by a batched insert that skips
    /// the conflict check: a repeat within the same batch, before or after the gap fills,
    /// must still be counted as a duplicate and logged once.
    func testDuplicatesWithinOneBatchAreRecognised() throws {
        let station = try makeReplica(1)
        for i in 1...6 { try station.write(table: "household", rowID: "h\(i)", values: ["address": .text("a\(i)")]) }
        let c = try exportAll(station)
        let hub = try makeReplica(9, role: .hub)
        let report = try apply([c[0], c[1], c[4], c[1], c[3], c[2], c[4], c[5], c[5], c[0]], to: hub)
        XCTAssertEqual(report, ApplyReport(applied: 6, stale: 0, duplicate: 4, conflicts: 0))
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 6)
        XCTAssertEqual(try hub.changeCount(since: .empty), 6)
        XCTAssertEqual(try exportAll(hub), c)
        XCTAssertEqual(try hub.digest(), try station.digest())
    }

    func testVectorWaitsForAGapThenJumps() throws {
        let station = try makeReplica(1)
        for i in 1...5 { try station.write(table: "household", rowID: "h\(i)", values: ["address": .text("a\(i)")]) }
        let changes = try exportAll(station)
        let hub = try makeReplica(9, role: .hub)
        try apply(Array(changes[2..<5]), to: hub)
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 0)
        XCTAssertEqual(try hub.changeCount(since: .empty), 3)
        try apply([changes[1]], to: hub)
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 0)
        try apply([changes[0]], to: hub)
        XCTAssertEqual(try hub.vector()[TestSchema.site(1)], 5)
        XCTAssertEqual(try hub.digest(), try station.digest())
    }

    func testDeleteWinsOverAConcurrentAndALaterEdit() throws {
        let a = try makeReplica(1), b = try makeReplica(2)
        try a.write(table: "household", rowID: "h1", values: ["address": .text("a")])
        try apply(try exportAll(a), to: b)
        try a.delete(table: "household", rowID: "h1")
        try b.write(table: "household", rowID: "h1", values: ["address": .text("b")])
        let fromB = try exportAll(b, since: try a.vector())
        let report = try apply(fromB, to: a)
        XCTAssertEqual(report.stale, 1)
        XCTAssertNil(try a.row(table: "household", rowID: "h1"))
        try apply(try exportAll(a, since: try b.vector()), to: b)
        XCTAssertNil(try b.row(table: "household", rowID: "h1"))
        XCTAssertEqual(try a.digest(), try b.digest())
    }

    func testReplicasApplyingTheSameChangesInAnyOrderConverge() throws {
        for seed: UInt64 in [1, 2, 3, 42, 2026] {
            var rng = SeededGenerator(seed: seed)
            let clock = TestClock()
            let stations = try (1...3).map { try makeReplica(UInt8($0), clock: clock) }
            let rows = (0..<6).map { "h\($0)" }
            for step in 0..<120 {
                clock.advance(UInt64.random(in: 0...3, using: &rng))
                let station = stations[Int.random(in: 0..<3, using: &rng)]
                let row = rows.randomElement(using: &rng)!
                if try station.isDeleted(table: "household", rowID: row) { continue }
                switch Int.random(in: 0..<10, using: &rng) {
                case 0:
                    if try station.row(table: "household", rowID: row) != nil { try station.delete(table: "household", rowID: row) }
                case 1:
                    try station.write(table: "visit", rowID: "v\(seed)-\(step)", values: ["household_id": .text(row), "note": .text("visit \(step)")])
                case 2...4:
                    // Exchange: one station learns another's changes, so later edits are sequential.
                    let other = stations.randomElement(using: &rng)!
                    try apply(try exportAll(other, since: try station.vector()), to: station)
                default:
                    var values: [String: Value] = ["address": .text("addr \(Int.random(in: 0..<3, using: &rng))")]
                    if Bool.random(using: &rng) { values["monthly_income"] = .integer(Int64.random(in: 0..<4, using: &rng)) }
                    try station.write(table: "household", rowID: row, values: values)
                }
            }
            var all: [Change] = []
            for station in stations { all += try exportAll(station).filter { $0.origin == station.siteID } }
            var digests: Set<String> = []
            for _ in 0..<3 {
                let replica = try makeReplica(9, role: .hub, clock: clock)
                var shuffled = all.shuffled(using: &rng)
                while !shuffled.isEmpty {
                    let n = min(shuffled.count, Int.random(in: 1...40, using: &rng))
                    try apply(Array(shuffled.prefix(n)), to: replica)
                    shuffled.removeFirst(n)
                }
                XCTAssertEqual(try replica.changeCount(since: .empty), all.count, "seed \(seed)")
                XCTAssertEqual(try replica.vector().total, UInt64(all.count), "seed \(seed)")
                digests.insert(try replica.digest())
            }
            // Stations converge too once they receive everything.
            for station in stations {
                try apply(all.shuffled(using: &rng), to: station)
                digests.insert(try station.digest())
            }
            XCTAssertEqual(digests.count, 1, "seed \(seed): replicas diverged")
        }
    }

    func testConcurrentDifferentWritesToAReviewedColumnAreRecordedAsConflicts() throws {
        let clock = TestClock()
        let a = try makeReplica(1, clock: clock), b = try makeReplica(2, clock: clock)
        try a.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(100)])
        try apply(try exportAll(a), to: b)
        clock.advance(5)
        try a.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(200)])
        clock.advance(5)
        try b.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(300)])
        let report = try apply(try exportAll(b, since: try a.vector()), to: a)
        XCTAssertEqual(report.conflicts, 1)
        let conflicts = try a.conflicts(includeResolved: false)
        XCTAssertEqual(conflicts.count, 1)
        XCTAssertEqual(conflicts[0].column, "monthly_income")
        XCTAssertEqual(conflicts[0].winner.value, .integer(300))
        XCTAssertEqual(conflicts[0].loser.value, .integer(200))
        XCTAssertEqual(try a.row(table: "household", rowID: "h1")?["monthly_income"], .integer(300))
        try a.resolveConflict(id: conflicts[0].id)
        XCTAssertEqual(try a.conflicts(includeResolved: false), [])
        XCTAssertEqual(try a.conflicts(includeResolved: true).map(\.resolved), [true])
        XCTAssertThrowsError(try a.resolveConflict(id: 999))
    }

    func testSequentialWritesToAReviewedColumnAreNotConflicts() throws {
        let clock = TestClock()
        let a = try makeReplica(1, clock: clock), b = try makeReplica(2, clock: clock)
        try a.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(100)])
        try apply(try exportAll(a), to: b)
        clock.advance(5)
        try b.write(table: "household", rowID: "h1", values: ["monthly_income": .integer(300)])
        XCTAssertEqual(try apply(try exportAll(b, since: try a.vector()), to: a).conflicts, 0)
        XCTAssertEqual(try a.conflicts(includeResolved: true), [])
        // And the hub, receiving both in the reverse order, agrees.
        let hub = try makeReplica(9, role: .hub, clock: clock)
        try apply(try exportAll(b).reversed(), to: hub)
        XCTAssertEqual(try hub.conflicts(includeResolved: true), [])
        XCTAssertEqual(try hub.digest(), try a.digest())
    }

    func testStampTooFarAheadIsRefusedNamingTheOriginAndNothingIsWritten() throws {
        let clock = TestClock()
        let hub = try makeReplica(9, role: .hub, clock: clock)
        let ahead = HybridTimestamp(millis: clock.now + HybridClock.defaultMaxForwardSkewMillis + 1, counter: 0)
        let good = Change.set("household", "h1", "address", .text("a"), stamp: HybridTimestamp(millis: clock.now, counter: 0), origin: TestSchema.site(3), sequence: 1)
        let bad = Change.set("household", "h2", "address", .text("b"), stamp: ahead, origin: TestSchema.site(4), sequence: 1)
        let before = try hub.digest()
        for body in [{ (tx: inout ImportTransaction) throws in try tx.check([good, bad]) },
                     { (tx: inout ImportTransaction) throws in try tx.apply([good, bad]) }] {
            XCTAssertThrowsError(try hub.importChanges(body)) { error in
                guard case let .clock(.remoteStampTooFarAhead(site, _, _, _))? = error as? StoreError else { return XCTFail("\(error)") }
                XCTAssertEqual(site, TestSchema.site(4))
                XCTAssertTrue("\(error)".contains(TestSchema.site(4).short))
            }
        }
        XCTAssertEqual(try hub.digest(), before)
        XCTAssertEqual(try hub.changeCount(since: .empty), 0)
        XCTAssertEqual(try hub.vector(), .empty)
    }

    func testImportedChangesAreValidatedAgainstTheSchema() throws {
        let hub = try makeReplica(9, role: .hub)
        let stamp = HybridTimestamp(millis: 1_800_000_000_000, counter: 0)
        let cases: [(Change, StoreError)] = [
            (.set("nope", "r", "c", .null, stamp: stamp, origin: TestSchema.site(1), sequence: 1), .unknownTable("nope")),
            (.set("household", "r", "nope", .null, stamp: stamp, origin: TestSchema.site(1), sequence: 1), .unknownColumn(table: "household", column: "nope")),
            (.set("household", "r", "monthly_income", .real(1), stamp: stamp, origin: TestSchema.site(1), sequence: 1),
             .typeMismatch(table: "household", column: "monthly_income", expected: .integer)),
            (.delete("visit", "r", stamp: stamp, origin: TestSchema.site(1), sequence: 1), .appendOnlyDelete(table: "visit")),
        ]
        for (change, expected) in cases {
            XCTAssertThrowsError(try hub.importChanges { tx in try tx.apply([change]) }) { XCTAssertEqual($0 as? StoreError, expected) }
        }
        XCTAssertEqual(try hub.changeCount(since: .empty), 0)
    }

    func testSecondWriteToAnAppendOnlyCellIsIgnoredAndRecorded() throws {
        let stamp = HybridTimestamp(millis: 1_800_000_000_000, counter: 0)
        let first = Change.set("visit", "v1", "note", .text("original"), stamp: stamp, origin: TestSchema.site(1), sequence: 1)
        let second = Change.set("visit", "v1", "note", .text("forged"), stamp: HybridTimestamp(rawValue: stamp.rawValue + 5), origin: TestSchema.site(2), sequence: 1)
        for order in [[first, second], [second, first]] {
            let hub = try makeReplica(9, role: .hub)
            let reports = try order.map { try apply([$0], to: hub) }
            XCTAssertEqual(try hub.row(table: "visit", rowID: "v1")?["note"], .text("original"))
            XCTAssertEqual(reports.reduce(ApplyReport(), +).conflicts, 1)
        }
    }
}

/// An authority that allows every write: what a hub checks, without rules of its own.
private struct AllowsEverything: WriteAuthority {
    func checkWrite(table: TableSchema, column: ColumnSchema, value: Value, writer: ReplicaRole, origin: SiteID) -> AuthorityViolation? { nil }
    func checkDelete(table: TableSchema, writer: ReplicaRole) -> AuthorityViolation? { nil }
    func compiled(for table: TableSchema) -> (any CompiledTableAuthority)? { nil }
    func checkExisting(table: TableSchema, current: [Value], kind: Change.Kind, column: String, writer: ReplicaRole) -> AuthorityViolation? { nil }
    func checkNewRow(table: TableSchema, values: [Value], writer: ReplicaRole) -> AuthorityViolation? { nil }
}
