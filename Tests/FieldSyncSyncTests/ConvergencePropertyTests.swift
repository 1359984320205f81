import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// SYSTEM.md properties 1–6 over the real loop: three stations and a hub, seeded random
/// inserts, updates and deletes, bundles delivered in random order with duplicates and
/// losses (lost bundles are never delivered; later exports re-send their changes). Each
/// station holds only its township's cases (P1–P8): the county hub edits and deletes case
/// data too, and transfers cases between townships while the stations keep working on
/// them; at the end each station's digest equals the hub's digest of its township.
///
/// Among the random operations are the county's hazards: an insider (a station's key
/// signing changes as another station, beyond its authority, or reusing a number), which
/// the hub must refuse leaving nothing behind; and station 0's laptop restored from an
/// older copy of itself, which must end repaired with nothing lost (S13); and a laptop
/// whose date jumps two days ahead and back, whose bundles the hub refuses meanwhile (M5)
/// until the caseworker corrects the date and runs the clock repair. Applications move
/// forward as each station sees them while the county decides some at the hub, so stale
/// status edits and township writes against the county's meet precedence (M7).
final class ConvergencePropertyTests: XCTestCase {
    /// Seeds run in CI; `FIELDSYNC_SEEDS=N` runs more, `FIELDSYNC_SEED=S` replays one.
    var seeds: [UInt64] {
        if let one = ProcessInfo.processInfo.environment["FIELDSYNC_SEED"].flatMap(UInt64.init) { return [one] }
        let n = ProcessInfo.processInfo.environment["FIELDSYNC_SEEDS"].flatMap(UInt64.init) ?? 100
        return Array(0..<n)
    }

    override func setUp() { TestLogging.bootstrap() }

    func testRandomOperationsAndDeliveryConvergeAndEverythingIsAcknowledged() throws {
        var restores = 0, insiders = 0, skewedRuns = 0, overruled = 0, countyDecisions = 0, transfers = 0
        for seed in seeds {
            let run: Run
            do { run = try runScenario(seed: seed) } catch {
                XCTFail("seed \(seed) (replay with FIELDSYNC_SEED=\(seed)): \(error)")
                throw error
            }
            restores += run.restored ? 1 : 0
            skewedRuns += run.skewed ? 1 : 0
            insiders += run.insiders
            overruled += run.overruled
            countyDecisions += run.countyDecisions
            transfers += run.transfers
        }
        // The hazards must really be among the operations, not just possible.
        if seeds.count >= 20 {
            XCTAssertGreaterThan(restores, 0, "no run restored a laptop")
            XCTAssertGreaterThan(skewedRuns, 0, "no run had a laptop's date jump ahead")
            XCTAssertGreaterThan(insiders, seeds.count, "too few insider bundles were tried")
            XCTAssertGreaterThan(transfers, seeds.count, "too few transfers raced the stations' edits")
            XCTAssertGreaterThan(countyDecisions, 0, "the county never decided an application")
            XCTAssertGreaterThan(overruled, 0, "no stale status edit or township write met precedence (M7)")
        }
    }

    /// What one seed's run exercised.
    struct Run {
        var restored: Bool
        var insiders: Int
        var skewed: Bool
        /// Writes the hub recorded as overruled by precedence (M7).
        var overruled: Int
        var countyDecisions: Int
        /// Cases the county moved between townships while their stations kept working.
        var transfers: Int
    }

