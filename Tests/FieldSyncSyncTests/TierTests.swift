import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import XCTest

/// Tiers (sync-protocol.md §4c, T1–T7): county hubs enrolled as stations of a provincial hub.
final class TierTests: SyncTestCase {
    func makeProvince(stationsPerCounty: Int = 2) throws -> Province {
        try Province.create(at: folder.sub("tiers"), codes: ["630122", "630123"], stationsPerCounty: stationsPerCounty,
                            wallClock: clock.wallClock())
    }

    func testACountyHubIsEnrolledByTheSameHubEnrollAndIsNeitherSidesStation() throws {
        let province = try makeProvince()
        XCTAssertEqual(try province.hub.stations(), [], "a county hub is not a station of the province")
        XCTAssertEqual(try province.hub.counties().map(\.township), ["630122", "630123"])
        for county in province.counties {
            XCTAssertEqual(try county.hub.upstream()?.site, province.hub.identity.site)
            XCTAssertEqual(try county.hub.stations().count, 2, "the province is not one of the county's stations")
            XCTAssertEqual(try county.hub.upstreamCounty(), county.stations[0].identity.township.map { String($0.prefix(6)) })
        }
    }

    func testARequestWhoseRoleDisagreesWithItsCodeIsRefused() throws {
        let province = try makeProvince()
        XCTAssertThrowsError(try province.counties[0].hub.requestUpstream(county: "630122101", to: folder.sub("r.json"))) { error in
            XCTAssertTrue("\(error)".contains("6-digit"), "\(error)")
        }
        XCTAssertThrowsError(try province.counties[0].hub.requestUpstream(county: "630124", to: folder.sub("r.json")),
                             "a county hub cannot ask again as another county")
        // A station's request turned into a hub's (outside the signature) names a 9-digit code: refused.
        let path = province.counties[0].root + "/enrollment/630122101-request.json"
        let edited = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"schemaVersion\"", with: "\"role\":\"hub\",\"schemaVersion\"")
        try edited.write(toFile: folder.sub("edited.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EnrollmentRequest.read(from: folder.sub("edited.json"))) { error in
            XCTAssertTrue("\(error)".contains("6-digit county code"), "\(error)")
        }
    }

    func testACountyRelayingAnotherCountysCaseIsRefusedWithNothingApplied() throws {
        let province = try makeProvince()
        let county = province.counties[0]
        try county.hub.replica.write(table: "household", rowID: "forged-1", values: ["township": .text("630123101"), "village": .text("阳坡村")])
        let bundle = try county.hub.exportUpstream(to: folder.sub("up/"))
        let (digest, vector) = (try province.hub.replica.digest(), try province.hub.replica.vector())
        XCTAssertThrowsError(try province.hub.merge(bundleAt: bundle.path)) { error in
            guard case let .unauthorized(_, violation, _)? = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual(violation.rule, "P4 another township")
        }
        XCTAssertEqual(try province.hub.replica.digest(), digest)
        XCTAssertEqual(try province.hub.replica.vector(), vector)
    }

    /// A row an earlier county release merged before row ids were checked (an insider's id
    /// holding a line break) is relayed: the province takes an upstream bundle as the county
    /// merged it, or every later bundle of the county would be refused with it.
    func testAProvinceTakesARowIDTheCountyMergedBeforeRowIDsWereChecked() throws {
        let province = try makeProvince()
        let county = province.counties[0].hub
        let site = county.identity.site
        let id = "\(site.short)-9\n已合并 merged"
        let sequence = try county.replica.vector()[site] + 1, stamp = try county.replica.issueStamp()
        try county.replica.importChanges { tx in
            try tx.apply([.set("household", id, "township", .text("630122101"), stamp: stamp, origin: site, sequence: sequence)])
        }
        try province.hub.merge(bundleAt: county.exportUpstream(to: folder.sub("up/")).path)
        XCTAssertEqual(try province.hub.replica.row(table: "household", rowID: id)?["township"], .text("630122101"))
        try province.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertEqual(try province.mismatches(), [])
    }

    /// A county hub's header claiming to hold the province's own changes far beyond what the
    /// province numbered (or a relayed change of the province's origin numbered so) would
    /// move the province's numbering past it, with no room left: every county would then
    /// refuse the province's bundles. Refused; the county's honest bundle merges.
    func testAProvinceRefusesACountysClaimOnItsNumberingThatNoRestoreExplains() throws {
        let province = try makeProvince()
        let county = province.counties[0].hub
        let own = province.hub.identity.site
        let (sequence, stamp) = (try county.replica.vector()[county.identity.site] + 1, try county.replica.issueStamp())
        let change = Change.set("household", RowIDGenerator.prefix(of: county.identity.site) + "000901", "township", .text("630122101"),
                                stamp: stamp, origin: county.identity.site, sequence: sequence)
        let digest = try province.hub.replica.digest()
        for claim in [UInt64(Int64.max) - 40, ImportTransaction.maxNumberingLoss + 1_000_000] {
            let path = try InsiderBundle.writeUpstream(from: county, changes: [change], to: folder.sub("claim-\(claim).fsb")) { $0[own] = claim }
            XCTAssertThrowsError(try province.hub.merge(bundleAt: path), "\(claim)") { error in
                XCTAssertTrue("\(error)".contains("no replica reaches"), "\(error)")
            }
            XCTAssertEqual(try province.hub.replica.digest(), digest)
        }
        let relayed = Change.set("rule_parameter", "param:y:2027-01-01", "name", .text("y"), stamp: stamp, origin: own,
                                 sequence: UInt64(Int64.max) - 40)
        XCTAssertThrowsError(try province.hub.merge(bundleAt: InsiderBundle.writeUpstream(from: county, changes: [relayed], to: folder.sub("relayed.fsb")))) { error in
            XCTAssertTrue("\(error)".contains("no replica reaches"), "\(error)")
        }
        XCTAssertEqual(try province.hub.replica.digest(), digest)
        try province.hub.merge(bundleAt: county.exportUpstream(to: folder.sub("up/")).path)
        try province.hub.replica.write(table: "rule_parameter", rowID: "param:x:2027-01-01", values: ["name": .text("x")])
    }

