import Crypto
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Duplicate applicants found at the hub by keyed hash, the notices they send, the warning
/// at one station, what waits for the county, and the per-station figures of `hub status`.
final class DuplicateTests: SyncTestCase {
    /// The casework clock: a little before the hub's manual clock (2026-11-29T05:06:40+08:00).
    static let now = Timestamp("2026-11-29T05:00:00+08:00")!.date
    static func at(_ text: String) -> Date { Timestamp(text)!.date }

    /// One person's ID number (synthetic area 639900) and a second one.
    let number = "639900198003150014"
    let otherNumber = "63990019900601002X"

    func casework(_ station: Station) -> Casework { Casework(replica: station.replica, now: { Self.now }) }

    /// A household of `station`'s township with one member holding `idNumber`; returns both ids.
    func household(_ station: Station, idNumber: String, name: String = "马明",
                   at: String = "2026-11-02T09:00:00+08:00") throws -> (household: String, member: String) {
        let c = casework(station)
        let h = try c.addHousehold(HouseholdInput(township: station.identity.township!, village: "阳坡村", headName: name,
                                                  hukou: "rural", monthlyIncomeYuan: "600"), at: Self.at(at))
        let m = try c.addMember(household: h, MemberInput(name: name, idNumber: idNumber, relation: "head", labourCapacity: "full"),
                                at: Self.at(at))
        return (h, m)
    }

    /// The `duplicate` notices a replica holds addressed to `township`.
    func duplicateNotices(in replica: Replica, to township: String) throws -> [[String: Value]] {
        try replica.rowIDs(table: "notice", limit: nil).compactMap { try replica.row(table: "notice", rowID: $0) }
            .filter { $0["kind"] == .text("duplicate") && $0["township"] == .text(township) }
    }

    func testSameIDNumberAtTwoStationsIsOneGroupAndEachStationGetsOneNoticeOnce() throws {
        let county = try makeCounty(stations: 2)
        let (h0, m0) = try household(county.stations[0], idNumber: number)
        let (h1, m1) = try household(county.stations[1], idNumber: number.lowercased(), name: "马明")
        _ = try household(county.stations[1], idNumber: otherNumber, name: "卓玛")
        try county.syncUntilQuiet(stick: folder.sub("s1"))

        let groups = try county.hub.duplicateGroups()
        XCTAssertEqual(groups.count, 1)
        let group = try XCTUnwrap(groups.first)
        XCTAssertEqual(group.kind, .twoStations)
        XCTAssertEqual(group.households, [h0, h1].sorted())
        XCTAssertEqual(group.members, [m0, m1].sorted())
        XCTAssertEqual(group.townships, ["630106100", "630106101"])
        XCTAssertEqual(group.reference.count, 12)

        for station in county.stations {
            let township = station.identity.township!
            let notices = try duplicateNotices(in: station.replica, to: township)
            XCTAssertEqual(notices.count, 1, "one notice for \(township)")
            XCTAssertEqual(notices.first?["reference"], .text(group.reference))
            XCTAssertEqual(notices.first?["household_id"], .text(township == "630106100" ? h0 : h1))
            XCTAssertEqual(notices.first?["subject_row"], .text(township == "630106100" ? m0 : m1))
        }

        // A rescan, and the next rounds, notify nobody again.
        XCTAssertEqual(try county.hub.flagDuplicates().noticesWritten, 0)
        clock.advance(by: 60_000)
        try county.deliverReturnBundles(via: folder.sub("s2"))
        for station in county.stations {
            XCTAssertEqual(try duplicateNotices(in: station.replica, to: station.identity.township!).count, 1)
        }
    }

    func testNoNoticeOrGroupCarriesAnIDNumberOrAName() throws {
        let county = try makeCounty(stations: 2)
        _ = try household(county.stations[0], idNumber: number, name: "韩福祥")
        _ = try household(county.stations[1], idNumber: number, name: "韩福祥")
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let notices = try county.hub.replica.rowIDs(table: "notice", limit: nil).compactMap {
            try county.hub.replica.row(table: "notice", rowID: $0)
        }
        XCTAssertEqual(notices.count, 2)
        let text = "\(notices) \(try county.hub.duplicateGroups())"
        for secret in [number, String(number.prefix(17)), "韩福祥", "198003150014"] {
            XCTAssertFalse(text.contains(secret), "a notice or group shows personal data")
        }
        let detail = try XCTUnwrap(notices.first?["detail"].flatMap { if case let .text(s) = $0 { s } else { nil } })
        XCTAssertTrue(detail.contains("身份证号") && detail.contains("ID number") && detail.contains("id_number"),
                      "the notice names the field in Chinese and English")
    }

