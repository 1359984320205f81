import FieldSyncDomain
import Foundation

/// How values read on a page: moments in China time to the minute, money in yuan.
enum Display {
    static func moment(_ t: Timestamp?) -> String {
        guard let t else { return "—" }
        let text = t.description
        // 2026-11-29T09:30:00+08:00 → 2026-11-29 09:30
        guard text.count >= 16 else { return text }
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5)
    }

    /// A hub record's wall time (milliseconds since 1970), in China time to the minute.
    static func moment(millis: UInt64) -> String {
        moment(Timestamp(Date(timeIntervalSince1970: TimeInterval(millis) / 1000)))
    }

    static func date(_ d: CivilDate?) -> String { d?.description ?? "—" }
    static func money(_ m: Money?) -> String { m.map { "\($0) 元" } ?? "—" }
    static func text(_ s: String?) -> String { s.flatMap { $0.isEmpty ? nil : $0 } ?? "—" }

    /// "3 小时 3 h" style durations for due items.
    static func duration(seconds: Int64) -> String {
        let hours = seconds / 3600
        if hours >= 48 { return "\(hours / 24) 天 days" }
        if hours >= 1 { return "\(hours) 小时 h" }
        return "\(max(1, seconds / 60)) 分钟 min"
    }
}

/// The moment a form says something happened: the `at` field, as the browser's
/// `datetime-local` writes it (China time, to the minute) or as ISO-8601 with an offset;
/// empty means now.
enum FormMoment {
    static func date(_ text: String?, field: String = "at") throws(CaseworkError) -> Date {
        guard let text, !text.isEmpty else { return Date() }
        if let t = Timestamp(text) { return t.date }
        // 2026-11-30T10:00+08:00: an offset given, the seconds not.
        if text.count == 22, let t = Timestamp(String(text.prefix(16)) + ":00" + text.suffix(6)) { return t.date }
        // 2026-11-30T09:30 or 2026-11-30T09:30:15, no offset: the station's (China) time.
        let withSeconds = text.count == 16 ? text + ":00" : text
        if let t = Timestamp(withSeconds + "+08:00") { return t.date }
        throw .invalidTimestamp(field: field)
    }

    /// Now, as a `datetime-local` field's value, for a new form.
    static func now() -> String {
        let stamp = Timestamp(Date(), offsetMinutes: Timestamp.chinaOffsetMinutes).description
        return String(stamp.prefix(16))
    }
}
