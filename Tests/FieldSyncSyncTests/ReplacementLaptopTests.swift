import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Rules K5–K7: a laptop replacing a lost one continues its station (cases, history,
/// numbering) under new keys, and the hub accounts for what the old laptop never delivered.
final class ReplacementLaptopTests: TrustTestCase {
    func householdCount(_ replica: Replica) throws -> Int { try replica.rowIDs(table: "household", limit: nil).count }

    func testNewKeysForAStationStillTrustedAreRefusedNamingTheRevokeCommand() throws {
        let county = try makeCounty()
        let request = folder.sub("r.json")
        _ = try Station.initializeReplacement(at: folder.sub("new"), name: "社工站0", township: "630106100",
                                              replacing: county.stations[0].identity.site, requestPath: request)
        XCTAssertThrowsError(try county.hub.enroll(EnrollmentRequest.read(from: request), out: folder.sub("e.json"))) { error in
            guard case .alreadyEnrolled = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("fieldsync hub revoke"), "\(error)")
        }
        XCTAssertEqual(try county.hub.replica.peer(county.stations[0].identity.site)?.signingKey,
                       county.stations[0].identity.signingKey.publicKey.rawRepresentation)
    }

    func testTheReplacementContinuesNumberingGetsWholeScopeAndOwnHistoryAndNoOldWorkIsLost() throws {
        let county = try makeCounty()
        let lost = county.stations[0], other = county.stations[1]
        try register(lost, 3)
        try trip(county, lost)
        try register(lost, 2)
        try trip(county, lost)
        try register(other, 1)
        try trip(county, other)
        let oldHighest = try county.hub.replica.highestLogged(origin: lost.identity.site)
        try county.hub.revoke(station: "630106100", reason: "stolen")

        let laptop = try replacementLaptop(for: lost, at: county.hub)
        guard case .replacementNotCaughtUp? = trustError({ try laptop.export(to: stick("early")) }) else { return XCTFail("K6") }
        XCTAssertEqual(try county.hub.replica.key(lost.identity.signingKey.publicKey.rawRepresentation)?.replacedBy,
                       laptop.identity.signingKey.publicKey.rawRepresentation)

        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        XCTAssertEqual(try laptop.replica.digest(), try county.hub.replica.digest(township: "630106100"), "the whole scope")
        XCTAssertEqual(try laptop.replica.loggedChanges(origin: lost.identity.site, in: 1...oldHighest).count, Int(oldHighest),
                       "its own earlier changes")
        XCTAssertEqual(try householdCount(laptop.replica), 5)

        let newIDs = try register(laptop, 2)
        let result = try county.hub.merge(bundleAt: laptop.export(to: stick("up")).path)
        XCTAssertEqual(result.outcome, .applied, "no reusedSequence refusal")
        XCTAssertGreaterThan(try county.hub.replica.highestLogged(origin: lost.identity.site), oldHighest)
        XCTAssertEqual(try county.hub.replica.vector()[lost.identity.site], try laptop.replica.vector()[lost.identity.site])
        XCTAssertEqual(try householdCount(county.hub.replica), 8, "5 of the old laptop, 2 of the new, 1 of the other township")
        for id in newIDs { XCTAssertNotNil(try county.hub.replica.row(table: "household", rowID: id)) }

        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        XCTAssertEqual(try laptop.replica.digest(), try county.hub.replica.digest(township: "630106100"))
        XCTAssertEqual(try laptop.status().changesOwed, 0)
        let account = try XCTUnwrap(county.hub.status().peers.first { $0.peer.site == lost.identity.site }?.trust?.replaced)
        XCTAssertEqual(account.mergedThrough, oldHighest)
        XCTAssertEqual(account.neverDelivered, 0)
    }

    func testAQuarantinedBundleOfTheOldLaptopAcceptedAfterTheReplacementsNewWorkStillMerges() throws {
        let county = try makeCounty()
        let lost = county.stations[0]
        try register(lost, 2)
        try trip(county, lost)
        let delivered = try county.hub.replica.highestLogged(origin: lost.identity.site)
        let undelivered = try register(lost, 2)
        let late = try lost.export(to: stick("late")).path
        let owed = try lost.replica.highestLogged(origin: lost.identity.site)
        try county.hub.revoke(station: "630106100", reason: "stolen", by: "王芳")
        guard case let .quarantined(_, _, _, id, _)? = trustError({ try county.hub.merge(bundleAt: late) }) else { return XCTFail("held") }

        let laptop = try replacementLaptop(for: lost, at: county.hub)
        let status = try XCTUnwrap(county.hub.status().peers.first { $0.peer.site == lost.identity.site }?.trust)
        XCTAssertEqual(status.quarantinedWaiting, 1)
        XCTAssertEqual(status.replaced?.mergedThrough, delivered)
        XCTAssertEqual(status.replaced?.claimedThrough, owed)
        XCTAssertEqual(status.replaced?.neverDelivered, owed - delivered)

        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        let newIDs = try register(laptop, 2)
        XCTAssertTrue(Set(newIDs).isDisjoint(with: undelivered), "no row id of the old laptop's stick used again")
        XCTAssertEqual(try county.hub.merge(bundleAt: laptop.export(to: stick("up")).path).outcome, .applied)
        XCTAssertGreaterThan(try laptop.replica.highestLogged(origin: lost.identity.site), owed, "numbered above the stick")

        XCTAssertEqual(try county.hub.acceptQuarantined(id: id).outcome, .applied)
        XCTAssertEqual(try householdCount(county.hub.replica), 6)
        for id in undelivered + newIDs { XCTAssertNotNil(try county.hub.replica.row(table: "household", rowID: id)) }
        XCTAssertEqual(try county.hub.replica.vector()[lost.identity.site], try county.hub.replica.highestLogged(origin: lost.identity.site),
                       "no gap left")
        let after = try XCTUnwrap(county.hub.status().peers.first { $0.peer.site == lost.identity.site }?.trust)
        XCTAssertEqual(after.quarantinedWaiting, 0)
        XCTAssertEqual(after.replaced?.neverDelivered, 0)

        try trip(county, laptop)
        XCTAssertEqual(try laptop.replica.digest(), try county.hub.replica.digest(township: "630106100"))
        XCTAssertEqual(try householdCount(laptop.replica), 6, "the old laptop's late work reaches the new one")
        // The laptop's audit event of that import travels up on the next trip (L-rules), then nothing is owed.
        try trip(county, laptop)
        XCTAssertEqual(try laptop.status().changesOwed, 0)
    }

    /// K5: a stick the old laptop wrote after its replacement was enrolled carries numbers
    /// above the floor recorded then (the new laptop's): accept refuses it, typed, it stays
    /// held, and the new laptop's sticks go on merging; reject then settles it.
    func testAcceptRefusesAStickOfTheOldLaptopNumberedAboveTheReplacementsFloor() throws {
        let county = try makeCounty()
        let lost = county.stations[0]
        try register(lost, 2)
        try trip(county, lost)
        try county.hub.revoke(station: "630106100", reason: "stolen")
        let laptop = try replacementLaptop(for: lost, at: county.hub)
        let floor = try XCTUnwrap(county.hub.numberingFloor(of: lost.identity.site))

        try register(lost, 1)
        let late = try lost.export(to: stick("after-replacement")).path
        guard case let .quarantined(_, _, _, id, _)? = trustError({ try county.hub.merge(bundleAt: late) }) else { return XCTFail("held") }
        let before = try county.hub.replica.highestLogged(origin: lost.identity.site)
        guard case let .acceptAboveFloor(refused, _, changes, at, _)? = trustError({ try county.hub.acceptQuarantined(id: id) }) else {
            return XCTFail("accept must refuse")
        }
        XCTAssertEqual(refused, id)
        XCTAssertGreaterThan(changes, 0)
        XCTAssertEqual(at, floor.sequence)
        let text = "\(TrustError.acceptAboveFloor(id: id, station: "社工站0", changes: changes, floor: at, highest: at + 1))"
        XCTAssertTrue(text.contains("numbers now belonging to the replacement laptop") && text.contains("--reject \(id)"), text)
        XCTAssertEqual(try county.hub.replica.quarantineEntry(id: id)?.state, .held)
        XCTAssertEqual(try county.hub.replica.highestLogged(origin: lost.identity.site), before, "nothing merged")

        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        try register(laptop, 1)
        XCTAssertEqual(try county.hub.merge(bundleAt: laptop.export(to: stick("up")).path).outcome, .applied, "no A2 refusal")
        XCTAssertEqual(try county.hub.rejectQuarantined(id: id).state, .rejected)
        try trip(county, laptop)
        XCTAssertEqual(try laptop.replica.digest(), try county.hub.replica.digest(township: "630106100"))
    }

    /// K6: a replacement laptop refuses every local write (the generic write, a casework
    /// verb, a delete) before it has joined and imported its first return bundle, saying
    /// what to do; a folder reopened keeps the hold; the first import lifts it.
    func testAReplacementLaptopRefusesEveryLocalWriteUntilItsFirstReturnBundle() throws {
        let county = try makeCounty()
        let lost = county.stations[0]
        try register(lost, 2)
        try trip(county, lost)
        try county.hub.revoke(station: "630106100", reason: "stolen")

        func assertHeld(_ body: () throws -> Void, _ what: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), what, line: line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("station join") && text.contains("return bundle") && text.contains("回传包"), text, line: line)
            }
        }
        let request = folder.sub("early-request.json")
        let early = try Station.initializeReplacement(at: folder.sub("early"), name: lost.identity.name, township: "630106100",
                                                      replacing: lost.identity.site, requestPath: request, wallClock: clock.wallClock())
        assertHeld({ try self.register(early, 1) }, "before join")
        XCTAssertEqual(try early.replica.highestLogged(origin: lost.identity.site), 0, "nothing numbered")

        let laptop = try replacementLaptop(for: lost, at: county.hub)
        assertHeld({ try self.register(laptop, 1) }, "joined, nothing imported")
        assertHeld({ try laptop.delete(table: "household", id: "x") }, "a delete")
        assertHeld({ _ = try laptop.replica.write(table: "household", rowID: "x", values: ["address": .text("阳坡村")]) },
                   "the replica's own write, which the casework verbs call")
        let reopened = try Station.open(at: laptop.folder.path, wallClock: clock.wallClock())
        assertHeld({ try self.register(reopened, 1) }, "reopened")

        try laptop.importBundle(at: returnBundle(county.hub, for: laptop))
        XCTAssertEqual(try register(laptop, 1).count, 1)
        XCTAssertEqual(try county.hub.merge(bundleAt: laptop.export(to: stick("up")).path).outcome, .applied)
    }

    func testAReplacementForAnotherTownshipIsRefused() throws {
        let county = try makeCounty()
        try county.hub.revoke(station: "630106100", reason: "lost")
        let request = folder.sub("r.json")
        _ = try Station.initializeReplacement(at: folder.sub("new"), name: "社工站0", township: "630106101",
                                              replacing: county.stations[0].identity.site, requestPath: request)
        guard case .replacementTownship? = trustError({ try county.hub.enroll(EnrollmentRequest.read(from: request), out: folder.sub("e.json")) })
        else { return XCTFail("refusal") }
        XCTAssertNotNil(try county.hub.replica.peer(county.stations[0].identity.site)?.revokedAtMillis)
    }
}
