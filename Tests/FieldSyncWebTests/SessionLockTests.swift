@testable import FieldSyncWeb
import Foundation
import NIOConcurrencyHelpers
import XCTest

/// The passphrase lock of the workbench and the review desk: idle sessions lose their opened
/// keys at the minute, and wrong passphrases space out the next tries.
final class SessionLockTests: XCTestCase {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        private let time = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { time.withLockedValue { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLockedValue { $0 += seconds } }
    }

    func testAnIdleSessionIsLockedByTheSweepAndItsNextPageSaysWhy() {
        let clock = Clock()
        let sessions = WebSessions<String>(lockAfter: 60, sharedNode: nil, now: { clock.now })
        let idle = sessions.lookup(cookie: nil), busy = sessions.lookup(cookie: nil)
        sessions.unlock(idle.id, with: "keys")
        sessions.unlock(busy.id, with: "keys")
        clock.advance(45)
        _ = sessions.lookup(cookie: busy.id)
        clock.advance(30)
        XCTAssertEqual(sessions.lockIdle(), 1, "only the session unused for longer than lockAfter")
        XCTAssertEqual(sessions.unlockedCount, 1)
        let next = sessions.lookup(cookie: idle.id)
        XCTAssertNil(next.node)
        XCTAssertTrue(next.lockedForIdleness, "the next page tells why it is locked")
        XCTAssertFalse(sessions.lookup(cookie: idle.id).lockedForIdleness, "told once")
        XCTAssertNotNil(sessions.lookup(cookie: busy.id).node)
    }

    /// The desk runs the sweep on a timer: a session nobody asks a page of is locked all the
    /// same, its keys out of memory.
    func testTheIdleLockServiceLocksASessionNoBrowserAsksAbout() async throws {
        let sessions = WebSessions<String>(lockAfter: 0.3, sharedNode: nil)
        let session = sessions.lookup(cookie: nil)
        sessions.unlock(session.id, with: "keys")
        let service = Task { try await IdleLock(sessions: sessions).run() }
        defer { service.cancel() }
        for _ in 0..<50 where sessions.unlockedCount > 0 { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertEqual(sessions.unlockedCount, 0, "locked within a few seconds of its time, with no request")
    }

    func testWrongPassphrasesSpaceOutTheNextTriesAndARightOneClearsThem() {
        let clock = Clock()
        let sessions = WebSessions<String>(lockAfter: 60, sharedNode: nil, now: { clock.now })
        for _ in 0..<WebSessions<String>.freeUnlockTries {
            XCTAssertNil(sessions.unlockWait())
            sessions.recordUnlock(succeeded: false)
        }
        XCTAssertNil(sessions.unlockWait(), "a few mistyped passphrases cost nothing")
        var waits: [Int] = []
        for _ in 0..<9 {
            sessions.recordUnlock(succeeded: false)
            let wait = try? XCTUnwrap(sessions.unlockWait())
            waits.append(wait ?? -1)
            clock.advance(TimeInterval(wait ?? 0))
            XCTAssertNil(sessions.unlockWait(), "open again once the wait is over")
        }
        XCTAssertEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60])
        sessions.recordUnlock(succeeded: false)
        clock.advance(-3600)
        XCTAssertEqual(sessions.unlockWait(), 60, "a clock set back an hour does not shut the page for an hour")
        clock.advance(61)
        XCTAssertNil(sessions.unlockWait(), "open again a minute later, on the clock as it now is")
        sessions.recordUnlock(succeeded: false)
        sessions.recordUnlock(succeeded: true)
        XCTAssertNil(sessions.unlockWait(), "the right passphrase clears the count")
        sessions.recordUnlock(succeeded: false)
        XCTAssertNil(sessions.unlockWait())
    }
}