    func testSameIDNumberInTwoHouseholdsOfOneTownshipIsTwoHouseholds() throws {
        let county = try makeCounty(stations: 1)
        let (h0, _) = try household(county.stations[0], idNumber: number)
        let (h1, _) = try household(county.stations[0], idNumber: number)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let groups = try county.hub.duplicateGroups()
        XCTAssertEqual(groups.map(\.kind), [.twoHouseholds])
        XCTAssertEqual(groups.first?.households, [h0, h1].sorted())
        XCTAssertEqual(try duplicateNotices(in: county.hub.replica, to: "630106100").count, 1, "one notice per group and township")
    }

    func testTwoOpenDibaoApplicationsOfOnePersonAreFlaggedAndNotOnceOneIsRejected() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let c = casework(station)
        let (h, m) = try household(station, idNumber: number)
        _ = try c.addMember(household: h, MemberInput(name: "马丽", idNumber: otherNumber, relation: "spouse", labourCapacity: "full"),
                            at: Self.at("2026-11-02T09:05:00+08:00"))
        let a1 = try c.apply(household: h, category: "dibao", channel: "window", receivedAt: Self.at("2026-11-02T10:00:00+08:00"),
                             applicant: m)
        let a2 = try c.apply(household: h, category: "dibao", channel: "phone", receivedAt: Self.at("2026-11-03T10:00:00+08:00"),
                             applicant: m)
        _ = try c.apply(household: h, category: "temporary", channel: "window", amount: "500",
                        receivedAt: Self.at("2026-11-03T11:00:00+08:00"), applicant: m)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let groups = try county.hub.duplicateGroups()
        XCTAssertEqual(groups.count, 1, "one group: the spouse applied for nothing, and temporary is another category")
        XCTAssertEqual(groups.first?.kind, .twoOpenApplications)
        XCTAssertEqual(groups.first?.applications, [a1, a2].sorted())
        XCTAssertEqual(groups.first?.members, [m])
        XCTAssertEqual(groups.first?.category, "dibao")
        XCTAssertTrue(groups.first?.reference.hasSuffix("-dibao") ?? false)

