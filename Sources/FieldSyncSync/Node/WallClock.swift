import Foundation

/// The source of wall-clock time, in Unix milliseconds, injected everywhere so tests and the
/// demo can fix or advance time. Replicas never read the system clock directly.
public typealias WallClock = @Sendable () -> UInt64

public enum SystemWallClock {
    /// The machine's clock, moved by ``offsetMillis``.
    public static let now: WallClock = { machine() &+ UInt64(bitPattern: offsetMillis) }

    /// The machine's clock as it is.
    static func machine() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }

    /// A test and demo hook, not for production: the environment variable
    /// `FIELDSYNC_CLOCK_OFFSET_MS` (signed milliseconds, e.g. `31536000000` for a year
    /// ahead) moves ``now`` as if the laptop's date were wrong by that much, so the CLI
    /// tests and a demonstration can show a wrong clock and its repair
    /// (`fieldsync station clock`). Unset or not a number: no offset.
    public static let offsetMillis: Int64 = {
        ProcessInfo.processInfo.environment["FIELDSYNC_CLOCK_OFFSET_MS"].flatMap { Int64($0) } ?? 0
    }()
}

/// The machine's clock, but strictly increasing across every replica that shares it: the
/// demo runs a whole county in one process, and two edits "one after the other" must get
/// different stamps so that the story it tells is the same on every run.
public final class SharedSteppingClock: @unchecked Sendable {
    // @unchecked: `last` is only touched under `lock`.
    private let lock = NSLock()
    private var last: UInt64 = 0
    private let start: UInt64?

    /// With `start`, the machine's clock is not read at all: time begins at `start` and
    /// steps one millisecond per reading, so the dates the hub writes (a transfer's, a
    /// notice's) and so the digests are the same on every run of a seeded demo.
    public init(startingAt start: UInt64? = nil) {
        self.start = start
    }

    public var wallClock: WallClock {
        { self.next() }
    }

    private func next() -> UInt64 {
        lock.withLock {
            last = max(start ?? SystemWallClock.now(), last + 1)
            return last
        }
    }
}
