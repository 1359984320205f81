import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore

/// The county's view of one station in `hub status`, beyond what it is owed: when bundles
/// last travelled each way, what the station still owes, and the casework that concerns
/// its township (open conflicts, duplicate groups, decisions waiting for the county,
/// households). Counts and row-free names only.
public struct StationOverview: Sendable, Equatable {
    /// The newest bundle merged from the station, and the newest return bundle written for it.
    public let lastReceived: BundleRecord?
    public let lastSent: BundleRecord?
    /// Changes of its own the station said it held (the sender vector of its newest
    /// bundle, S6) that the hub does not hold: what a lost or unmerged stick still
    /// carries. A lower bound, since the station may have worked since. Nil (unknown)
    /// when no bundle has come from it yet.
    public let changesStillOwed: Int?
    /// Unresolved conflicts on rows of the station's cases or notices addressed to it.
    public let openConflicts: Int
    /// Duplicate groups with a household of the station's township; nil when the county
    /// secret cannot be read (`hub duplicates` says why), which must not stop `hub status`.
    public let duplicateGroups: Int?
    /// Applications of the station's township waiting for a county decision.
    public let pendingDecisions: Int
    /// Registered (not deleted) households whose township is the station's.
    public let householdsInScope: Int
}

/// The county-wide figures `hub status` breaks down by station, read once per status.
struct CountyFigures {
    let households: [String: Int]
    /// Nil when the county secret cannot be read.
    let duplicates: [String: Int]?
    let pending: [String: Int]
    let conflicts: [String: Int]
    let hubVector: VersionVector

    /// The overview of `peer`, a station, with its bundles read from `replica`.
    func overview(of peer: Peer, in replica: Replica) throws(SyncError) -> StationOverview {
        let code = peer.township ?? ""
        return try SyncError.catching {
            let received = try replica.importedBundles(from: peer.site, limit: 1).first
            let said = peer.knownVector[peer.site], held = hubVector[peer.site]
            return StationOverview(lastReceived: received, lastSent: try replica.exportedBundles(to: peer.site, limit: 1).first,
                                   changesStillOwed: received == nil ? nil : Int(said > held ? said - held : 0),
                                   openConflicts: conflicts[code] ?? 0, duplicateGroups: duplicates.map { $0[code] ?? 0 },
                                   pendingDecisions: pending[code] ?? 0, householdsInScope: households[code] ?? 0)
        }
    }
}

extension Hub {
    /// Reads the county once for ``status()``: households, duplicate groups, pending
    /// decisions and open conflicts, each counted per township.
    func countyFigures() throws(SyncError) -> CountyFigures {
        let rows = try CountyRows(replica)
        var households: [String: Int] = [:], duplicates: [String: Int]? = [:], pending: [String: Int] = [:]
        for household in rows.households.values { if let code = household.township { households[code, default: 0] += 1 } }
        do {
            for group in DuplicateScan(rows: rows, secret: try CountySecret.loadOrCreate(in: folder)).groups() {
                for code in group.townships { duplicates?[code, default: 0] += 1 }
            }
        } catch {
            Self.logger.warning("duplicates not counted: the county secret cannot be used", metadata: ["folder": "\(folder.path)"])
            duplicates = nil
        }
        for decision in try pendingDecisions(in: rows) { if let code = decision.township { pending[code, default: 0] += 1 } }
        return try SyncError.catching {
            var conflicts: [String: Int] = [:]
            for conflict in try replica.conflicts(includeResolved: false) {
                if let code = try township(of: conflict, rows: rows) { conflicts[code, default: 0] += 1 }
            }
            return CountyFigures(households: households, duplicates: duplicates, pending: pending, conflicts: conflicts,
                                 hubVector: try replica.vector())
        }
    }

    /// The township a conflict's row belongs to (``CaseworkScope``): its case's, or the one
    /// a notice is addressed to; nil for county-wide rows and rows no longer held.
    private func township(of conflict: ConflictRecord, rows: CountyRows) throws -> String? {
        let row = try replica.row(table: conflict.table, rowID: conflict.rowID)
        let scope = try CaseworkScope().scope(of: conflict.table, rowID: conflict.rowID, value: { row?[$0] },
                                              lookUp: { table, id, column in try replica.row(table: table, rowID: id)?[column] })
        switch scope {
        case let .household(id): return rows.township(of: id)
        case let .township(code): return code
        case .county, .unknown: return nil
        }
    }
}
