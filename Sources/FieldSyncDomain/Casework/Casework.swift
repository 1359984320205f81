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
/// ## Topics
/// - Households and members: ``addHousehold(_:at:)``, ``editHousehold(_:_:)``, ``household(_:)``,
///   ``households()``, ``addMember(household:_:)``, ``members(household:)``
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

    public init(replica: Replica, offsetMinutes: Int = Timestamp.chinaOffsetMinutes) {
        self.replica = replica
        self.offsetMinutes = offsetMinutes
    }

    // MARK: Plumbing

    func stamp(_ date: Date) -> Timestamp { Timestamp(date, offsetMinutes: offsetMinutes) }

    /// The outcome of the latest check of `application` that is complete (not inconclusive).
    func latestCompletedCheck(application: String) throws(CaseworkError) -> CheckOutcome? {
        try rows("economic_check")
            .filter { $0.text("application_id") == application }
            .compactMap { r -> (Timestamp, CheckOutcome)? in
                guard let at = r.timestamp("completed_at"), let o = r.code("outcome", as: CheckOutcome.self), o != .inconclusive else { return nil }
                return (at, o)
            }
            .max { $0.0 < $1.0 }?.1
    }

    func rows(_ table: String) throws(CaseworkError) -> [RowValues] {
        try wrap { () throws(StoreError) -> [RowValues] in
            var result: [RowValues] = []
            for id in try replica.rowIDs(table: table, limit: nil) {
                if let row = try replica.row(table: table, rowID: id) { result.append(RowValues(row)) }
            }
            return result
        }
    }

    func requireRow(_ table: String, _ id: String) throws(CaseworkError) -> [String: Value] {
        guard !id.isEmpty else { throw .missing(field: "\(table)_id") }
        try wrap { () throws(StoreError) in try Replica.checkEncodable(table: table, rowID: id) }
        guard let row = try wrap({ () throws(StoreError) in try replica.row(table: table, rowID: id) }) else {
            throw .notFound(table: table, id: id)
        }
        return row
    }

    func insert(_ table: String, _ values: [String: Value]) throws(CaseworkError) -> String {
        let id = try wrap { () throws(StoreError) in try RowIDGenerator.next(for: replica, site: replica.siteID) }
        try write(table, id, values)
        return id
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
        let m = try money(text, field: field)
        guard m.fen % 100 == 0 else { throw .invalidAmount(field: field) }
        return m.fen / 100
    }
}

extension Value {
    static func flag(_ b: Bool) -> Value { .integer(b ? 1 : 0) }
    static func optionalText(_ s: String?) -> Value { s.map { .text($0) } ?? .null }
}
