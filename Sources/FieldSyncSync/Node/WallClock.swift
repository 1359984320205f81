import Foundation

/// The source of wall-clock time, in Unix milliseconds, injected everywhere so tests and the
/// demo can fix or advance time. Replicas never read the system clock directly.
public typealias WallClock = @Sendable () -> UInt64

public enum SystemWallClock {
    /// The machine's clock.
    public static let now: WallClock = { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}
