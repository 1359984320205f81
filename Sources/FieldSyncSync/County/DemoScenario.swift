import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// The demo county: a hub and three stations, each holding only its own township's cases.
/// Stations register households and casework offline; bundles travel shuffled, one
/// duplicated, one lost and re-sent; a station and the county hub edit the same reviewed
/// field concurrently and the hub resolves the conflict; the hub transfers a household from
/// one station to another while the first is still editing it; a delete races an edit; a
/// station's laptop is lost and replaced, its last stick quarantined and accepted; then
/// rounds until nothing is owed, and every station's digest equals the hub's for its township.
///
/// Everything happens on real folders, real SQLite files and real signed, encrypted bundle
/// files, so the demo is also a smoke test of the whole loop.
///
/// The scenes end with ``play()``; ``outcome(of:)`` reads the replicas afterwards. Between
/// the two a caller may sync the county further: `fieldsync demo` has a station sync over
/// HTTP through a link that drops (scene ⑨), which this module, free of HTTP, cannot do.
public struct DemoScenario {
    /// The fewest households a station may register: the demo's three stories (conflict,
    /// delete race, transfer) each need one of the first station's.
    public static let minimumHouseholds = 3

    public let root: String
    public let seed: UInt64
    public let householdsPerStation: Int
    public let say: (String) -> Void

    public init(root: String, seed: UInt64 = 2026, householdsPerStation: Int = 12, say: @escaping (String) -> Void) {
        self.root = root
        self.seed = seed
        self.householdsPerStation = max(Self.minimumHouseholds, householdsPerStation)
        self.say = say
    }

    /// The county after the scenes, and what the outcome needs to remember of them.
    public struct Played: Sendable {
        public let county: County
        let transferred: TransferResult
        let lostLaptop: LostLaptopCheck
        public let roundsToQuiet: Int
    }

    /// Plays scenes ①–⑧: the county is quiet at the end (nothing owed either way).
    public func play() throws(SyncError) -> Played {
        var rng = SeededGenerator(seed: seed)
        let towns = Array(SyntheticNames.townships.prefix(3))
        say("① 建立示范县 Creating the demo county in \(root): hub 湟中区民政局 and \(towns.count) stations")
        // A clock that never reads the machine's: the dates the hub writes are the same every run.
        let clock = SharedSteppingClock(startingAt: UInt64(CaseHistory.syntheticNow().timeIntervalSince1970 * 1000))
        var county = try County.create(at: root, hubName: "湟中区民政局 (示范 demo)",
                                       stations: towns.map { .init(name: "\($0.name)社工站", township: $0.code) },
                                       wallClock: clock.wallClock, seed: seed)
        let (a, b, c) = (county.stations[0], county.stations[1], county.stations[2])
        for station in county.stations { say("   enrolled \(station.identity.name) \(station.identity.township ?? "") site \(station.identity.site)") }

        say("② 离线登记 Each station registers its own households and a year of casework offline (synthetic data, through the casework rules)")
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

        let (disputed, doomed, moving) = (households[0][0], households[0][1], households[0][2])
        say("④ 并发 Concurrent work, each side not knowing of the other's:")
        try a.record(table: "household", id: disputed, values: ["monthly_income": .integer(1350)])
        _ = try SyncError.catching { try county.hub.replica.write(table: "household", rowID: disputed, values: ["monthly_income": .integer(980)]) }
        say("   \(a.identity.name) and the county hub both change the monthly income of \(disputed) (a reviewed field)")
        try a.record(table: "household", id: moving, values: ["village": .text(towns[0].villages[1])])
        let transferred = try county.hub.transfer(household: moving, to: b.identity.township!, note: "迁居 moved house (synthetic)")
        say("   the hub transfers \(moving) to \(b.identity.name) while \(a.identity.name), not yet knowing, edits its village")
        try a.delete(table: "household", id: doomed)
        _ = try SyncError.catching { try county.hub.replica.write(table: "household", rowID: doomed, values: ["village": .text(towns[0].villages[0])]) }
        say("   \(a.identity.name) deletes \(doomed) (registered in error) while the hub corrects its village")

        say("⑤ 第二轮 Round 2: new exports re-send what was lost; bundles arrive shuffled, an old one twice")
        var up2: [String] = []
        for station in county.stations { up2.append(try station.export(to: stick + "/round2/").path) }
        var delivered2 = up2 + [lost, up[2]]
        delivered2.shuffle(using: &rng)
        for path in delivered2 { try report(county.hub.merge(bundleAt: path)) }
        for result in try county.deliverReturnBundles(via: stick + "/round2-return") { report(result) }
        say("   \(a.identity.name) now holds \(try count(a)) households, \(b.identity.name) \(try count(b)), \(c.identity.name) \(try count(c))")

        say("⑥ 审核 The hub reviews the conflict queue")
        let queue = try SyncError.catching { try county.hub.replica.conflicts(includeResolved: false) }
        for conflict in queue {
            // The caseworker's figure stands: it was taken at the household's door.
            try county.hub.resolve(conflict: conflict.id, keep: .side(a.identity.township!), note: "入户核实 checked at the door",
                                   by: "县级审核员 county reviewer")
            say("   conflict #\(conflict.id) on \(conflict.table) \(conflict.rowID) \(conflict.column): resolved (fieldsync hub resolve), the station's value kept")
        }

        var lostLaptop = try loseLaptop(of: &county, index: 2, town: towns[2], clock: clock, stick: stick, rng: &rng)

        say("⑧ 收尾 Final rounds until nothing is owed")
        let rounds = try county.syncUntilQuiet(stick: stick)
        lostLaptop.reachedReplacement = try SyncError.catching {
            try county.stations[2].replica.row(table: "household", rowID: lostLaptop.household) != nil
        }
        return Played(county: county, transferred: transferred, lostLaptop: lostLaptop, roundsToQuiet: rounds)
    }

    /// What the replicas of `played`'s county hold now.
    public func outcome(of played: Played) throws(SyncError) -> Outcome {
        try Self.outcome(of: played.county, root: root, transferred: played.transferred, lostLaptop: played.lostLaptop,
                         roundsToQuiet: played.roundsToQuiet)
    }


    func count(_ station: Station) throws(SyncError) -> Int {
        try SyncError.catching { try station.replica.rowIDs(table: "household", limit: nil).count }
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
