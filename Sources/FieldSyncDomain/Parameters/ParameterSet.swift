/// The rule parameters in force on any date: built-in defaults plus the rows the hub
/// stored in `rule_parameter`.
///
/// A rule is always evaluated with the parameters in force on the date it concerns (the
/// decision date, the day an application was received): ``value(_:on:)`` picks, for the
/// name, the row with the latest `effective_from` on or before that date; a stored row
/// wins over a built-in default of the same date. Before the earliest row, the earliest
/// row applies (the defaults start 2021-01-01; older cases are not entered as new work).
///
/// ```swift
/// let params = ParameterSet(stored: [.init(name: .dibaoUrbanMonthlyYuan,
///                                          effectiveFrom: CivilDate("2026-07-01")!, value: 85_000)])
/// params.money(.dibaoUrbanMonthlyYuan, on: CivilDate("2026-06-30")!)  // 810.00 (default of 2025)
/// params.money(.dibaoUrbanMonthlyYuan, on: CivilDate("2026-07-01")!)  // 850.00
/// ```
public struct ParameterSet: Sendable {
    /// One dated value; `value` is in base units (fen for yuan parameters).
    public struct Row: Sendable, Equatable {
        public let name: RuleParameter
        public let effectiveFrom: CivilDate
        public let value: Int64
        public let isDefault: Bool

        public init(name: RuleParameter, effectiveFrom: CivilDate, value: Int64, isDefault: Bool = false) {
            self.name = name
            self.effectiveFrom = effectiveFrom
            self.value = value
            self.isDefault = isDefault
        }
    }

    private let rowsByName: [RuleParameter: [Row]]

    /// The built-in defaults only.
    public static let defaults = ParameterSet(stored: [])

    /// Defaults overridden by `stored` rows.
    public init(stored: [Row]) {
        var byName: [RuleParameter: [Row]] = [:]
        for name in RuleParameter.allCases {
            byName[name] = name.defaults.map { Row(name: name, effectiveFrom: $0.effectiveFrom, value: $0.value, isDefault: true) }
        }
        for row in stored { byName[row.name, default: []].append(row) }
        // Ascending by date; on the same date the stored row comes last and therefore wins.
        rowsByName = byName.mapValues { rows in
            rows.sorted { ($0.effectiveFrom, $0.isDefault ? 0 : 1) < ($1.effectiveFrom, $1.isDefault ? 0 : 1) }
        }
    }

    /// Every row for `name`, oldest first.
    public func rows(_ name: RuleParameter) -> [Row] { rowsByName[name] ?? [] }

    /// The row in force on `date`.
    public func row(_ name: RuleParameter, on date: CivilDate) -> Row {
        let rows = rows(name)
        return rows.last { $0.effectiveFrom <= date } ?? rows[0]
    }

    /// The value in force on `date`, in base units.
    public func value(_ name: RuleParameter, on date: CivilDate) -> Int64 { row(name, on: date).value }

    /// A count parameter (months, years, hours, days) as `Int`.
    public func count(_ name: RuleParameter, on date: CivilDate) -> Int { Int(value(name, on: date)) }

    /// A yuan parameter as money.
    public func money(_ name: RuleParameter, on date: CivilDate) -> Money { Money(fen: value(name, on: date)) }
}
