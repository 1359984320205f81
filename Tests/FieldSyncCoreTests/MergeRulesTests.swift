import FieldSyncCore
import FieldSyncTestSupport
import XCTest

final class MergeRulesTests: XCTestCase {
    let a = SiteID(bytes: Array(repeating: 1, count: 16))!
    let b = SiteID(bytes: Array(repeating: 2, count: 16))!

    func v(_ ms: UInt64, _ site: SiteID) -> CellVersion { CellVersion(stamp: HybridTimestamp(millis: ms, counter: 0), site: site) }

    func testLaterStampWins() {
        let current = CellState(version: v(10, b), value: .integer(1))
        let out = MergeRules.merge(incoming: v(11, a), value: .integer(2), base: nil, into: current, policy: .lastWriterWins, tableKind: .mutable)
        XCTAssertEqual(out, CellMergeOutcome(wins: true, isConflict: false))
    }

    func testEqualStampsAreBrokenByTheGreaterSiteID() {
        let current = CellState(version: v(10, b), value: .integer(1))
        let out = MergeRules.merge(incoming: v(10, a), value: .integer(2), base: nil, into: current, policy: .lastWriterWins, tableKind: .mutable)
        XCTAssertFalse(out.wins)
    }

    func testSameWriteTwiceIsANoOp() {
        let current = CellState(version: v(10, a), value: .integer(1))
        let out = MergeRules.merge(incoming: v(10, a), value: .integer(1), base: nil, into: current, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(out, CellMergeOutcome(wins: false, isConflict: false))
    }

    func testConcurrentDifferentWritesToAReviewedColumnAreAConflictWhateverTheOrder() {
        let first = CellState(version: v(10, a), value: .integer(100))
        let out1 = MergeRules.merge(incoming: v(12, b), value: .integer(200), base: nil, into: first, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(out1, CellMergeOutcome(wins: true, isConflict: true))
        let second = CellState(version: v(12, b), value: .integer(200))
        let out2 = MergeRules.merge(incoming: v(10, a), value: .integer(100), base: nil, into: second, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(out2, CellMergeOutcome(wins: false, isConflict: true))
    }

    func testAnEditMadeOnTopOfTheHeldValueIsNotAConflict() {
        let held = CellState(version: v(10, a), value: .integer(100))
        let out = MergeRules.merge(incoming: v(12, b), value: .integer(200), base: v(10, a), into: held, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(out, CellMergeOutcome(wins: true, isConflict: false))
        // And the other way round: the older write arrives after the edit built on it.
        let newer = CellState(version: v(12, b), value: .integer(200), base: v(10, a))
        let out2 = MergeRules.merge(incoming: v(10, a), value: .integer(100), base: nil, into: newer, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(out2, CellMergeOutcome(wins: false, isConflict: false))
    }

    func testConcurrentEqualWritesAreNotAConflict() {
        let held = CellState(version: v(10, a), value: .text("低保"))
        let out = MergeRules.merge(incoming: v(12, b), value: .text("低保"), base: nil, into: held, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(out, CellMergeOutcome(wins: true, isConflict: false))
    }

    func testAppendOnlyCellsKeepTheFirstWrite() {
        let held = CellState(version: v(10, a), value: .text("visit"))
        let later = MergeRules.merge(incoming: v(12, b), value: .text("changed"), base: nil, into: held, policy: .lastWriterWins, tableKind: .appendOnly)
        XCTAssertEqual(later, CellMergeOutcome(wins: false, isConflict: true))
        let held2 = CellState(version: v(12, b), value: .text("changed"))
        let earlier = MergeRules.merge(incoming: v(10, a), value: .text("visit"), base: nil, into: held2, policy: .lastWriterWins, tableKind: .appendOnly)
        XCTAssertTrue(earlier.wins, "first writer wins in every order")
    }

    /// Property: folding any permutation of writes gives the same winner.
    func testWinnerDoesNotDependOnArrivalOrder() {
        for seed in 0..<200 as Range<UInt64> {
            var rng = SeededGenerator(seed: seed)
            let writes = (0..<6).map { i in (v(UInt64.random(in: 0..<4, using: &rng), i % 2 == 0 ? a : b), Value.integer(Int64(i))) }
            func fold(_ ws: [(CellVersion, Value)], kind: TableKind) -> CellState? {
                var state: CellState?
                for (ver, val) in ws {
                    let out = MergeRules.merge(incoming: ver, value: val, base: nil, into: state, policy: .lastWriterWins, tableKind: kind)
                    if out.wins { state = CellState(version: ver, value: val) }
                }
                return state
            }
            for kind in [TableKind.mutable, .appendOnly] {
                let reference = fold(writes, kind: kind)?.version
                for _ in 0..<10 {
                    XCTAssertEqual(fold(writes.shuffled(using: &rng), kind: kind)?.version, reference, "seed \(seed)")
                }
            }
        }
    }

    /// M7: a settled status (rank 3) written earlier holds against a stale edit (rank 1)
    /// with a later version, in both arrival orders, and the stale edit is overruled.
    func testGreaterRankWinsOverGreaterVersionAndTheStaleEditIsOverruled() {
        let settled = CellState(version: v(10, a), value: .text("settled"))
        let stale = CellState(version: v(20, b), value: .text("open"))
        let high = MergeRank(authority: 0, stage: 3), low = MergeRank(authority: 0, stage: 1)
        let staleArrives = MergeRules.merge(incoming: stale.version, value: stale.value, base: nil, rank: low,
                                            into: settled, currentRank: high, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(staleArrives, CellMergeOutcome(wins: false, conflict: .overruled))
        let settledArrives = MergeRules.merge(incoming: settled.version, value: settled.value, base: nil, rank: high,
                                              into: stale, currentRank: low, policy: .reviewed, tableKind: .mutable)
        XCTAssertEqual(settledArrives, CellMergeOutcome(wins: true, conflict: .overruled))
    }

    /// The county's authority ranks before the stage: a county "approved" beats a township "closed".
    func testAuthorityRanksBeforeStage() {
        XCTAssertLessThan(MergeRank(authority: 0, stage: 6), MergeRank(authority: 1, stage: 5))
        XCTAssertLessThan(MergeRank(authority: 1, stage: 2), MergeRank(authority: 1, stage: 3))
    }
}
