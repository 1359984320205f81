import Foundation

/// A moment as a form records it: ISO-8601 with seconds and an explicit UTC offset,
/// e.g. `2026-11-29T09:30:00+08:00` (or `Z`).
///
/// The offset is kept, not just the instant: "the date it concerns" for a rule (which
/// parameters were in force, how old a member was) is the local date where it happened,
/// and the stored text reads the same on every replica. Comparisons use the instant.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// Minutes east of UTC (China Standard Time: 480).
    public let offsetMinutes: Int

    /// China Standard Time (UTC+8, no daylight saving), the offset stations record in.
    public static let chinaOffsetMinutes = 480

    public init(epochSeconds: Int64, offsetMinutes: Int = Timestamp.chinaOffsetMinutes) {
        self.epochSeconds = epochSeconds
        self.offsetMinutes = offsetMinutes
    }

    /// The injected moment `date`, to be written with `offsetMinutes` (whole seconds).
    public init(_ date: Date, offsetMinutes: Int = Timestamp.chinaOffsetMinutes) {
        self.init(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)), offsetMinutes: offsetMinutes)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`; nil for anything else
    /// (a missing offset is refused: a moment without one is ambiguous by eight hours).
    public init?(_ text: String) {
        let u = Array(text.utf8)
        guard u.count == 20 || u.count == 25, let date = CivilDate(String(decoding: u[0..<10], as: UTF8.self)),
              u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let h = Digits.value(u[11..<13]), let mi = Digits.value(u[14..<16]), let s = Digits.value(u[17..<19]),
              h < 24, mi < 60, s < 60 else { return nil }
        var offset = 0
        if u.count == 20 {
            guard u[19] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard u[19] == UInt8(ascii: "+") || u[19] == UInt8(ascii: "-"), u[22] == UInt8(ascii: ":"),
                  let oh = Digits.value(u[20..<22]), let om = Digits.value(u[23..<25]), oh <= 14, om < 60 else { return nil }
            offset = (oh * 60 + om) * (u[19] == UInt8(ascii: "-") ? -1 : 1)
        }
        let local = Int64(date.daysSinceEpoch) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        self.init(epochSeconds: local - Int64(offset * 60), offsetMinutes: offset)
    }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(epochSeconds)) }

    /// The local calendar date at the recorded offset: the date a rule concerns.
    public var localDate: CivilDate {
        let local = epochSeconds + Int64(offsetMinutes * 60)
        return CivilDate(daysSinceEpoch: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }

    public func adding(hours: Int) -> Timestamp {
        Timestamp(epochSeconds: epochSeconds + Int64(hours) * 3600, offsetMinutes: offsetMinutes)
    }

    /// The first moment of `date` at `offsetMinutes`.
    public static func startOf(_ date: CivilDate, offsetMinutes: Int = chinaOffsetMinutes) -> Timestamp {
        Timestamp(epochSeconds: Int64(date.daysSinceEpoch) * 86_400 - Int64(offsetMinutes * 60), offsetMinutes: offsetMinutes)
    }

    public var description: String {
        let local = epochSeconds + Int64(offsetMinutes * 60)
        let secs = Int(((local % 86_400) + 86_400) % 86_400)
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        let zone: String
        if offsetMinutes == 0 { zone = "Z" } else {
            let a = abs(offsetMinutes)
            zone = "\(offsetMinutes < 0 ? "-" : "+")\(pad(a / 60)):\(pad(a % 60))"
        }
        return "\(localDate)T\(pad(secs / 3600)):\(pad(secs / 60 % 60)):\(pad(secs % 60))\(zone)"
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.epochSeconds < b.epochSeconds }
    public static func == (a: Timestamp, b: Timestamp) -> Bool { a.epochSeconds == b.epochSeconds }
    public func hash(into h: inout Hasher) { h.combine(epochSeconds) }
}
