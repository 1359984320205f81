import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// An application only the county may decide (R8), still undecided: what `hub pending`
/// lists. Row ids, codes and times only; no personal value.
public struct PendingDecision: Sendable, Equatable {
    public let application: String
    public let household: String
    /// The township holding the case, and the name of its station when one is enrolled.
    public let township: String?
    public let stationName: String?
    public let category: String
    public let status: String?
    /// When the application was received (as the station recorded it), and how long ago
    /// that is by the hub's clock; nil when the application has no receipt time.
    public let receivedAt: Timestamp?
    public let waitedMillis: UInt64?
}

extension Hub {
    /// The applications waiting for a county decision, oldest first (by receipt; those
    /// without a receipt time last).
    ///
    /// Waiting for the county means: not approved, rejected or closed, and either marked
    /// `referredToCounty`, or beyond township authority (R8, ``TownshipAuthority``: an
    /// approval of its category and requested amount would be the county's under the
    /// parameters in force today) and not referred to a department (分办/转办: the
    /// department answers those, and `station due` follows them under R13). The casework
    /// verbs refuse such a decision at a station, so nothing else moves these cases; the
    /// station has no step that records handing one to the county, which is why receipt
    /// is the start of the wait.
    public func pendingDecisions() throws(SyncError) -> [PendingDecision] {
        try pendingDecisions(in: CountyRows(replica))
    }

    func pendingDecisions(in rows: CountyRows) throws(SyncError) -> [PendingDecision] {
        let nowMillis = wallClock()
        let today = Timestamp(Date(timeIntervalSince1970: TimeInterval(nowMillis) / 1000)).localDate
        let parameters = try SyncError.catching { try Casework(replica: replica).parameters() }
        var stationOf: [String: String] = [:]
        for station in try stations() where station.revokedAtMillis == nil {
            if let code = station.township, stationOf[code] == nil { stationOf[code] = station.name }
        }
        let pending = rows.applications.compactMap { application -> PendingDecision? in
            guard application.isOpen, let categoryCode = application.category,
                  let household = application.household, rows.households[household] != nil else { return nil }
            let referred = application.status == ApplicationStatus.referredToCounty.rawValue
            if !referred {
                guard !rows.referredToDepartment.contains(application.id), let category = AssistanceCategory(rawValue: categoryCode),
                      TownshipAuthority.decidingLevel(category: category, amount: application.amount.map(Money.init(yuanReal:)),
                                                      approve: true, on: today, parameters: parameters) == .county else { return nil }
            }
            let township = rows.township(of: household)
            let waited = application.receivedAt.map { received -> UInt64 in
                let receivedMillis = UInt64(max(0, received.epochSeconds)) * 1000
                return nowMillis > receivedMillis ? nowMillis - receivedMillis : 0
            }
            return PendingDecision(application: application.id, household: household, township: township,
                                   stationName: township.flatMap { stationOf[$0] }, category: categoryCode,
                                   status: application.status, receivedAt: application.receivedAt, waitedMillis: waited)
        }
        return pending.sorted { a, b in
            switch (a.receivedAt, b.receivedAt) {
            case let (x?, y?) where x != y: x < y
            case (_?, nil): true
            case (nil, _?): false
            default: a.application < b.application
            }
        }
    }
}
