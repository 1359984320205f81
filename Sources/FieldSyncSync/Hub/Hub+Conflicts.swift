import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

extension ConflictKind: CustomStringConvertible {
    public var description: String { rawValue }

    /// Whether the losing side did not take effect at all (rather than being one of two
    /// equally valid edits): its station is told its edit was overruled.
    var overrulesLoser: Bool { self == .overruled || self == .lostToDelete }
}

/// Who wrote one side of a conflict, as an operator knows it.
public struct ConflictWriter: Sendable, Equatable {
    public let site: SiteID
    /// The station's name, or 县级中心 county hub.
    public let name: String
    /// The station's township; nil for the hub or a site the hub does not know.
    public let township: String?
    public let isHub: Bool

    /// The name the hub uses for itself in the review queue and in notices.
    public static let hubName = "县级中心 county hub"

    /// `鲁沙尔镇社工站 (630106100)`, or the hub's name.
    public var displayName: String { township.map { "\(name.escapingControlCharacters) (\($0))" } ?? name.escapingControlCharacters }
}

/// One side of a conflict: the value (nil when masked), who wrote it and when.
public struct ConflictSide: Sendable, Equatable {
    /// The value written, or nil when it is personal and not revealed. A delete's side
    /// (``ConflictKind/lostToDelete``) holds `Value.null`.
    public let value: Value?
    public let writer: ConflictWriter
    /// The wall time of the write's stamp, Unix milliseconds.
    public let atMillis: UInt64
    public let version: CellVersion

    public var isMasked: Bool { value == nil }
}

/// A conflict in the hub's review queue as a person reads it: which field of which case,
/// both values, both writers and times, and how it was resolved.
public struct ConflictReview: Sendable, Equatable {
    public let number: Int64
    public let kind: ConflictKind
    public let table: String
    public let rowID: String
    public let column: String
    /// The case (household row id) the row belongs to, found through ``CaseworkScope``;
    /// nil when the row or what it links to is gone.
    public let household: String?
    public let winner: ConflictSide
    public let loser: ConflictSide
    public let detectedAtMillis: UInt64
    /// Whether a person has dealt with it.
    public let isResolved: Bool
    /// Who resolved it, when, how and why; nil while open, and for a conflict marked
    /// reviewed by a FieldSync that did not record resolutions.
    public let resolution: ConflictResolution?
    /// Whether the column holds personal data (its values are masked unless revealed).
    public let isPersonal: Bool

    /// `household.monthly_income`.
    public var field: String { "\(table).\(column)" }
}

extension Hub {
    /// The review queue: open conflicts, oldest first (every conflict with
    /// `includeResolved`). Values of personal columns (``ColumnSchema/isPersonal``) are
    /// masked unless `reveal`.
    public func conflictReviews(includeResolved: Bool = false, reveal: Bool = false) throws(SyncError) -> [ConflictReview] {
        try SyncError.catching {
            let entries = try replica.conflictEntries(includeResolved: includeResolved)
            let writers = try ConflictWriters(hub: identity.site, peers: replica.peers())
            return try entries.map { try review(of: $0, writers: writers, reveal: reveal) }
        }
    }

    /// One conflict by number, resolved or not.
    public func conflictReview(_ number: Int64, reveal: Bool = false) throws(SyncError) -> ConflictReview {
        try SyncError.catching {
            guard let entry = try replica.conflictEntry(id: number) else { throw SyncError.review(.notFound(number: number)) }
            return try review(of: entry, writers: ConflictWriters(hub: identity.site, peers: replica.peers()), reveal: reveal)
        }
    }

    func review(of entry: ConflictEntry, writers: ConflictWriters, reveal: Bool) throws -> ConflictReview {
        let record = entry.record
        let personal = replica.schema.table(record.table)?.column(record.column)?.isPersonal ?? true
        func side(_ cell: CellState) -> ConflictSide {
            ConflictSide(value: personal && !reveal ? nil : cell.value, writer: writers.writer(of: cell.version.site),
                         atMillis: cell.version.stamp.millis, version: cell.version)
        }
        return ConflictReview(number: record.id, kind: record.kind, table: record.table, rowID: record.rowID,
                              column: record.column, household: try household(of: record.table, rowID: record.rowID),
                              winner: side(record.winner), loser: side(record.loser), detectedAtMillis: record.detectedAtMillis,
                              isResolved: record.resolved, resolution: entry.resolution, isPersonal: personal)
    }

    /// The household a row belongs to, as ``CaseworkScope`` places it, looked up in the
    /// hub's replica; nil when the row (or a row it links through) is not visible.
    func household(of table: String, rowID: String) throws -> String? {
        let values = try replica.row(table: table, rowID: rowID)
        if values == nil, table != CaseworkScope().caseTable { return nil }
        let scope = try CaseworkScope().scope(of: table, rowID: rowID, value: { values?[$0] ?? nil }, lookUp: { table, id, column in
            try self.replica.row(table: table, rowID: id)?[column] ?? nil
        })
        if case let .household(id) = scope { return id }
        return nil
    }
}

/// Names the sites that wrote the sides of conflicts: the hub itself, or an enrolled station.
struct ConflictWriters {
    let hub: SiteID
    let peers: [SiteID: Peer]

    init(hub: SiteID, peers: [Peer]) {
        self.hub = hub
        self.peers = Dictionary(peers.map { ($0.site, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func writer(of site: SiteID) -> ConflictWriter {
        if site == hub { return ConflictWriter(site: site, name: ConflictWriter.hubName, township: nil, isHub: true) }
        if let peer = peers[site] {
            return ConflictWriter(site: site, name: peer.name, township: peer.township, isHub: peer.role == .hub)
        }
        return ConflictWriter(site: site, name: "未知站点 unknown site \(site.short)", township: nil, isHub: false)
    }
}
