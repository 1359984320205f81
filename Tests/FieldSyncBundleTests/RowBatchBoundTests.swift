@testable import FieldSyncBundle
import FieldSyncCore
import XCTest

/// Fuzz finding (Fuzz/regressions/bundle/one-row-written-through-every-frame): a signed
/// bundle that writes one row over and over made `forEachRowBatch` hold the whole bundle
/// back as one "row" and copy what it held once per frame: a 21 KB file of 161,000
/// records held them all, and 50 million (the format's limit) would exhaust a hub.
final class RowBatchBoundTests: XCTestCase {
    /// One row written 400 times, in frames of a few dozen records.
    private func oneRowThroughManyFrames(in folder: TemporaryFolder) throws -> (ReadableBundle, [Change], frames: [[Change]]) {
        let changes = (0..<400).map { i in
            Change.set("application", "row-1", "c\(i % 5)", .integer(Int64(i)),
                       stamp: HybridTimestamp(millis: 1_795_920_000_000 + UInt64(i), counter: 0),
                       origin: Fixtures.stationSite, sequence: UInt64(i + 1))
        }
        let path = try writeBundle(changes, in: folder, frameTarget: 1_000)
        let readable = try UnverifiedBundle.open(path: path).verify().open(as: Fixtures.hubSite, key: Fixtures.hubAgreement)
        var frames: [[Change]] = []
        try readable.forEachBatch { frames.append($0) }
        return (readable, changes, frames)
    }

    func testOneRowWrittenThroughEveryFrameIsHandedOutInBatchesOfAtMostTwoFramesWorth() throws {
        let folder = TemporaryFolder()
        let (readable, changes, frames) = try oneRowThroughManyFrames(in: folder)
        XCTAssertGreaterThan(frames.count, 10, "the fixture spreads the row over many frames")
        let limit = 50
        var batches: [[Change]] = []
        try readable.forEachRowBatch(holdingBackAtMost: limit) { batches.append($0) }
        XCTAssertEqual(batches.flatMap { $0 }, changes, "every change once, in order")
        XCTAssertGreaterThan(batches.count, 1, "the run is not held back to the end of the bundle")
        let largestFrame = frames.map(\.count).max() ?? 0
        for batch in batches { XCTAssertLessThanOrEqual(batch.count, limit + largestFrame) }
    }

    func testARunUpToTheLimitStillReachesTheMergeInOneBatch() throws {
        let folder = TemporaryFolder()
        let (readable, changes, _) = try oneRowThroughManyFrames(in: folder)
        var batches: [[Change]] = []
        try readable.forEachRowBatch(holdingBackAtMost: changes.count) { batches.append($0) }
        XCTAssertEqual(batches, [changes])
    }
}