    @discardableResult
    func runScenario(seed: UInt64) throws -> Run {
        var rng = SeededGenerator(seed: seed)
        let folder = TemporaryFolder("fieldsync-prop")
        defer { folder.cleanUp() }
        let clock = ManualClock()
        let skews = Skews()
        // Laptops disagree about the time by up to a few minutes: within the skew bound.
        let offsets = (0..<3).map { _ in Int64.random(in: -300_000...300_000, using: &rng) }
        var county = try County.create(
            at: folder.path, hubName: "hub",
            stations: (0..<3).map { .init(name: "station \($0)", township: "63010610\($0)") },
            wallClock: clock.wallClock(),
            stationClocks: (0..<3).map { i in { [skews] in UInt64(Int64(clock.now) + offsets[i] + skews[i]) } },
            seed: seed)   // seeded identities too, so a seed replays exactly
        let stick = folder.sub("stick")
        var toHub: [String] = []      // bundles written, not yet delivered (or delivered and kept for duplicates)
        var toStation: [Int: [String]] = [:]
        var exportCount = 0
        let operations = Int.random(in: 200...320, using: &rng)
        let context = "seed \(seed) (replay with FIELDSYNC_SEED=\(seed))"
        var backup: String?          // a copy of station 0's folder, taken once
        var restored = false
        var skewed = false
        /// The caseworker corrects the date, then repairs the clock when the station says so.
        func correctClock(_ i: Int) throws {
            skews[i] = 0
            let verdict = try county.stations[i].clockReport().verdict
            XCTAssertTrue(skewed || verdict == .ok || verdict == .noHubTime, "a laptop whose date was never wrong needs no repair: \(verdict), \(context)")
            if verdict == .repairNeeded { try county.stations[i].repairClock() }
        }
        var insiders = 0, countyDecisions = 0, transfers = 0
        /// Merges a bundle at the hub; a restored copy's bundle that reuses numbers is refused (S13), nothing else is.
        func merge(_ path: String) throws {
            do { try county.hub.merge(bundleAt: path) } catch let error {
                switch error {
                case .reusedSequence where restored: break
                case .clockAhead where skewed: break
                default: throw error
                }
            }
        }
        /// Imports a return bundle; a restored copy that learns where its history parts repairs (the caseworker's command).
        func deliver(_ path: String, to i: Int) throws {
            let watch = ProcessInfo.processInfo.environment["FIELDSYNC_WATCH"]
            func show(_ when: String) throws {
                guard let watch else { return }
                let r = county.stations[i].replica
                print("WATCH s\(i) \(when) \((path as NSString).lastPathComponent): township \(try r.row(table: "household", rowID: watch)?["township"] ?? .null) case \(try r.township(ofCase: watch) ?? "-") evicted \(try r.evictedTo(household: watch) ?? "-") restore \(String(describing: try county.stations[i].restoreState()))")
            }
            let result = try county.stations[i].importBundle(at: path)
            try show("imported")
            if try county.stations[i].restoreState()?.agreedThrough != nil { try county.stations[i].repairRestoredCopy(); try show("repaired") }
            // After every import, a station holds only its township's cases (P8).
            let station = county.stations[i]
            for id in try station.replica.rowIDs(table: "household", limit: nil)
            // A part-row without a township is allowed while a restored copy is repaired: a change
            // of the hub to a household can arrive before the station's own record of it (S13).
            where ![.text(station.identity.township!), .null].contains(try station.replica.row(table: "household", rowID: id)?["township"] ?? .null) {
                XCTFail("\(station.identity.name) holds household \(id) of another township after importing \((path as NSString).lastPathComponent) "
                        + "(\(result.report); its township \(try station.replica.row(table: "household", rowID: id)?["township"] ?? .null), "
                        + "evicted to \(try station.replica.evictedTo(household: id) ?? "-")), \(context)")
                if ProcessInfo.processInfo.environment["FIELDSYNC_DEBUG"] != nil {
                    let own = station.identity.site
                    let mine = try station.replica.loggedChanges(origin: own, in: 1...(try station.replica.highestLogged(origin: own)))
                    print("DEBUG own changes to \(id):", mine.values.filter { $0.rowID == id }.sorted { $0.sequence < $1.sequence }.map { "\($0)" })
                    for site in [own] + county.stations.map(\.identity.site) + [county.hub.identity.site] {
                        let all = try county.hub.replica.loggedChanges(origin: site, in: 1...max(1, try county.hub.replica.highestLogged(origin: site)))
                        print("DEBUG hub log of \(site) for \(id):", all.values.filter { $0.rowID == id || (try? county.hub.replica.row(table: $0.table, rowID: $0.rowID)?["household_id"]) == .text(id) }.sorted { $0.sequence < $1.sequence }.map { "\($0)" })
                    }
                }
            }
        }

        for _ in 0..<operations {
            clock.advance(by: UInt64.random(in: 0...2_000, using: &rng))
            let s = Int.random(in: 0..<3, using: &rng)
            let station = county.stations[s]
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<30:
                try station.record(table: "household", values: [
                    "township": .text(station.identity.township!),
                    "address": .text("村\(Int.random(in: 1...99, using: &rng))号"),
                    "monthly_income": .integer(Int64.random(in: 0...5_000, using: &rng)),
                    "category": .text(["dibao", "tekun", "temporary"].randomElement(using: &rng)!),
                ])
            case 55..<60:
                // A station moves an application forward as it sees it; another may have moved it further.
                if let id = try station.replica.rowIDs(table: "application", limit: nil).randomElement(using: &rng),
                   let row = try station.replica.row(table: "application", rowID: id), row["decided_by"] != .text("county"),
                   let next = laterStatus(than: row["status"], &rng) {
                    try station.record(table: "application", id: id, values: ["status": .text(next)])
                }
            case 30..<55:
                let ids = try station.replica.rowIDs(table: "household", limit: nil)
                if let id = ids.randomElement(using: &rng) {
                    let column = ["address", "monthly_income", "category", "status"].randomElement(using: &rng)!
                    try station.record(table: "household", id: id, values: [column: randomValue(for: column, &rng)])
                }
            case 60..<65:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    try station.delete(table: "household", id: id)
                }
            case 69 where s != 0:
                // Station s's date jumps two days ahead (beyond the hub's bound), or back.
                if skews[s] == 0 {
                    skews[s] = 2 * 24 * 3_600_000
                    skewed = true
                } else {
                    try correctClock(s)
                }
            case 68:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    try station.record(table: "application", values: [
                        "household_id": .text(id), "category": .text("temporary"), "status": .text("received"),
                    ])
                }
            case 65..<70:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    try station.record(table: "visit", values: ["household_id": .text(id), "note": .text("访视 \(seed)")])
                }
            case 70:
                if let id = try station.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    let application = try station.record(table: "application", values: [
                        "household_id": .text(id), "category": .text("temporary"), "status": .text("approved"),
                    ]).rowID
                    try station.record(table: "assistance", values: [
                        "application_id": .text(application), "household_id": .text(id), "kind": .text("cash"),
                        "amount_fen": .integer(Int64.random(in: 1...200_000, using: &rng)),
                    ])
                }
            case 71:
                // An insider: station s signs what it may not write. Refused whole, nothing changes.
                try insider(county, s, &rng, folder: folder, context: context)
                insiders += 1
            case 72:
                if s == 0, backup == nil {
                    backup = folder.sub("backup-\(Int.random(in: 0...9_999, using: &rng))")
                    try copyFolder(station.folder.path, to: backup!)
                } else if s == 0, let copy = backup, !restored {
                    // The laptop is restored from the copy. What it had written to the stick is delivered first.
                    for path in toHub where path.hasSuffix("-s0.fsb") { try merge(path) }
                    toHub.removeAll { $0.hasSuffix("-s0.fsb") }
                    county.stations[0] = try Station.open(at: copy, wallClock: clock.wallClock(offset: offsets[0]))
                    restored = true
                }
            case 73 where Bool.random(using: &rng):
                // The county corrects or deletes a case directly, racing the station that holds it.
                if let id = try county.hub.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    if Int.random(in: 0..<6, using: &rng) == 0 {
                        try county.hub.replica.delete(table: "household", rowID: id)
                    } else {
                        let column = ["address", "monthly_income", "category", "status"].randomElement(using: &rng)!
                        try county.hub.replica.write(table: "household", rowID: id, values: [column: randomValue(for: column, &rng)])
                    }
                }
            case 93..<96:
                // The county moves a case to another township while its station may still be editing it.
                if let id = try county.hub.replica.rowIDs(table: "household", limit: nil).randomElement(using: &rng) {
                    let to = "63010610\(Int.random(in: 0..<3, using: &rng))"
                    if try county.hub.replica.row(table: "household", rowID: id)?["township"] != .text(to) {
                        try county.hub.transfer(household: id, to: to)
                        transfers += 1
                    }
                }
            case 74:
                // A county decision at the hub, whatever the stations did meanwhile; like the
                // casework verb, only on an application the hub does not hold decided or closed.
                if let id = try county.hub.replica.rowIDs(table: "application", limit: nil).randomElement(using: &rng),
                   let row = try county.hub.replica.row(table: "application", rowID: id),
                   ![Value.text("approved"), .text("rejected"), .text("closed")].contains(row["status"] ?? .null) {
                    try county.hub.replica.write(table: "application", rowID: id, values: [
                        "status": .text(Bool.random(using: &rng) ? "approved" : "rejected"), "decided_by": .text("county"),
                        "decided_at": .text("2026-11-29T10:00:00+08:00"),
                    ])
                    countyDecisions += 1
                }
            case 73:
                // The hub writes too: rule parameters originate there.
                let day = Int.random(in: 1...28, using: &rng)
                try county.hub.replica.write(table: "rule_parameter", rowID: "param:townshipTemporaryCeilingYuan:2027-01-\(day)",
                                             values: ["name": .text("townshipTemporaryCeilingYuan"),
                                                      "effective_from": .text("2027-01-\(day)"),
                                                      "value": .text(String(Int.random(in: 1...9, using: &rng) * 1_000))])
            case 75..<85:
                exportCount += 1
                toHub.append(try station.export(to: stick + "/up\(exportCount)-s\(s).fsb").path)
            case 85..<93:
                // The hub merges some bundles from the stick in random order; some are lost, some come twice.
                toHub.shuffle(using: &rng)
                let take = Int.random(in: 0...toHub.count, using: &rng)
                for path in toHub.prefix(take) where Int.random(in: 0..<10, using: &rng) > 0 {
                    try merge(path)
                }
                toHub = Array(toHub.dropFirst(take)) + toHub.prefix(take).filter { _ in Bool.random(using: &rng) }
            default:
                for (i, station) in county.stations.enumerated() where Bool.random(using: &rng) {
                    exportCount += 1
                    toStation[i, default: []].append(try county.hub.returnBundle(for: try XCTUnwrap(county.hub.replica.peer(station.identity.site)),
                                                                                  to: stick + "/down\(exportCount).fsb").path)
                }
                for i in county.stations.indices {
                    var pending = toStation[i, default: []].shuffled(using: &rng)
                    let take = Int.random(in: 0...pending.count, using: &rng)
                    for path in pending.prefix(take) where Int.random(in: 0..<10, using: &rng) > 0 {
                        try deliver(path, to: i)
                    }
                    pending = Array(pending.dropFirst(take)) + pending.prefix(take).filter { _ in Bool.random(using: &rng) }
                    toStation[i] = pending
                }
            }
        }
        // Stale bundles still lying around may be delivered late: they must change nothing harmful.
        for path in toHub.shuffled(using: &rng) { try merge(path) }

        var rounds = 0
        for i in 0..<3 { try correctClock(i) }
        for round in 1...6 {
            rounds = round
            for (i, station) in county.stations.enumerated() { try merge(station.export(to: stick + "/final-\(round)-s\(i).fsb").path) }
            for (i, station) in county.stations.enumerated() {
                try deliver(county.hub.returnBundle(for: try XCTUnwrap(county.hub.replica.peer(station.identity.site)),
                                                    to: stick + "/final-down-\(round)-\(i).fsb").path, to: i)
            }
            for i in 0..<3 { try correctClock(i) }   // a repair refused before any return bundle runs now
            if try county.isQuiet(), try county.stations.allSatisfy({ try $0.restoreState() == nil }) { break }
        }
        let hubDigest = try county.hub.replica.digest()
        let hubVector = try county.hub.replica.vector()
        for station in county.stations {
            let township = station.identity.township!
            if try station.replica.digest() != county.hub.replica.digest(township: township) {
                XCTFail("\(station.identity.name) diverged from the hub's copy of its township, \(context): "
                        + (try difference(station.replica, county.hub.replica, township: township)))
            }
            // The audit log is outside the digest (M6): each station holds the hub's events for its township.
            XCTAssertEqual(try station.auditLog.events().map(\.id),
                           try county.hub.auditLog.events().filter { $0.township == township || $0.township == "*" }.map(\.id),
                           "\(station.identity.name)'s audit log differs from the hub's for its township, \(context)")
            XCTAssertEqual(try station.status().changesOwed, 0, "\(station.identity.name) still owes changes, \(context)")
            XCTAssertEqual(try station.replica.vector()[station.identity.site], hubVector[station.identity.site], "own vector entry differs, \(context)")
            for id in try station.replica.rowIDs(table: "household", limit: nil) {
                XCTAssertEqual(try station.replica.row(table: "household", rowID: id)?["township"], .text(township),
                               "\(station.identity.name) holds another township's case, \(context)")
            }
        }
        XCTAssertLessThanOrEqual(rounds, restored || skewed ? 4 : 2, "quiet should take two rounds at most (four after a restore or a clock repair), \(context)")
        // Replaying every bundle ever written changes nothing once converged.
        for path in try BundleFiles.expand([stick]).filter({ $0.contains("/up") }) { try merge(path) }
        XCTAssertEqual(try county.hub.replica.digest(), hubDigest, "replay changed the hub, \(context)")
        let overruled = try county.hub.replica.conflicts(includeResolved: true).filter { $0.kind == .overruled }.count
        return Run(restored: restored, insiders: insiders, skewed: skewed, overruled: overruled, countyDecisions: countyDecisions,
                   transfers: transfers)
    }

    /// A status of a later stage than `current` (CaseworkStatusOrder), nil at the last.
    func laterStatus(than current: Value?, _ rng: inout SeededGenerator) -> String? {
        let stages = CaseworkStatusOrder.application.map { $0.map(\.rawValue) }
        guard case let .text(status)? = current, let stage = stages.firstIndex(where: { $0.contains(status) }) else { return nil }
        return stages[(stage + 1)...].joined().randomElement(using: &rng)
    }

    /// Which rows differ between a station and the hub's copy of its township (ids and
    /// columns only), to say where a divergence is.
    func difference(_ station: Replica, _ hub: Replica, township: String) throws -> String {
        var lines: [String] = []
        for table in station.schema.tables.map(\.name) {
            let mine = Set(try station.rowIDs(table: table, limit: nil))
            var theirs = Set<String>()
            for id in try hub.rowIDs(table: table, limit: nil) {
                guard let row = try hub.row(table: table, rowID: id) else { continue }
                let household: String? = table == "household" ? id : { if case let .text(h)? = row["household_id"] { return h } else { return nil } }()
                let inScope: Bool
                if table == "rule_parameter" { inScope = true }
                else if table == "notice" || table == "case_release" { inScope = row["township"] == .text(township) }
                else if let household { inScope = try hub.township(ofCase: household) == township }
                else { inScope = false }
                if inScope { theirs.insert(id) }
            }
            for id in mine.subtracting(theirs).sorted() {
                let row = try station.row(table: table, rowID: id)
                let household: String = table == "household" ? id : { if case let .text(h)? = row?["household_id"] { return h } else { return "?" } }()
                lines.append("\(table)/\(id) only at the station (household \(household): hub township \(try hub.township(ofCase: household) ?? "-"), "
                             + "station township \(try station.township(ofCase: household) ?? "-"), hub row \(try hub.row(table: table, rowID: id) == nil ? "absent" : "present"), "
                             + "hub household \(try hub.isDeleted(table: "household", rowID: household) ? "deleted" : "live"))")
            }
            for id in theirs.subtracting(mine).sorted() { lines.append("\(table)/\(id) only at the hub") }
            for id in mine.intersection(theirs).sorted() {
                let a = try station.row(table: table, rowID: id), b = try hub.row(table: table, rowID: id)
                if a != b, ProcessInfo.processInfo.environment["FIELDSYNC_DEBUG"] != nil {
                    for site in try hub.peers().map(\.site) + [try XCTUnwrap(station.peers().first).site] {
                        let all = try hub.loggedChanges(origin: site, in: 1...max(1, try hub.highestLogged(origin: site)))
                        print("DEBUG hub log of \(site):", all.values.filter { $0.rowID == id }.sorted { $0.sequence < $1.sequence }.map { "\($0)" })
                        let held = try station.loggedChanges(origin: site, in: 1...max(1, try hub.highestLogged(origin: site)))
                        print("DEBUG station log of \(site):", held.values.filter { $0.rowID == id }.sorted { $0.sequence < $1.sequence }.map { "\($0)" })
                    }
                }
                if a != b {
                    let columns = (a ?? [:]).keys.filter { a?[$0] != b?[$0] }.sorted()
                    lines.append("\(table)/\(id) differs in \(columns) station \(columns.map { "\(a?[$0] ?? .null)" }) hub \(columns.map { "\(b?[$0] ?? .null)" })")
                }
            }
        }
        return lines.prefix(12).joined(separator: "; ")
    }

    func randomValue(for column: String, _ rng: inout SeededGenerator) -> Value {
        if Int.random(in: 0..<8, using: &rng) == 0 { return .null }
        switch column {
        case "monthly_income": return .integer(Int64.random(in: 0...5_000, using: &rng))
        case "address": return .text("第\(Int.random(in: 1...9, using: &rng))社")
        case "category": return .text(["dibao", "tekun", "temporary"].randomElement(using: &rng)!)
        default: return .text(["active", "closed"].randomElement(using: &rng)!)
        }
    }

    func copyFolder(_ source: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: (source as NSString).appendingPathComponent(file),
                                             toPath: (target as NSString).appendingPathComponent(file))
        }
    }

    /// Station `s` signs one bundle of what no unmodified program writes: a change labelled
    /// as another station's (A1), a reused number (A2), a hub-only table or a bad value
    /// (A3–A4). The hub refuses it; its case data and vector are unchanged.
    func insider(_ county: County, _ s: Int, _ rng: inout SeededGenerator, folder: TemporaryFolder, context: String) throws {
        let station = county.stations[s]
        let site = station.identity.site
        let (sequence, stamp) = try InsiderBundle.next(of: station)
        let other = county.stations[(s + 1) % 3].identity.site
        let held = try county.hub.replica.vector()[site]
        let changes: [Change]
        switch Int.random(in: 0..<5, using: &rng) {
        case 4:
            // A modified laptop writes another township's case (P4), under its own next number.
            guard let id = try county.hub.replica.rowIDs(table: "household", limit: nil)
                .first(where: { try county.hub.replica.row(table: "household", rowID: $0)?["township"] != .text(station.identity.township!) })
            else { return }
            changes = [.set("household", id, "village", .text("x"), stamp: stamp, origin: site, sequence: sequence)]
        case 0:
            changes = [.set("household", "\(other.short)-999999", "township", .text("630106100"), stamp: stamp, origin: other,
                            sequence: try county.hub.replica.vector()[other] + 1)]
        case 1 where held > 0 && s != 0:
            // Station 0 may be restored in this run; reuse is tried on the others so the hub's restore point stays its own.
            changes = [.set("household", "\(site.short)-999998", "township", .text("630106100"), stamp: stamp, origin: site, sequence: held)]
        case 2:
            changes = [.set("rule_parameter", "param:townshipTemporaryCeilingYuan:2027-01-01", "value", .text("1"),
                            stamp: stamp, origin: site, sequence: sequence)]
        default:
            changes = [.set("household", "\(site.short)-999997", "monthly_income", .integer(-1), stamp: stamp, origin: site, sequence: sequence)]
        }
        let path = try InsiderBundle.write(from: station, changes: changes, to: folder.sub("insider-\(UInt64.random(in: 0...UInt64.max, using: &rng)).fsb"))
        let (digest, vector) = (try county.hub.replica.digest(), try county.hub.replica.vector())
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path), "an insider's bundle was merged, \(context)")
        XCTAssertEqual(try county.hub.replica.digest(), digest, "an insider's bundle changed the hub, \(context)")
        XCTAssertEqual(try county.hub.replica.vector(), vector, "an insider's bundle moved the hub's vector, \(context)")
    }
}

/// Per-station date errors a test sets while the stations run (milliseconds).
final class Skews: @unchecked Sendable {
    // @unchecked: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var values: [Int64] = [0, 0, 0]

    subscript(i: Int) -> Int64 {
        get { lock.withLock { values[i] } }
        set { lock.withLock { values[i] = newValue } }
    }
}
