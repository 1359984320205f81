import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// The demo county: a hub and three stations with synthetic households, concurrent and
/// conflicting edits, a delete racing an edit, bundles carried in shuffled order with one
/// duplicated and one lost then re-sent, and rounds until every replica has the same
/// digest and nothing is owed.
///
/// Everything happens on real folders, real SQLite files and real signed, encrypted bundle
/// files, so the demo is also a smoke test of the whole loop.
public struct DemoScenario {
    public struct ReplicaRow: Sendable {
        public let name: String
        public let role: ReplicaRole
        public let digest: String
        public let owed: Int
        public let households: Int
    }

    public struct Outcome: Sendable {
        public let root: String
        public let rows: [ReplicaRow]
        public let conflicts: [ConflictRecord]
        public let converged: Bool
        public let roundsToQuiet: Int
    }

    public let root: String
    public let seed: UInt64
    public let householdsPerStation: Int
    public let say: (String) -> Void

    public init(root: String, seed: UInt64 = 2026, householdsPerStation: Int = 12, say: @escaping (String) -> Void) {
        self.root = root
        self.seed = seed
        self.householdsPerStation = householdsPerStation
        self.say = say
    }

    public func run() throws(SyncError) -> Outcome {
        var rng = SeededGenerator(seed: seed)
        let towns = Array(SyntheticNames.townships.prefix(3))
        say("① 建立示范县 Creating the demo county in \(root): hub 湟中区民政局 and \(towns.count) stations")
        let county = try County.create(at: root, hubName: "湟中区民政局 (示范 demo)",
                                       stations: towns.map { .init(name: "\($0.name)社工站", township: $0.code) },
                                       wallClock: SharedSteppingClock().wallClock, seed: seed)
        for station in county.stations { say("   enrolled \(station.identity.name) \(station.identity.township ?? "") site \(station.identity.site)") }

        say("② 离线登记 Stations register households and a year of casework offline (synthetic data, through the casework rules)")
        var households: [[String]] = []
        var totals = SampleCounty.Summary(seed: seed, townships: towns.count, households: 0, members: 0, applications: 0, checks: 0,
                                          decisions: 0, payments: 0, visits: 0, referrals: 0, leftForTheCounty: 0, digest: "", converged: false)
        for (i, station) in county.stations.enumerated() {
            var ids: [String] = []
            for _ in 0..<householdsPerStation {
                var history = CaseHistory(casework: Casework(replica: station.replica, now: CaseHistory.syntheticNow), town: towns[i], summary: totals)
                ids.append(try history.make(using: &rng))
                totals = history.summary
            }
            households.append(ids)
            say("   \(station.identity.name): \(ids.count) households, \(try station.status().changesOwed) changes owed")
        }
        say("   in all: \(totals.members) members, \(totals.applications) applications, \(totals.checks) checks, \(totals.decisions) decisions, \(totals.payments) payments, \(totals.visits) visits, \(totals.referrals) referrals")

        let stick = (root as NSString).appendingPathComponent("usb-stick")
        say("③ 第一轮 Round 1: export to the stick; the hub merges in shuffled order, one bundle duplicated, one lost")
        var up: [String] = []
        for station in county.stations { up.append(try station.export(to: stick + "/round1/").path) }
        let lost = up[1]
        var delivered = up.filter { $0 != lost } + [up[0]]
        delivered.shuffle(using: &rng)
        for path in delivered { try report(county.hub.merge(bundleAt: path)) }
        say("   lost on the way: \((lost as NSString).lastPathComponent) (its changes stay owed)")
        for result in try county.deliverReturnBundles(via: stick + "/round1-return") { report(result) }

        say("④ 并发编辑 Concurrent edits: two stations change one household's income; a delete races an edit")
        let shared = households[0][0]
        try county.stations[0].record(table: "household", id: shared, values: ["monthly_income": .integer(1350)])
        try county.stations[2].record(table: "household", id: shared, values: ["monthly_income": .integer(980)])
        let doomed = households[0][1]
        try county.stations[0].record(table: "household", id: doomed, values: ["address": .text("\(towns[0].villages[0])2社17号")])
        try county.stations[2].delete(table: "household", id: doomed)
        say("   \(county.stations[0].identity.name) sets income 1350, \(county.stations[2].identity.name) sets 980 on \(shared)")
        say("   \(county.stations[0].identity.name) edits the address of \(doomed) while \(county.stations[2].identity.name) deletes it")

        say("⑤ 第二轮 Round 2: new exports re-send what was lost; bundles arrive shuffled, an old one twice")
        var up2: [String] = []
        for station in county.stations { up2.append(try station.export(to: stick + "/round2/").path) }
        var delivered2 = up2 + [lost, up[2]]
        delivered2.shuffle(using: &rng)
        for path in delivered2 { try report(county.hub.merge(bundleAt: path)) }
        for result in try county.deliverReturnBundles(via: stick + "/round2-return") { report(result) }

        say("⑥ 收尾 Final rounds until nothing is owed")
        let rounds = try county.syncUntilQuiet(stick: stick)
        var rows: [ReplicaRow] = []
        return try SyncError.catching {
            rows.append(ReplicaRow(name: county.hub.identity.name, role: .hub, digest: try county.hub.replica.digest(),
                                   owed: try county.hub.status().peers.map(\.changesPending).reduce(0, +),
                                   households: try county.hub.replica.rowIDs(table: "household", limit: nil).count))
            for station in county.stations {
                rows.append(ReplicaRow(name: station.identity.name, role: .station, digest: try station.replica.digest(),
                                       owed: try station.status().changesOwed,
                                       households: try station.replica.rowIDs(table: "household", limit: nil).count))
            }
            let conflicts = try county.hub.replica.conflicts(includeResolved: false)
            let converged = Set(rows.map(\.digest)).count == 1 && rows.allSatisfy { $0.owed == 0 }
            return Outcome(root: root, rows: rows, conflicts: conflicts, converged: converged, roundsToQuiet: rounds)
        }
    }

    private func report(_ result: ImportResult) {
        let name = (result.path as NSString).lastPathComponent
        switch result.outcome {
        case .alreadyImported:
            say("   \(name): already imported, nothing to do")
        case .applied:
            let r = result.report
            say("   \(name): \(r.applied) applied, \(r.stale) stale, \(r.duplicate) duplicate, \(r.conflicts) conflicts")
        }
    }
}