        try c.decide(application: a2, approve: false, reasons: "重复申请", at: Self.at("2026-11-04T10:00:00+08:00"))
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        XCTAssertEqual(try county.hub.duplicateGroups(), [], "a rejected application is not open")
    }

    func testApplicationsWithoutApplicantStandForTheirHouseholdAndAreReportedOnce() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let c = casework(station)
        let (h, _) = try household(station, idNumber: number)
        _ = try c.addMember(household: h, MemberInput(name: "马丽", idNumber: otherNumber, relation: "spouse", labourCapacity: "full"),
                            at: Self.at("2026-11-02T09:05:00+08:00"))
        let a1 = try c.apply(household: h, category: "dibao", channel: "window", receivedAt: Self.at("2026-11-02T10:00:00+08:00"))
        let a2 = try c.apply(household: h, category: "dibao", channel: "window", receivedAt: Self.at("2026-11-02T11:00:00+08:00"))
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let groups = try county.hub.duplicateGroups()
        XCTAssertEqual(groups.count, 1, "two members, one pair of applications: one group")
        XCTAssertEqual(groups.first?.applications, [a1, a2].sorted())
    }

    func testKeyedHashIgnoresCaseAndSpacesAndDependsOnTheSecret() throws {
        let one = CountySecret(bytes: Array(repeating: 1, count: 32)), two = CountySecret(bytes: Array(repeating: 2, count: 32))
        let x = "63990019900601002X"
        XCTAssertEqual(one.personKey(idNumber: x), one.personKey(idNumber: " 63990019900601002x\n"))
        XCTAssertNotEqual(one.personKey(idNumber: x), two.personKey(idNumber: x), "another county's secret gives another reference")
        XCTAssertNotEqual(one.personKey(idNumber: x), one.personKey(idNumber: number))
        XCTAssertEqual(one.personKey(idNumber: x).bytes.count, 32)
        XCTAssertEqual(one.personKey(idNumber: x), one.personKey(idNumber: "\u{3000}63990019900601002x\u{3000}"),
                       "a full-width space (typed on a Chinese keyboard) is trimmed too")
    }

    /// The references every station has been told must not move: the hash is pinned to
    /// HMAC-SHA256(secret, the normalized number), whichever path normalized it.
    func testTheKeyedHashIsHMACSHA256OfTheNormalizedNumber() throws {
        let secret = Array(repeating: UInt8(7), count: 32)
        let expected = Array(HMAC<SHA256>.authenticationCode(for: Data("63990019900601002X".utf8), using: SymmetricKey(data: secret)))
        let county = CountySecret(bytes: secret)
        for typed in ["63990019900601002X", "63990019900601002x", " 63990019900601002x\t", "\u{3000}63990019900601002X"] {
            XCTAssertEqual(county.personKey(idNumber: typed).bytes, expected, typed)
        }
        XCTAssertEqual(CountySecret.normalized("  "), [])
    }

    func testCountySecretIsOwnerOnlyMadeForAnOlderHubAndNeverReplacedWhenDamaged() throws {
        let county = try makeCounty(stations: 1)
        let path = county.hub.folder.countySecretPath
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual((attributes[.size] as? NSNumber)?.intValue, 32)

        _ = try household(county.stations[0], idNumber: number)
        _ = try household(county.stations[0], idNumber: number)
        try county.hub.merge(bundleAt: county.stations[0].export(to: folder.sub("up.fsb")).path)
        let reference = try XCTUnwrap(county.hub.duplicateGroups().first?.reference)
        XCTAssertEqual(try county.hub.duplicateGroups().first?.reference, reference, "stable while the secret is kept")

        try FileManager.default.removeItem(atPath: path)   // a hub made before duplicates existed
        XCTAssertNotEqual(try county.hub.duplicateGroups().first?.reference, reference)
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue, 32)

        try Data("short".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try county.hub.flagDuplicates()) { error in
            guard case SyncError.countySecretUnusable = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("backup"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data("short".utf8), "a damaged secret is left for the operator")
        XCTAssertEqual(try county.hub.status().peers.map { $0.overview?.duplicateGroups }, [nil],
                       "status still answers, with duplicates unknown")
    }

    func testASeededSampleCountyHasTheSameSecretEveryTimeSoItsNoticesAreReproducible() throws {
        func secret(_ name: String, seed: UInt64?) throws -> Data {
            let county = try County.create(at: folder.sub(name), hubName: "湟中区民政局", stations: [], wallClock: clock.wallClock(), seed: seed)
            return try Data(contentsOf: URL(fileURLWithPath: county.hub.folder.countySecretPath))
        }
        XCTAssertEqual(try secret("a", seed: 7), try secret("b", seed: 7))
        XCTAssertNotEqual(try secret("c", seed: 7), try secret("d", seed: 8))
        XCTAssertNotEqual(try secret("e", seed: nil), try secret("f", seed: nil))
    }

    func testStationWarnsAtOnceOfAnIDNumberItAlreadyHoldsWithoutTheNumber() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let c = casework(station)
        let (h0, m0) = try household(station, idNumber: number)
        let h1 = try c.addHousehold(HouseholdInput(township: "630106100", hukou: "rural"), at: Self.at("2026-11-03T09:00:00+08:00"))
        let first = try c.addMemberAndCheckIDNumber(household: h1, MemberInput(name: "卓玛", idNumber: otherNumber, relation: "head",
                                                                               labourCapacity: "full"), at: Self.at("2026-11-03T09:00:00+08:00"))
        XCTAssertNil(first.sameIDNumber)
        let second = try c.addMemberAndCheckIDNumber(household: h1, MemberInput(name: "马明", idNumber: number.lowercased(), relation: "spouse",
                                                                                labourCapacity: "full"), at: Self.at("2026-11-03T09:00:00+08:00"))
        XCTAssertNotNil(try station.replica.row(table: "member", rowID: second.id), "the member is recorded anyway")
        let warning = try XCTUnwrap(second.sameIDNumber)
        XCTAssertEqual(warning.others.map(\.member), [m0])
        XCTAssertEqual(warning.others.map(\.household), [h0])
        let text = warning.description
        XCTAssertTrue(text.contains(h0) && text.contains(m0) && text.contains("身份证号") && text.contains("ID number"), text)
        XCTAssertFalse(text.contains(number) || text.contains("马明"), text)
    }

    func testPendingListsWhatOnlyTheCountyDecidesOldestFirstWithItsWait() throws {
        let county = try makeCounty(stations: 2)
        let (h0, _) = try household(county.stations[0], idNumber: number, at: "2026-10-01T09:00:00+08:00")
        let (h1, _) = try household(county.stations[1], idNumber: otherNumber, at: "2026-10-01T09:00:00+08:00")
        let c0 = casework(county.stations[0]), c1 = casework(county.stations[1])
        let medical = try c0.apply(household: h0, category: "medical", channel: "window", receivedAt: Self.at("2026-11-01T10:00:00+08:00"))
        let large = try c1.apply(household: h1, category: "temporary", channel: "window", amount: "8000",
                                 receivedAt: Self.at("2026-10-20T10:00:00+08:00"))
        _ = try c1.apply(household: h1, category: "temporary", channel: "window", amount: "500",
                         receivedAt: Self.at("2026-10-10T10:00:00+08:00"))   // within township authority
        _ = try c0.apply(household: h0, category: "dibao", channel: "window", receivedAt: Self.at("2026-10-05T10:00:00+08:00"))
        let decided = try c0.apply(household: h0, category: "education", channel: "window", receivedAt: Self.at("2026-10-02T10:00:00+08:00"))
        let department = try c0.apply(household: h0, category: "housing", channel: "window", receivedAt: Self.at("2026-10-03T10:00:00+08:00"))
        try c0.refer(application: department, to: "housing", at: Self.at("2026-10-04T10:00:00+08:00"))
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try Casework(replica: county.hub.replica, now: { Self.now }).decide(application: decided, approve: false, reasons: "县级决定",
                                                                             level: .county, at: Self.at("2026-11-05T10:00:00+08:00"))

        let pending = try county.hub.pendingDecisions()
        XCTAssertEqual(pending.map(\.application), [large, medical], "oldest first; decided, township and department cases left out")
        XCTAssertEqual(pending.map(\.township), ["630106101", "630106100"])
        XCTAssertEqual(pending.map(\.stationName), ["社工站1", "社工站0"])
        XCTAssertEqual(pending.map(\.category), ["temporary", "medical"])
        // The hub's clock reads 2026-11-29T05:06:40+08:00.
        let expected = Self.at("2026-11-29T05:06:40+08:00").timeIntervalSince(Self.at("2026-10-20T10:00:00+08:00"))
        XCTAssertEqual(pending.first?.waitedMillis, UInt64(expected * 1000))
    }

    func testStatusShowsEachStationsBundlesOwedChangesAndCasework() throws {
        let county = try makeCounty(stations: 2)
        let (h0, _) = try household(county.stations[0], idNumber: number)
        _ = try household(county.stations[0], idNumber: otherNumber)
        _ = try household(county.stations[1], idNumber: number)
        let c0 = casework(county.stations[0])
        _ = try c0.apply(household: h0, category: "medical", channel: "window", receivedAt: Self.at("2026-11-05T10:00:00+08:00"))

        let before = try county.hub.status().peers.map { try XCTUnwrap($0.overview) }
        XCTAssertEqual(before.map(\.changesStillOwed), [nil, nil], "unknown before any bundle")
        XCTAssertEqual(before.map { $0.lastReceived == nil && $0.lastSent == nil }, [true, true])

        try county.hub.merge(bundleAt: county.stations[0].export(to: folder.sub("up0.fsb")).path)
        let returns = try county.hub.exportReturnBundles(to: folder.sub("down"))
        for (station, bundle) in zip(county.stations, returns) {
            XCTAssertEqual(bundle.recipientSite, station.identity.site)
            try station.importBundle(at: bundle.path)
        }
        // The station and the county change the same income without seeing each other's change: a conflict.
        try county.stations[0].record(table: "household", id: h0, values: ["monthly_income": .integer(700)])
        clock.advance(by: 1_000)
        try county.hub.replica.write(table: "household", rowID: h0, values: ["monthly_income": .integer(650)])
        let up1 = try county.stations[1].export(to: folder.sub("up1.fsb")).path
        try county.hub.merge(bundleAt: up1)
        try county.hub.merge(bundleAt: county.stations[0].export(to: folder.sub("up2.fsb")).path)

        let peers = try county.hub.status().peers
        let s0 = try XCTUnwrap(peers.first { $0.peer.township == "630106100" }?.overview)
        let s1 = try XCTUnwrap(peers.first { $0.peer.township == "630106101" }?.overview)
        XCTAssertEqual(s1.lastReceived?.fileName, (up1 as NSString).lastPathComponent)
        XCTAssertEqual(s0.lastSent?.fileName, (returns[0].path as NSString).lastPathComponent)
        XCTAssertEqual(s0.changesStillOwed, 0)
        XCTAssertEqual([s0.householdsInScope, s1.householdsInScope], [2, 1])
        XCTAssertEqual([s0.duplicateGroups, s1.duplicateGroups], [1, 1])
        XCTAssertEqual([s0.pendingDecisions, s1.pendingDecisions], [1, 0])
        XCTAssertEqual([s0.openConflicts, s1.openConflicts], [1, 0], "the conflict is on a case of township 630106100")
    }
}
