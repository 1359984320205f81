/// A hybrid logical clock stamp: wall-clock milliseconds with a logical counter, packed in 64 bits.
///
/// The upper 48 bits hold milliseconds since 1970 (enough until the year 10889), the lower
/// 16 bits a counter that orders events inside one millisecond, or while the wall clock
/// stands still or runs backwards. Packing keeps comparison a single integer compare and
/// makes the stamp one SQLite `INTEGER`.
public struct HybridTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The packed representation: `millis << 16 | counter`.
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(millis: UInt64, counter: UInt16) {
        precondition(millis < (1 << 48), "milliseconds out of range")
        self.rawValue = millis << 16 | UInt64(counter)
    }

    /// The zero stamp, older than every stamp a clock can issue.
    public static let zero = HybridTimestamp(rawValue: 0)

    public var millis: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (lhs: HybridTimestamp, rhs: HybridTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// ISO-8601 UTC time with milliseconds and the counter, e.g. `2026-11-29T04:31:56.123Z+2`.
    public var description: String {
        "\(ISOTime.format(millis: millis))+\(counter)"
    }
}

/// Formats milliseconds since 1970 as ISO-8601 UTC without Foundation's calendar machinery,
/// so the core stays free of locale and time-zone state.
public enum ISOTime {
    public static func format(millis: UInt64) -> String {
        let totalSeconds = Int64(millis / 1000)
        let ms = Int(millis % 1000)
        var days = totalSeconds / 86_400
        let secs = Int(totalSeconds % 86_400)
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int64(secs / 3600), 2)):\(pad(Int64(secs / 60 % 60), 2)):\(pad(Int64(secs % 60), 2)).\(pad(Int64(ms), 3))Z"
    }
}
