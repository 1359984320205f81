import Foundation

/// The source of wall-clock time, in Unix milliseconds, injected everywhere so tests and the
/// demo can fix or advance time. Replicas never read the system clock directly.
public typealias WallClock = @Sendable () -> UInt64

public enum SystemWallClock {
    /// The machine's clock.
    public static let now: WallClock = { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}

/// The machine's clock, but strictly increasing across every replica that shares it: the
/// demo runs a whole county in one process, and two edits "one after the other" must get
/// different stamps so that the story it tells is the same on every run.
public final class SharedSteppingClock: @unchecked Sendable {
    // @unchecked: `last` is only touched under `lock`.
    private let lock = NSLock()
    private var last: UInt64 = 0

    public init() {}

    public var wallClock: WallClock {
        { self.next() }
    }

    private func next() -> UInt64 {
        lock.withLock {
            last = max(SystemWallClock.now(), last + 1)
            return last
        }
    }
}
