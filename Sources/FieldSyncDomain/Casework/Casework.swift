import FieldSyncCore
import FieldSyncStore
import Foundation

/// The casework service: a caseworker's day (or the county's, at the hub) over one replica,
/// with every numbered rule of the plan enforced.
///
/// Each writing call validates all its input and checks its rules first, then writes
/// through ``Replica/write(table:rowID:values:)`` (one transaction per row), the record
/// of what happened first and derived state (status, next review) after it, so a refusal
/// leaves nothing written and a failure between rows leaves the event recorded. Each
/// returns the new row's id (`<site short>-<counter>`, ``RowIDGenerator``).
///
/// Time is injected: every call takes the moment it concerns (`at:`), which is also how
/// a paper form is entered after the fact; rules use the parameters in force on that
/// moment's local date. Moments are written with ``offsetMinutes`` (China Standard Time).
///
/// Records never contradict time: a writing call refuses a moment more than
/// ``futureTolerance`` past ``now`` and a moment before the record it belongs to (the
/// household's registration, the application's receipt, the referral), and each rule
/// that depends on an earlier event counts only events at or before the act's moment
/// (a check completed after a decision does not satisfy R7 for it). Derived values (the
/// next review, R1/R2; when an application was first answered or helped) are recomputed
/// from their inputs whenever an input changes.
///
/// ## Topics
/// - Households and members: ``addHousehold(_:at:)``, ``editHousehold(_:_:at:)``, ``household(_:)``,
///   ``households()``, ``addMember(household:_:at:)``, ``members(household:)``
/// - A case: ``apply(household:category:channel:emergency:amount:receivedAt:applicant:)``,
///   ``reply(application:at:)``, ``recordCheck(application:sources:outcome:at:)``,
///   ``decide(application:approve:amount:reasons:level:startDate:at:)``,
///   ``give(application:kind:amount:deliveredBy:note:at:)``
/// - Follow-up: ``visit(household:visitor:note:at:)``, ``refer(application:to:at:)``,
///   ``feedback(referral:outcome:detail:at:)``, ``recordReview(household:outcome:note:at:)``,
///   ``note(household:application:author:text:at:)``, ``due(at:)``
/// - Parameters (hub): ``setParameter(_:effectiveFrom:value:note:)``, ``parameters()``
public struct Casework: Sendable {
    public let replica: Replica
    /// The UTC offset written into timestamps, in minutes (480 = UTC+8).
    public let offsetMinutes: Int
    /// The machine's clock, read only to refuse moments in the future.
    public let now: @Sendable () -> Date
    /// Records decisions in the node's audit log, with the decision (nil: no events).
    public var auditor: (any CaseworkAuditor)?

    /// How far past ``now`` a recorded moment may lie: 10 minutes.
    ///
    /// Station laptops' clocks drift by minutes and a caseworker types "now" from the wall
    /// clock, so a moment a few minutes ahead is an honest entry; anything later is a
    /// typo in the date (2062 for 2026) or a wrong clock, and a record dated in the future
    /// would start clocks (R4, R5, R13) and reviews that never come due, or count a check
    /// or an approval that has not happened yet.
    public static let futureTolerance: TimeInterval = TimeInterval(futureToleranceMinutes * 60)
    /// ``futureTolerance`` in whole minutes, as messages state it.
    public static let futureToleranceMinutes = 10

    public init(replica: Replica, offsetMinutes: Int = Timestamp.chinaOffsetMinutes,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.replica = replica
        self.offsetMinutes = offsetMinutes
        self.now = now
    }

    // MARK: Plumbing

    func stamp(_ date: Date) -> Timestamp { Timestamp(date, offsetMinutes: offsetMinutes) }

    /// The moment of a writing call, refused when later than ``now`` plus ``futureTolerance``.
    func moment(_ date: Date, field: String = "at") throws(CaseworkError) -> Timestamp {
        guard date.timeIntervalSince(now()) <= Self.futureTolerance else { throw .momentInTheFuture(field: field) }
        return stamp(date)
    }

    /// Refuses `when` if it is earlier than `earlier`, the `table`.`column` moment of the
    /// record it belongs to or depends on (an absent moment refuses nothing).
    func requireNotBefore(_ when: Timestamp, _ earlier: Timestamp?, table: String, column: String,
                          field: String = "at") throws(CaseworkError) {
        if let earlier, when < earlier { throw .momentBeforeRecord(field: field, table: table, column: column) }
    }

    /// Refuses `when` if it is earlier than the registration of `household` (`created_at`).
    func requireHouseholdExisted(_ household: [String: Value], at when: Timestamp) throws(CaseworkError) {
        try requireNotBefore(when, RowValues(household).timestamp("created_at"), table: "household", column: "created_at")
    }

