import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What the demo ends with, read from the replicas themselves after the last round.
extension DemoScenario {
    /// One line of the final table. A station's digest is set against the hub's digest for
    /// the station's township (they must be equal: the station holds exactly its part); the
    /// hub's row sets its full digest against itself.
    public struct ReplicaRow: Sendable {
        public let name: String
        public let role: ReplicaRole
        public let township: String?
        public let digest: String
        /// The hub's digest for this row's township (the hub's full digest on the hub's row).
        public let hubDigest: String
        public let owed: Int
        public let households: Int

        public var matchesHub: Bool { digest == hubDigest }
    }

    /// The transfer of the demo, as the two stations hold it at the end.
    public struct TransferCheck: Sendable {
        public let household: String
        public let fromStation: String
        public let toStation: String
        public let reachedReceiver: Bool
        public let leftGiver: Bool
    }

    /// A notice as a station shows it: its kind and the case, never the words' values.
    public struct NoticeLine: Sendable {
        public let station: String
        public let kind: String
        public let household: String?
    }

    public struct Outcome: Sendable {
        public let root: String
        public let rows: [ReplicaRow]
        /// Conflicts still waiting for review at the hub (none once the hub has resolved).
        public let openConflicts: [ConflictRecord]
        public let resolvedConflicts: Int
        public let transfer: TransferCheck
        public let lostLaptop: LostLaptopCheck
        public let notices: [NoticeLine]
        /// Every household a station holds is of its own township.
        public let eachStationHoldsOnlyItsOwnCases: Bool
        public let roundsToQuiet: Int

        /// Every station holds exactly the hub's part for its township, nothing is owed,
        /// the transfer moved the case, and the lost laptop's stick reached its replacement
        /// through quarantine.
        public var converged: Bool {
            rows.allSatisfy { $0.matchesHub && $0.owed == 0 } && eachStationHoldsOnlyItsOwnCases
                && transfer.reachedReceiver && transfer.leftGiver
                && lostLaptop.quarantineID != nil && lostLaptop.replacementGotWholeScope && lostLaptop.reachedReplacement
        }
    }

    /// Reads the final state of `county` into an outcome.
    static func outcome(of county: County, root: String, transferred: TransferResult, lostLaptop: LostLaptopCheck,
                        roundsToQuiet: Int) throws(SyncError) -> Outcome {
        try SyncError.catching {
            let hub = county.hub
            var rows = [ReplicaRow(name: hub.identity.name, role: .hub, township: nil, digest: try hub.replica.digest(),
                                   hubDigest: try hub.replica.digest(),
                                   owed: try hub.status().peers.map(\.changesPending).reduce(0, +),
                                   households: try hub.replica.rowIDs(table: "household", limit: nil).count)]
            var ownOnly = true
            var notices: [NoticeLine] = []
            for station in county.stations {
                let township = station.identity.township ?? ""
                let households = try station.replica.rowIDs(table: "household", limit: nil)
                rows.append(ReplicaRow(name: station.identity.name, role: .station, township: township,
                                       digest: try station.replica.digest(), hubDigest: try hub.replica.digest(township: township),
                                       owed: try station.status().changesOwed, households: households.count))
                for id in households {
                    if try station.replica.row(table: "household", rowID: id)?["township"] != .text(township) { ownOnly = false }
                }
                for id in try station.replica.rowIDs(table: "notice", limit: nil) {
                    let notice = try station.replica.row(table: "notice", rowID: id) ?? [:]
                    guard case let .text(kind)? = notice["kind"] else { continue }
                    var household: String?
                    if case let .text(id)? = notice["household_id"] { household = id }
                    notices.append(NoticeLine(station: station.identity.name, kind: kind, household: household))
                }
            }
            let giver = county.stations.first { $0.identity.township == transferred.fromTownship }
            let taker = county.stations.first { $0.identity.township == transferred.toTownship }
            let transfer = TransferCheck(
                household: transferred.household, fromStation: giver?.identity.name ?? transferred.fromTownship,
                toStation: taker?.identity.name ?? transferred.toTownship,
                reachedReceiver: try taker?.replica.row(table: "household", rowID: transferred.household) != nil,
                leftGiver: try giver?.replica.row(table: "household", rowID: transferred.household) == nil)
            let all = try hub.replica.conflicts(includeResolved: true)
            return Outcome(root: root, rows: rows, openConflicts: all.filter { !$0.resolved },
                           resolvedConflicts: all.filter(\.resolved).count, transfer: transfer, lostLaptop: lostLaptop, notices: notices,
                           eachStationHoldsOnlyItsOwnCases: ownOnly, roundsToQuiet: roundsToQuiet)
        }
    }
}
