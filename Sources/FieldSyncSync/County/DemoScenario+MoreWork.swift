import FieldSyncCore
import FieldSyncDomain
import Foundation

extension DemoScenario {
    /// Registers `count` more households, each with its year of casework, at station `index`
    /// of `played`'s county, offline: the work a caller then syncs by other means (the
    /// demo's HTTP scene ⑨). Returns their ids.
    ///
    /// Seeded from the demo's seed but from a generator of its own, so that adding this work
    /// leaves everything scenes ①–⑧ drew as it was.
    public func registerMoreHouseholds(_ count: Int, atStation index: Int, of played: Played) throws(SyncError) -> [String] {
        let station = played.county.stations[index]
        // The demo's stations are the first townships, in order (``play()``).
        let town = SyntheticNames.townships[index]
        var rng = SeededGenerator(seed: seed &+ 0x4C49_4E4B)
        var history = CaseHistory(casework: Casework(replica: station.replica, now: CaseHistory.syntheticNow), town: town,
                                  summary: SampleCounty.Summary(seed: seed, townships: 1, households: 0, members: 0, applications: 0,
                                                                checks: 0, decisions: 0, payments: 0, visits: 0, referrals: 0,
                                                                leftForTheCounty: 0, digest: "", converged: false))
        var ids: [String] = []
        for _ in 0..<count { ids.append(try history.make(using: &rng)) }
        return ids
    }
}
