/// An amount of money in whole fen (分, 1/100 yuan), never negative.
///
/// Amounts are exact integers so that a ceiling test (`amount <= 1000.00 yuan`) and a sum
/// of payments never suffer from binary floating point. New v2 columns store fen as
/// integers and end in `_fen`. Two v1 columns keep their v1 form because synced replicas
/// and tests already use them: `household.monthly_income` (whole yuan, integer) and
/// `application.amount` (yuan, real; written from fen, so it always has at most two
/// decimals and reads back exactly with ``init(yuanReal:)``).
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let fen: Int64

    /// The largest amount accepted from a form: 100 million yuan.
    public static let maximum = Money(fen: 10_000_000_000)
    public static let zero = Money(fen: 0)

    public init(fen: Int64) { self.fen = fen }
    public init(yuan: Int64) { self.fen = yuan * 100 }

    /// Rounds a stored real yuan value (v1 `application.amount`) to fen.
    public init(yuanReal: Double) { self.fen = Int64((yuanReal * 100).rounded()) }

    /// Parses yuan as typed on a form: digits, optionally `.` and one or two decimals
    /// (`1200`, `1200.5`, `1200.50`). No sign, no thousands separators, at most ``maximum``.
    public init?(yuanText text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2, Digits.all(parts[0].utf8), parts[0].utf8.count <= 12,
              let whole = Digits.value(ArraySlice(parts[0].utf8)) else { return nil }
        var fen = Int64(whole) * 100
        if parts.count == 2 {
            let frac = parts[1].utf8
            guard (1...2).contains(frac.count), Digits.all(frac), let f = Digits.value(ArraySlice(frac)) else { return nil }
            fen += Int64(frac.count == 1 ? f * 10 : f)
        }
        guard fen <= Money.maximum.fen else { return nil }
        self.fen = fen
    }

    /// Yuan as a real, for the v1 `application.amount` column.
    public var yuanReal: Double { Double(fen) / 100 }

    /// `1200.50`: yuan with two decimals.
    public var description: String {
        let f = fen % 100
        return "\(fen / 100).\(f < 10 ? "0" : "")\(f)"
    }

    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }
}
