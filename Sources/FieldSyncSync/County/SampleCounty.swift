import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// Generates a realistic synthetic county of Qinghai: a hub (湟中区民政局), one station per
/// township, households with members, and a year of casework — applications through every
/// channel, economic status checks, decisions, payments, visits and referrals — all made
/// through the casework service, so every rule of the plan is respected. Then the stations
/// sync with the hub until each station holds exactly its township's cases.
///
/// Everything is synthetic and marked so: names are drawn from lists, ID numbers use the
/// non-existent area code 639900, amounts are round plausible figures. The same seed gives
/// the same county, down to the row ids and the state digest.
public struct SampleCounty {
    public struct Plan: Sendable {
        public var seed: UInt64
        public var townships: Int
        public var householdsPerTownship: Int

        public init(seed: UInt64 = 1, townships: Int = 5, householdsPerTownship: Int = 40) {
            self.seed = seed
            self.townships = townships
            self.householdsPerTownship = householdsPerTownship
        }
    }

    /// What was generated.
    public struct Summary: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var townships: Int
        public var households: Int
        public var members: Int
        public var applications: Int
        public var checks: Int
        public var decisions: Int
        public var payments: Int
        public var visits: Int
        public var referrals: Int
        public var leftForTheCounty: Int
        public var digest: String
        public var converged: Bool
    }

    public let root: String
    public let plan: Plan
    public let progress: (Int, Int, String) -> Void

    public init(root: String, plan: Plan, progress: @escaping (Int, Int, String) -> Void = { _, _, _ in }) {
        self.root = root
        self.plan = plan
        self.progress = progress
    }

    public func generate() throws(SyncError) -> Summary {
        try generateCounty().summary
    }

    /// Generates the county and hands it back with the summary, for callers that go on
    /// working with it (the benchmark's county round).
    public func generateCounty() throws(SyncError) -> (county: County, summary: Summary) {
        let towns = Array(SyntheticNames.townships.prefix(max(1, min(plan.townships, SyntheticNames.townships.count))))
        let county = try County.create(at: root, hubName: "湟中区民政局 (样例 sample)",
                                       stations: towns.map { .init(name: "\($0.name)社工站", township: $0.code) },
                                       wallClock: SharedSteppingClock().wallClock, seed: plan.seed)
        try SyncError.catching {
            try Data(Self.notice.utf8).write(to: URL(fileURLWithPath: (root as NSString).appendingPathComponent("SYNTHETIC.md")))
        }
        var rng = SeededGenerator(seed: plan.seed &+ 0x5A4D_504C)
        var summary = Summary(seed: plan.seed, townships: towns.count, households: 0, members: 0, applications: 0, checks: 0,
                              decisions: 0, payments: 0, visits: 0, referrals: 0, leftForTheCounty: 0, digest: "", converged: false)
        let total = towns.count * plan.householdsPerTownship
        for (t, (station, town)) in zip(county.stations, towns).enumerated() {
            let casework = Casework(replica: station.replica, now: CaseHistory.syntheticNow)
            for h in 0..<plan.householdsPerTownship {
                progress(t * plan.householdsPerTownship + h + 1, total, "\(town.name) households")
                var history = CaseHistory(casework: casework, town: town, summary: summary)
                try history.make(using: &rng)
                summary = history.summary
            }
        }
        let stick = (root as NSString).appendingPathComponent("bundles")
        progress(total, total, "syncing stations with the hub")
        var first: [String] = []
        for station in county.stations { first.append(try station.export(to: stick + "/").path) }
        for merged in try county.hub.merge(paths: first) { _ = try merged.result.get() }
        try county.deliverReturnBundles(via: stick + "/return")
        try county.syncUntilQuiet(stick: (root as NSString).appendingPathComponent("sync-rounds"))
        summary.digest = try SyncError.catching { try county.hub.replica.digest() }
        summary.converged = try county.isQuiet()
        for station in county.stations where summary.converged { summary.converged = try Self.holdsItsTownship(station, of: county.hub) }
        return (county, summary)
    }

    /// Whether `station` holds exactly its township's part of the hub (its digest equals
    /// the hub's digest for that township): what "converged" means when each station holds
    /// only its own cases.
    public static func holdsItsTownship(_ station: Station, of hub: Hub) throws(SyncError) -> Bool {
        guard let township = station.identity.township else { return false }
        return try SyncError.catching { try station.replica.digest() == hub.replica.digest(township: township) }
    }

    static let notice = """
    # Synthetic data — 合成数据，非真实人员

    Every household, person, ID number and amount in this folder was generated by
    `fieldsync sample county` from a seed. None describes a real family. ID numbers use
    the non-existent area code 639900; amounts are plausible round figures, not official
    standards. 本目录中的全部户、人员、身份证号和金额均为程序生成的虚构数据。

    """
}

