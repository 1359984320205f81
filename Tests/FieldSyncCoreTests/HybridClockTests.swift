import FieldSyncCore
import XCTest

final class HybridClockTests: XCTestCase {
    let site = SiteID(bytes: Array(repeating: 7, count: 16))!

    func testLocalStampsNeverGoBackwardsWhenTheWallClockDoes() {
        var clock = HybridClock()
        let a = clock.tick(wallMillis: 10_000)
        let b = clock.tick(wallMillis: 9_000)
        let c = clock.tick(wallMillis: 9_000)
        XCTAssertLessThan(a, b)
        XCTAssertLessThan(b, c)
        XCTAssertEqual(b.millis, 10_000)
    }

    func testStampFollowsTheWallClockWhenItMovesForward() {
        var clock = HybridClock()
        _ = clock.tick(wallMillis: 10_000)
        XCTAssertEqual(clock.tick(wallMillis: 20_000), HybridTimestamp(millis: 20_000, counter: 0))
    }

    func testObservedRemoteStampOrdersLaterLocalEditsAfterIt() throws {
        var clock = HybridClock()
        let remote = HybridTimestamp(millis: 50_000, counter: 3)
        try clock.observe(remote: remote, from: site, wallMillis: 40_000)
        XCTAssertGreaterThan(clock.tick(wallMillis: 40_000), remote)
    }

    func testRemoteStampBeyondTheSkewBoundIsRefusedAndNamed() {
        var clock = HybridClock(maxForwardSkewMillis: 1_000)
        let remote = HybridTimestamp(millis: 2_001, counter: 0)
        XCTAssertThrowsError(try clock.observe(remote: remote, from: site, wallMillis: 1_000)) { error in
            guard case let .remoteStampTooFarAhead(s, stamp, _, _) = error as? ClockError else { return XCTFail("\(error)") }
            XCTAssertEqual(s, site)
            XCTAssertEqual(stamp, remote)
            XCTAssertTrue("\(error)".contains(site.short))
        }
        XCTAssertEqual(clock.last, .zero, "a refused stamp must not move the clock")
    }

    func testRemoteStampExactlyAtTheBoundIsAccepted() throws {
        var clock = HybridClock(maxForwardSkewMillis: 1_000)
        try clock.observe(remote: HybridTimestamp(millis: 2_000, counter: 9), from: site, wallMillis: 1_000)
        XCTAssertEqual(clock.last.millis, 2_000)
    }

    func testTimestampFormatsAsUTC() {
        XCTAssertEqual(ISOTime.format(millis: 1_795_926_716_123), "2026-11-29T04:31:56.123Z")
        XCTAssertEqual(ISOTime.format(millis: 951_782_400_000), "2000-02-29T00:00:00.000Z")
    }
}
