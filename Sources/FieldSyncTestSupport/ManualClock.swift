import Foundation

/// A wall clock that tests move by hand, optionally skewed per replica, so that stamps,
/// ties and clock-skew refusals are reproducible.
public final class ManualClock: @unchecked Sendable {
    // @unchecked: `millis` is only read and written under `lock`.
    private let lock = NSLock()
    private var millis: UInt64

    public init(millis: UInt64 = 1_795_900_000_000) { self.millis = millis }

    public var now: UInt64 { lock.withLock { millis } }

    public func advance(by delta: UInt64) { lock.withLock { millis += delta } }

    /// A wall-clock closure reading this clock, shifted by `offset` milliseconds (a laptop
    /// whose date is wrong).
    public func wallClock(offset: Int64 = 0) -> @Sendable () -> UInt64 {
        { UInt64(Int64(self.now) + offset) }
    }
}

/// A fresh temporary folder, removed by `cleanUp()`.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init(_ label: String = "fieldsync-test") {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}