/// One household's year: registration, members, an application and what follows from it.
/// Shared by the sample county and the demo.
struct CaseHistory {
    let casework: Casework
    let town: SyntheticNames.Township
    /// The running totals, carried through and handed back.
    var summary: SampleCounty.Summary

    /// The clock the synthetic year's casework is checked against: its last day, so that
    /// generating it does not depend on the machine's date.
    static let syntheticNow: @Sendable () -> Date = { day(364, hour: 23) }

    /// A day in 2026, January to November, at office hours Beijing time.
    static func day(_ dayOfYear: Int, hour: Int = 10) -> Date {
        // 2026-01-01T00:00:00+08:00 is 1767196800 seconds after 1970.
        Date(timeIntervalSince1970: 1_767_196_800 + Double(dayOfYear) * 86_400 + Double(hour) * 3_600)
    }

    /// Makes the household and its history; returns the household's id.
    @discardableResult
    mutating func make<G: RandomNumberGenerator>(using rng: inout G) throws(SyncError) -> String {
        do { return try makeOrThrow(using: &rng) } catch let error as CaseworkError { throw .invalidInput("\(error)") } catch {
            throw .io("\(error)")
        }
    }

    private mutating func makeOrThrow<G: RandomNumberGenerator>(using rng: inout G) throws -> String {
        let village = town.villages.randomElement(using: &rng)!
        let registered = Int.random(in: 0...200, using: &rng)
        // Category mix (assumption, DETAIL §6.7): dibao most, then temporary, tekun, special aid.
        let category = ["dibao", "dibao", "dibao", "dibao", "temporary", "temporary", "tekun", "medical", "education", "housing"]
            .randomElement(using: &rng)!
        let elderlyAlone = category == "tekun"
        let size = elderlyAlone ? 1 : [1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7].randomElement(using: &rng)!
        let headMale = Bool.random(using: &rng)
        let headYear = elderlyAlone ? Int.random(in: 1936...1955, using: &rng) : Int.random(in: 1950...1995, using: &rng)
        let head = SyntheticNames.personName(using: &rng)
        let residencePermit = Int.random(in: 0..<20, using: &rng) == 0
        let household = try casework.addHousehold(HouseholdInput(
            township: town.code, village: village, address: SyntheticNames.address(village: village, using: &rng), headName: head,
            hukou: Int.random(in: 0..<10, using: &rng) < 7 ? "rural" : "urban", residencePermitHolder: residencePermit,
            longTermUrbanResident: Int.random(in: 0..<20, using: &rng) == 0,
            monthlyIncomeYuan: String(Int.random(in: 3...30, using: &rng) * 100),
            essentialExpensesYuan: String(Int.random(in: 0...20, using: &rng) * 50),
            irregularIncome: Bool.random(using: &rng), memberAbleToWork: !elderlyAlone && Bool.random(using: &rng)),
            at: Self.day(registered, hour: 8))
        summary.households += 1
        var applicant: String?
        for i in 0..<size {
            let year = i == 0 ? headYear : (i == 1 ? headYear + Int.random(in: -3...3, using: &rng) : min(2024, headYear + Int.random(in: 20...35, using: &rng)))
            let male = i == 0 ? headMale : (i == 1 ? !headMale : Bool.random(using: &rng))
            let relation = i == 0 ? "head" : (i == 1 ? "spouse" : "child")
            let age = 2026 - year
            let labour = elderlyAlone || age >= 70 || age < 16 ? "none" : ["full", "full", "partial"].randomElement(using: &rng)!
            let id = try casework.addMember(household: household, MemberInput(
                name: i == 0 ? head : SyntheticNames.personName(using: &rng),
                idNumber: SyntheticIDNumber.make(year: year, month: Int.random(in: 1...12, using: &rng), day: Int.random(in: 1...28, using: &rng),
                                                 male: male, using: &rng),
                relation: relation, labourCapacity: labour,
                disabilityType: Int.random(in: 0..<12, using: &rng) == 0 ? "physical" : nil,
                disabilityGrade: 0, student: age >= 6 && age <= 22), at: Self.day(registered, hour: 8))
            summary.members += 1
            if i == 0 { applicant = id }
        }
        let channel = residencePermit ? "placeOfResidence"
            : ["window", "window", "window", "phone", "hotline12349", "activeDiscovery", "activeDiscovery", "publicServantReport"].randomElement(using: &rng)!
        let received = min(320, registered + Int.random(in: 0...10, using: &rng))
        let emergency = category == "temporary" && Bool.random(using: &rng)
        let amount = category == "temporary" ? String([500, 800, 1_000, 2_000, 5_000].randomElement(using: &rng)!) : nil
        let application = try casework.apply(household: household, category: category, channel: channel, emergency: emergency,
                                             amount: amount, receivedAt: Self.day(received, hour: 9),
                                             applicant: category == "tekun" ? applicant : nil)
        summary.applications += 1
        // Most applications are answered and checked; a few are left open so `due` has work.
        guard received < 315 else { return household }
        try casework.reply(application: application, at: Self.day(received, hour: 15))
        let special = ["medical", "education", "housing"].contains(category)
        if special {
            if category != "medical" { try check(application, at: received + 2, rng: &rng) }
            let referral = try casework.refer(application: application, to: category == "medical" ? "medicalInsurance" : category,
                                              at: Self.day(received + 3))
            summary.referrals += 1
            if Bool.random(using: &rng) {
                try casework.feedback(referral: referral, outcome: "completed", detail: "已办结 done", at: Self.day(received + 10))
            }
            return household
        }
        try check(application, at: received + 3, rng: &rng)
        do {
            try casework.decide(application: application, approve: true, amount: category == "temporary" ? amount : "600",
                                reasons: "经入户调查和经济状况核对，符合条件 (synthetic)", at: Self.day(received + 7))
            summary.decisions += 1
        } catch {
            switch error {
            case .beyondTownshipAuthority:
                summary.leftForTheCounty += 1   // the county decides at the hub (R8)
            case .economicCheckExceedsCriteria:
                try casework.decide(application: application, approve: false, reasons: "核对结果超出标准 (synthetic)", at: Self.day(received + 7))
                summary.decisions += 1
            default:
                throw error
            }
            return household
        }
        let months = category == "temporary" ? 1 : Int.random(in: 1...4, using: &rng)
        for m in 0..<months where received + 10 + 30 * m < 330 {
            try casework.give(application: application, kind: category == "tekun" && m % 2 == 1 ? "service" : "cash",
                              amount: category == "temporary" ? amount : "600", deliveredBy: "\(town.name)社工站",
                              at: Self.day(received + 10 + 30 * m))
            summary.payments += 1
        }
        for v in 0..<Int.random(in: 1...3, using: &rng) where received + 20 + 60 * v < 330 {
            try casework.visit(household: household, visitor: "\(town.name)社工", note: "入户走访 home visit (synthetic)",
                               at: Self.day(received + 20 + 60 * v))
            summary.visits += 1
        }
        return household
    }

    private mutating func check<G: RandomNumberGenerator>(_ application: String, at day: Int, rng: inout G) throws {
        var sources: [CheckSource: CheckResult] = [:]
        for source in CheckSource.allCases { sources[source] = Int.random(in: 0..<10, using: &rng) == 0 ? .found : CheckResult.none }
        let outcome: CheckOutcome = Int.random(in: 0..<12, using: &rng) == 0 ? .exceedsCriteria : .withinCriteria
        try casework.recordCheck(application: application, sources: sources, outcome: outcome, at: Self.day(day))
        summary.checks += 1
    }
}
