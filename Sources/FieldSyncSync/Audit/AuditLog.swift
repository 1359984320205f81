import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation
import Logging

/// The audit log of one replica (table `audit_event`, case schema 5): append-only, synced in
/// scope like a notice, so each event reaches the hub and the station of its township.
///
/// Each act writes its event in the transaction that performs it (a resolve, a transfer, a
/// decision, an enrollment, a merge or import), so the log never shows an act that did not
/// happen nor misses one that did. Events name cases, stations and bundles by id and hold
/// codes and counts, never a personal value.
///
/// A replica still on case schema 4 or older (a test playing a laptop not yet upgraded)
/// has no log: recording there does nothing, as that FieldSync would not have recorded.
///
/// ```swift
/// try hub.auditLog.record(AuditEntry(.revoked, township: "630122101", subject: site.hex, detail: "reason=lost"))
/// try replica.transaction { tx in …; try hub.auditLog.record(entry, in: &tx) }
/// ```
public struct AuditLog: Sendable, CaseworkAuditor {
    /// The table that holds the log.
    public static let table = CaseworkSchema.auditEvent.name

    let replica: Replica
    let site: SiteID
    /// The node's name: the actor of an act no operator is named for.
    let name: String
    /// The station's own township (nil at a hub): where its own acts are addressed.
    let township: String?
    let wallClock: WallClock
    static let logger = Logger(label: "fieldsync.audit")

    init(replica: Replica, identity: NodeIdentity, wallClock: @escaping WallClock) {
        self.replica = replica
        site = identity.site
        name = identity.name
        township = identity.township
        self.wallClock = wallClock
    }

    /// Whether this replica keeps a log (case schema 5 or newer).
    public var isKept: Bool { replica.schema.table(Self.table) != nil }

    /// Where this node's own acts are addressed: its township, or the whole county for a hub.
    var ownAddress: String { township ?? CaseworkScope.countyWide }

    /// Records `entry` in its own transaction (an act that is not a transaction itself).
    public func record(_ entry: AuditEntry) throws(StoreError) {
        guard isKept else { return }
        try replica.transaction { (tx: inout LocalTransaction) throws(StoreError) in try record(entry, in: &tx) }
    }

    /// Records `entry` in `tx`, the transaction of the act.
    public func record(_ entry: AuditEntry, in tx: inout LocalTransaction) throws(StoreError) {
        guard isKept else { return }
        let values = try values(of: entry)
        let id = try RowIDGenerator.next(in: &tx, site: site)
        try tx.write(table: Self.table, rowID: id, values: values)
        Self.logger.info("audit event", metadata: ["action": "\(entry.action.rawValue)", "township": "\(entry.township)"])
    }

    /// Records `entry` in an import's transaction (a merge or an import of a bundle).
    public func record(_ entry: AuditEntry, in tx: inout ImportTransaction) throws(StoreError) {
        guard isKept else { return }
        try tx.writeLocal({ (local: inout LocalTransaction) throws(StoreError) in try record(entry, in: &local) }, replica: replica)
    }

    /// The row of `entry`, checked as the hub checks a station's event at merge (A1, A4):
    /// a hub's own writes are not checked by its replica, and a malformed event must never
    /// reach a station.
    func values(of entry: AuditEntry) throws(StoreError) -> [String: Value] {
        var values: [String: Value] = [
            "township": .text(entry.township), "at": .integer(Int64(clamping: wallClock())), "actor_site": .text(site.hex),
            "actor_name": .text(entry.actor ?? name), "action": .text(entry.action.rawValue),
        ]
        if let subject = entry.subject { values["subject"] = .text(subject) }
        if let detail = entry.detail { values["detail"] = .text(detail) }
        let table = CaseworkSchema.auditEvent
        let authority = CaseworkAuthority()
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let column = table.column(name),
                  var violation = authority.checkWrite(table: table, column: column, value: value,
                                                       writer: township == nil ? .hub : .station, origin: site) else { continue }
            violation.rowID = nil
            throw StoreError.unauthorized(violation)
        }
        return values
    }

    // MARK: Casework

    public func recordDecision(application: String, household: String?, approved: Bool, level: DecisionLevel,
                               in tx: inout LocalTransaction) throws(StoreError) {
        var address = ownAddress
        if let household, case let .text(code)? = try tx.row(table: "household", rowID: household)?["township"] { address = code }
        try record(AuditEntry(.decided, township: address, subject: application,
                              detail: "outcome=\(approved ? "approved" : "rejected") level=\(level.rawValue)"), in: &tx)
    }

    // MARK: Reading

    /// The events held here, newest first (by the writer's clock, then id), filtered by
    /// `action`, from `sinceMillis` on, at most `limit`.
    public func events(action: String? = nil, sinceMillis: UInt64? = nil, limit: Int? = nil) throws(StoreError) -> [AuditEvent] {
        guard isKept else { return [] }
        var events: [AuditEvent] = []
        var stationNames: [String: String?] = [:]
        for id in try replica.rowIDs(table: Self.table, limit: nil) {
            guard let row = try replica.row(table: Self.table, rowID: id), var event = AuditEvent(row) else { continue }
            if let known = try stationName(of: event.actorSite, known: &stationNames) { event.actorName = known }
            if let action, event.action != action { continue }
            if let sinceMillis, event.atMillis < sinceMillis { continue }
            events.append(event)
        }
        events.sort { ($0.atMillis, $0.id) > ($1.atMillis, $1.id) }
        return limit.map { Array(events.prefix($0)) } ?? events
    }

    /// The name of the station whose site is `hex`, as this replica knows it (its own
    /// identity at a station, an enrolled station at a hub); nil for a hub or an unknown site,
    /// whose events keep the name they recorded (L2).
    func stationName(of hex: String, known: inout [String: String?]) throws(StoreError) -> String? {
        if let cached = known[hex] { return cached }
        var found: String?
        if hex == site.hex {
            found = replica.role == .station ? name : nil
        } else if let other = SiteID(hex: hex), let peer = try replica.peer(other), peer.role == .station {
            found = peer.name
        }
        known[hex] = found
        return found
    }
}
