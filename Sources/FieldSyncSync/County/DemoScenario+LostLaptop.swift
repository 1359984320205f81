import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// The demo's lost laptop (K1–K8): a station's laptop is lost with a stick it wrote but
/// never delivered. The hub revokes the laptop's key, the stick goes to quarantine, a
/// replacement laptop continues the station and receives its whole scope, and the
/// operator accepts the stick, whose household then reaches the new laptop. Accepting is
/// shown because it is the common case (the caseworker hands in the stick) and it proves
/// that quarantine loses nothing; what a rejected stick does (the numbers are waived, K8)
/// is told in the README.
extension DemoScenario {
    /// The lost laptop scene, as the replicas hold it at the end.
    public struct LostLaptopCheck: Sendable {
        public let station: String
        /// The household registered on the lost laptop and carried only by the stick.
        public let household: String
        /// The stick's quarantine entry; nil if the revoked key's stick was not quarantined.
        public let quarantineID: Int64?
        /// The replacement's first return bundle left it holding exactly the hub's part for its township.
        public let replacementGotWholeScope: Bool
        /// Filled in at the end: the stick's household reached the replacement laptop.
        public var reachedReplacement = false
    }

    /// Loses the laptop of `county.stations[index]`, revokes it, quarantines its stick,
    /// enrolls a replacement in its place in `county`, and accepts the stick.
    func loseLaptop(of county: inout County, index: Int, town: SyntheticNames.Township, clock: SharedSteppingClock, stick: String,
                    rng: inout SeededGenerator) throws(SyncError) -> LostLaptopCheck {
        let lost = county.stations[index], hub = county.hub
        let name = lost.identity.name, township = lost.identity.township ?? town.code
        var history = CaseHistory(casework: Casework(replica: lost.replica, now: CaseHistory.syntheticNow), town: town,
                                  summary: SampleCounty.Summary(seed: seed, townships: 1, households: 0, members: 0, applications: 0, checks: 0,
                                                                decisions: 0, payments: 0, visits: 0, referrals: 0, leftForTheCounty: 0,
                                                                digest: "", converged: false))
        let household = try history.make(using: &rng)
        let written = try lost.export(to: stick + "/lost-laptop/")
        say("⑦ 丢失电脑 \(name)'s laptop is lost, with a stick it wrote (household \(household)) not yet delivered")
        try hub.revoke(station: township, reason: "笔记本电脑丢失 laptop lost", by: "县级管理员 county admin")
        say("   the hub revokes its key (fieldsync hub revoke): nothing it signs is merged any more")
        let quarantined = try quarantineID(hub.merge(bundleAt: written.path))
        say("   the stick arrives: \((written.path as NSString).lastPathComponent) \(quarantined.map { "is held in quarantine as #\($0), not merged" } ?? "was MERGED")")

        let enrollment = (county.root as NSString).appendingPathComponent("enrollment")
        let request = (enrollment as NSString).appendingPathComponent("\(township)-replacement-request.json")
        let granted = (enrollment as NSString).appendingPathComponent("\(township)-replacement-enrollment.json")
        let laptop = try Station.initializeReplacement(at: (county.root as NSString).appendingPathComponent("stations/\(township)-replacement"),
                                                       name: name, township: township, replacing: lost.identity.site, requestPath: request,
                                                       wallClock: clock.wallClock)
        let issued = try hub.enroll(EnrollmentRequest.read(from: request), out: granted)
        try laptop.join(Enrollment.read(from: granted))
        county.stations[index] = laptop
        say("   a replacement laptop is enrolled as \(name) (fieldsync station init --replacing \(lost.identity.site.short)); it numbers its work after \(issued.continuing?.sequence ?? 0)")
        guard let peer = try SyncError.catching({ try hub.replica.peer(laptop.identity.site) }) else { throw .notJoined }
        try laptop.importBundle(at: hub.returnBundle(for: peer, to: stick + "/lost-laptop-return/").path)
        let whole = try SyncError.catching { try laptop.replica.digest() == hub.replica.digest(township: township) }
        say("   its first return bundle brings the station's whole scope: \(try count(laptop)) households, \(whole ? "digest = the hub's for \(township)" : "digest DIFFERS from the hub's")")

        if let quarantined {
            let accepted = try hub.acceptQuarantined(id: quarantined, by: "县级管理员 county admin", note: "核对无误 stick checked")
            say("   the operator checks the stick and accepts it (fieldsync hub quarantine --accept \(quarantined)): \(accepted.report.applied) changes merged; they reach the new laptop in the next round")
        }
        return LostLaptopCheck(station: name, household: household, quarantineID: quarantined, replacementGotWholeScope: whole)
    }

    /// The quarantine id when the merge was refused into quarantine, nil when it merged.
    private func quarantineID(_ merge: @autoclosure () throws(SyncError) -> ImportResult) throws(SyncError) -> Int64? {
        do {
            _ = try merge()
            return nil
        } catch let SyncError.trust(.quarantined(_, _, _, id, _)) {
            return id
        }
    }
}