    func testACountyHubCannotMoveACaseOutOfItsCounty() throws {
        let province = try makeProvince()
        let ids = try addHouseholds(province.counties[0].stations[0], count: 1)
        try province.syncUntilQuiet(stick: folder.sub("s1"))
        XCTAssertThrowsError(try province.counties[0].hub.transfer(household: ids[0], to: "630123101")) { error in
            XCTAssertTrue("\(error)".contains("only the provincial hub moves a case between counties"), "\(error)")
        }
    }

    func testACaseMovedAcrossCountiesReachesTheReceivingStationAndLeavesTheGivingOne() throws {
        let province = try makeProvince()
        let (giver, taker) = (province.counties[0].stations[0], province.counties[1].stations[1])
        let ids = try addHouseholds(giver, count: 2)
        try giver.record(table: "member", values: ["household_id": .text(ids[0]), "name": .text("马明")])
        try province.syncUntilQuiet(stick: folder.sub("s1"))
        // The giver edits the case before it learns of the move; the stick reaches its county later.
        try giver.record(table: "household", id: ids[0], values: ["village": .text("新村")])
        let late = try giver.export(to: folder.sub("late.fsb"))
        try province.hub.transfer(household: ids[0], to: taker.identity.township!)
        let rounds = try province.syncUntilQuiet(stick: folder.sub("s2"))
        XCTAssertLessThanOrEqual(rounds, 4)
        XCTAssertNil(try giver.replica.row(table: "household", rowID: ids[0]), "let go at the giving station")
        XCTAssertNotNil(try taker.replica.row(table: "household", rowID: ids[0]))
        XCTAssertEqual(try taker.replica.rowIDs(table: "member", limit: nil).count, 1, "the whole case arrived")
        XCTAssertEqual(try taker.replica.row(table: "household", rowID: ids[0])?["village"], .text("新村"), "the late edit was taken")
        try province.counties[0].hub.merge(bundleAt: late.path)  // delivered again: a duplicate
        XCTAssertEqual(try province.mismatches(), [])
        XCTAssertTrue(try province.isQuiet())
    }

    func testMembersOfBothCountiesMeetAtTheProvinceForDuplicateDetection() throws {
        let province = try makeProvince()
        var rng = SeededGenerator(seed: 7)
        let idNumber = SyntheticIDNumber.make(using: &rng)
        for county in province.counties {
            let household = try addHouseholds(county.stations[0], count: 1)[0]
            try county.stations[0].record(table: "member", values: ["household_id": .text(household), "id_number": .text(idNumber)])
        }
        try province.syncUntilQuiet(stick: folder.sub("s1"))
        let holders = try province.hub.replica.rowIDs(table: "member", limit: nil).filter {
            try province.hub.replica.row(table: "member", rowID: $0)?["id_number"] == .text(idNumber)
        }
        XCTAssertEqual(holders.count, 2, "the province holds the member of each county")
        for county in province.counties {
            XCTAssertEqual(try county.hub.replica.rowIDs(table: "member", limit: nil).count, 1, "a county holds only its own")
        }
    }

    func testACountyTakesReturnBundlesOnlyFromItsUpstream() throws {
        let province = try makeProvince()
        let other = try province.counties[1].hub.exportReturnBundles(to: folder.sub("b-down"))[0]
        XCTAssertThrowsError(try province.counties[0].hub.importUpstream(at: other.path)) { error in
            guard case .notFromOurHub? = error as? SyncError else { return XCTFail("\(error)") }
        }
    }

    /// A county hub's laptop is lost like a station's: the province revokes it, holds its
    /// later bundles in quarantine (never merged, never dropped) and writes it no return bundle.
    func testARevokedCountyHubsBundleIsQuarantinedAndItGetsNoReturnBundle() throws {
        let province = try makeProvince()
        let county = province.counties[0]
        let revocation = try province.hub.revoke(station: "630122", reason: "laptop stolen")
        XCTAssertEqual(revocation.station.site, county.hub.identity.site)
        _ = try addHouseholds(county.stations[0], count: 1)
        try county.hub.merge(bundleAt: try county.stations[0].export(to: folder.sub("st-up")).path)
        let up = try county.hub.exportUpstream(to: folder.sub("county-up")).path
        let before = try province.hub.replica.vector()
        XCTAssertThrowsError(try province.hub.merge(bundleAt: up)) { error in
            guard case .trust(.quarantined)? = error as? SyncError else { return XCTFail("\(error)") }
        }
        let after = try province.hub.replica.vector()
        for site in [county.hub.identity.site, county.stations[0].identity.site] {
            XCTAssertEqual(after[site], before[site], "nothing of the county merged (the province's own audit event is all that is new)")
        }
        XCTAssertEqual(try province.hub.quarantine().count, 1)
        let written = try province.hub.exportReturnBundles(to: folder.sub("down")).map(\.recipientSite)
        XCTAssertFalse(written.contains(county.hub.identity.site), "no return bundle to a revoked county hub")
        XCTAssertTrue(written.contains(province.counties[1].hub.identity.site))
    }
}