    /// The completed checks (not inconclusive) of `application`, with their moments.
    func completedChecks(application: String) throws(CaseworkError) -> [(at: Timestamp, outcome: CheckOutcome)] {
        try rows("economic_check")
            .filter { $0.text("application_id") == application }
            .compactMap { r -> (at: Timestamp, outcome: CheckOutcome)? in
                guard let at = r.timestamp("completed_at"), let o = r.code("outcome", as: CheckOutcome.self), o != .inconclusive else { return nil }
                return (at, o)
            }
    }

    /// Every row of `table`, read in one snapshot (``Replica/scan(table:columns:matching:)``):
    /// a per-row read costs a transaction each, which over a station's thousands of rows is
    /// most of what a listing (due items, the workbench's pages) would take.
    ///
    /// `columns` reads only those (a listing of thousands of rows needs a few of each; the
    /// others then read as absent).
    func rows(_ table: String, columns: [String]? = nil) throws(CaseworkError) -> [RowValues] {
        try rows(table, columns: columns, matching: nil)
    }

    /// The rows of `table` whose text `column` is one of `values` (one case's records).
    func rows(_ table: String, where column: String, in values: [String]) throws(CaseworkError) -> [RowValues] {
        try rows(table, columns: nil, matching: (column, values))
    }

    private func rows(_ table: String, columns wanted: [String]?,
                      matching: (column: String, values: [String])?) throws(CaseworkError) -> [RowValues] {
        guard let schema = replica.schema.table(table) else { throw .store(.unknownTable(table)) }
        let columns = wanted ?? schema.columns.map(\.name)
        return try wrap { () throws(StoreError) -> [RowValues] in
            try replica.scan(table: table, columns: columns, matching: matching).map { row in
                var values: [String: Value] = ["id": .text(row.id)]
                for (name, value) in zip(columns, row.values) { values[name] = value }
                return RowValues(values)
            }
        }
    }

    func requireRow(_ table: String, _ id: String) throws(CaseworkError) -> [String: Value] {
        guard !id.isEmpty else { throw .missing(field: "\(table)_id") }
        try wrap { () throws(StoreError) in try Replica.checkEncodable(table: table, rowID: id) }
        guard let row = try wrap({ () throws(StoreError) in try replica.row(table: table, rowID: id) }) else {
            throw try absence(table, id)
        }
        return row
    }

    /// Why a row is not there: never created, or deleted.
    public func absence(_ table: String, _ id: String) throws(CaseworkError) -> CaseworkError {
        if table == "household", let township = try wrap({ () throws(StoreError) in try replica.evictedTo(household: id) }) {
            return .transferred(household: id, township: township)
        }
        return try wrap { () throws(StoreError) in try replica.isDeleted(table: table, rowID: id) } ? .deleted(table: table, id: id)
            : .notFound(table: table, id: id)
    }

    /// Writes a new row under a fresh id. An id whose row exists (or existed: a tombstone
    /// would swallow the new row) is passed over: the counter can lag the rows when an
    /// older build took ids by a read and a separate write, and a new record must never
    /// land on someone else's.
    func insert(_ table: String, _ values: [String: Value]) throws(CaseworkError) -> String {
        for _ in 0..<10_000 {
            let id = try wrap { () throws(StoreError) in try RowIDGenerator.next(for: replica, site: replica.siteID) }
            let taken = try wrap { () throws(StoreError) -> Bool in
                if try replica.row(table: table, rowID: id) != nil { return true }
                return try replica.isDeleted(table: table, rowID: id)
            }
            if taken { continue }
            try write(table, id, values)
            return id
        }
        throw .store(.invalidChange(table: table, reason: "no free row id: the row counter is far behind the rows"))
    }

    func write(_ table: String, _ id: String, _ values: [String: Value]) throws(CaseworkError) {
        _ = try wrap { () throws(StoreError) in try replica.write(table: table, rowID: id, values: values) }
    }

    func wrap<T>(_ body: () throws(StoreError) -> T) throws(CaseworkError) -> T {
        do { return try body() } catch { throw .store(error) }
    }

    static func money(_ text: String, field: String) throws(CaseworkError) -> Money {
        guard !text.isEmpty else { throw .missing(field: field) }
        guard let m = Money(yuanText: text) else { throw .invalidAmount(field: field) }
        return m
    }

    /// The v1 `monthly_income` column holds whole yuan.
    static func wholeYuan(_ text: String, field: String) throws(CaseworkError) -> Int64 {
        guard !text.isEmpty else { throw .missing(field: field) }
        guard let m = Money(yuanText: text), m.fen % 100 == 0 else { throw .invalidWholeYuan(field: field) }
        return m.fen / 100
    }
}

extension Value {
    static func flag(_ b: Bool) -> Value { .integer(b ? 1 : 0) }
    static func optionalText(_ s: String?) -> Value { s.map { .text($0) } ?? .null }
}
