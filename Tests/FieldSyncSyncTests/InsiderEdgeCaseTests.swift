import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// what a modified station program can still make the hub merge.
final class InsiderEdgeCaseTests: SyncTestCase {
    func forged(_ county: County, _ s: Int, _ changes: (SiteID, UInt64, HybridTimestamp) -> [Change]) throws -> String {
        let station = county.stations[s]
        let (sequence, stamp) = try InsiderBundle.next(of: station)
        return try InsiderBundle.write(from: station, changes: changes(station.identity.site, sequence, stamp),
                                       to: folder.sub("insider-\(UInt32.random(in: 0...UInt32.max)).fsb"))
    }

    /// The county refuses (R8) a temporary-assistance application beyond township authority at the hub;
    /// the station's modified program turns the county's refusal into a township approval.
    func testAStationCannotOverturnTheCountysDecisionOrRewriteAnAppendOnlyRecord() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let h = try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")]).rowID
        let a = try station.record(table: "application", values: ["household_id": .text(h), "category": .text("temporary"),
                                                                   "channel": .text("window"), "amount": .real(8000),
                                                                   "status": .text("received")]).rowID
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up1.fsb")).path)
        let hubCasework = Casework(replica: county.hub.replica, now: { Date() })
        let d = try hubCasework.decide(application: a, approve: false, reasons: "县级复核不予批准", level: .county, at: Date())
        let peer = try XCTUnwrap(county.hub.replica.peer(station.identity.site))
        try station.importBundle(at: county.hub.returnBundle(for: peer, to: folder.sub("down1.fsb")).path)
        XCTAssertEqual(try county.hub.replica.row(table: "decision", rowID: d)?["level"], .text("county"))
        // The import recorded its audit event; the hub takes it, so the forgeries below are the station's next numbers.
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up2.fsb")).path)

        let path = try forged(county, 0) { site, seq, stamp in
            [.set("decision", d, "approve", .integer(1), stamp: stamp, origin: site, sequence: seq),
             .set("decision", d, "level", .text("township"), stamp: stamp, origin: site, sequence: seq + 1),
             .set("decision", d, "amount_fen", .integer(800_000), stamp: stamp, origin: site, sequence: seq + 2),
             .set("application", a, "status", .text("approved"), stamp: stamp, origin: site, sequence: seq + 3),
             .set("application", a, "decided_by", .text("township"), stamp: stamp, origin: site, sequence: seq + 4)]
        }
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path)) { XCTAssertTrue("\($0)".contains("A3"), "\($0)") }
        // Decisions are append-only: the first (smallest) version of a cell wins. Stamp the forgery in the past.
        let past = try forged(county, 0) { site, seq, _ in
            let old = HybridTimestamp(millis: 1_000, counter: 0)
            return [.set("decision", d, "approve", .integer(1), stamp: old, origin: site, sequence: seq + 5),
                    .set("decision", d, "level", .text("township"), stamp: old, origin: site, sequence: seq + 6),
                    .set("decision", d, "amount_fen", .integer(800_000), stamp: old, origin: site, sequence: seq + 7)]
        }
        XCTAssertThrowsError(try county.hub.merge(bundleAt: past))
        let row2 = try county.hub.replica.row(table: "decision", rowID: d)
        XCTAssertEqual(row2?["level"], .text("county"), "a station must not turn the county's decision into its own")
        XCTAssertEqual(row2?["approve"], .integer(0), "a station must not reverse the county's refusal")
    }

    /// Structural extremes of sequence numbers signed by an enrolled station.
    func testExtremeSequenceNumbersAreRefusedOrHarmless() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up1.fsb")).path)
        for seq in [UInt64.max, UInt64.max - 1, 0] {
            let path = try InsiderBundle.write(from: station, changes: [
                .set("household", "\(station.identity.site.short)-9\(seq % 1000)", "township", .text("630106100"),
                     stamp: try station.replica.issueStamp(), origin: station.identity.site, sequence: seq)],
                to: folder.sub("seq-\(seq).fsb"))
            XCTAssertThrowsError(try county.hub.merge(bundleAt: path), "sequence \(seq)")
        }
        let peer = try XCTUnwrap(county.hub.replica.peer(station.identity.site))
        try station.importBundle(at: county.hub.returnBundle(for: peer, to: folder.sub("down.fsb")).path)
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村2号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up2.fsb")).path)
    }

    /// A header that says the station holds the hub's own changes, or its township feed, up
    /// to a number no replica reaches: the hub would number past it (a restored hub's rule,
    /// HR2) and could then number nothing, or trap, at its next write or at the next merge
    /// of any station (2^63 − 40 leaves room for a few dozen). Anything more than 2^32 past
    /// what the hub holds is refused, and the hub and the other stations go on.
    func testAHeaderClaimingNumbersNoReplicaReachesIsRefusedAndTheHubGoesOn() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up1.fsb")).path)
        let hubSite = county.hub.identity.site
        let peer = try XCTUnwrap(county.hub.replica.peer(station.identity.site))
        let feed = try XCTUnwrap(county.hub.feedSite(of: peer))
        for (name, site) in [("own", hubSite), ("feed", feed)] {
            let held = name == "own" ? try county.hub.replica.highestLogged(origin: hubSite) : try county.hub.replica.lastArrival()
            for claim in [held + (1 << 32) + 1, UInt64(Int64.max) - 40, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] {
                let path = try InsiderBundle.write(from: station, changes: [], to: folder.sub("claim-\(name)-\(claim).fsb")) { $0[site] = claim }
                XCTAssertThrowsError(try county.hub.merge(bundleAt: path), "\(name) \(claim)") { error in
                    XCTAssertTrue("\(error)".contains(claim <= UInt64(Int64.max) ? "no replica reaches" : "2^63"), "\(error)")
                }
            }
        }
        XCTAssertNil(try county.hub.replica.setting(HubRestore.lostKey))
        XCTAssertLessThan(try county.hub.replica.lastArrival(), 1_000)
        try station.importBundle(at: county.hub.returnBundle(for: peer, to: folder.sub("down.fsb")).path)
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村2号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up2.fsb")).path)
        XCTAssertEqual(try county.hub.replica.rows(table: "household").count, 2)
        // Another township's station, and the hub's own writes, go on as before.
        let other = county.stations[1]
        try other.record(table: "household", values: ["township": .text("630106101"), "address": .text("下庄村1号")])
        try county.hub.merge(bundleAt: other.export(to: folder.sub("other.fsb")).path)
        XCTAssertEqual(try county.hub.replica.rows(table: "household").count, 3)
        XCTAssertNil(try county.hub.replica.setting(Replica.ownWritesHeldKey))
        let peer2 = try XCTUnwrap(county.hub.replica.peer(other.identity.site))
        try other.importBundle(at: county.hub.returnBundle(for: peer2, to: folder.sub("down2.fsb")).path)
    }

    /// A5: a station that creates rows under another station's future ids (or the hub's), or
    /// deletes a row under one before it exists, would stop that station's own rows at the
    /// hub for good: its registration would meet a row of another township (P4) or an
    /// append-only row that exists, or die under the tombstone. Refused; the owner's rows merge.
    func testAStationCannotTakeAnotherReplicasRowIDs() throws {
        let county = try makeCounty()
        let (a, b) = (county.stations[0], county.stations[1])
        let digest = try county.hub.replica.digest()
        // B's next id, and one of the hub's.
        let next = Int(try b.replica.setting(RowIDGenerator.settingKey) ?? "1") ?? 1
        let victim = RowIDGenerator.prefix(of: b.identity.site) + String(format: "%06d", next)
        let hubsOwn = RowIDGenerator.prefix(of: county.hub.identity.site) + "000001"
        for squat in [
            { (site: SiteID, seq: UInt64, stamp: HybridTimestamp) -> [Change] in
                [.set("household", victim, "township", .text("630106100"), stamp: stamp, origin: site, sequence: seq)] },
            { site, seq, stamp in [.delete("household", victim, stamp: stamp, origin: site, sequence: seq)] },
            { site, seq, stamp in [.set("household", hubsOwn, "township", .text("630106100"), stamp: stamp, origin: site, sequence: seq)] },
            { site, seq, stamp in [.set("household", "any-1", "township", .text("630106100"), stamp: stamp, origin: site, sequence: seq)] },
        ] {
            XCTAssertThrowsError(try county.hub.merge(bundleAt: forged(county, 0, squat))) { error in
                guard case let .unauthorized(_, violation, _)? = error as? SyncError else { return XCTFail("\(error)") }
                XCTAssertEqual(violation.rule, "A5 new row id")
            }
            XCTAssertEqual(try county.hub.replica.digest(), digest)
        }
        let own = try b.record(table: "household", values: ["township": .text("630106101"), "address": .text("下庄村1号")]).rowID
        XCTAssertEqual(own, victim)
        try county.hub.merge(bundleAt: b.export(to: folder.sub("b.fsb")).path)
        XCTAssertEqual(try county.hub.replica.row(table: "household", rowID: victim)?["township"], .text("630106101"))
        // A's own rows, and its edits of a row the hub holds, still merge.
        try a.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")])
        try county.hub.merge(bundleAt: a.export(to: folder.sub("a.fsb")).path)
        // The station's own program refuses the same before storing it, so nothing it stores
        // is later refused.
        let later = RowIDGenerator.prefix(of: b.identity.site) + "999999"
        XCTAssertThrowsError(try a.record(table: "household", id: later, values: ["township": .text("630106100")])) { error in
            guard case let .store(.unauthorized(violation)) = error as? SyncError else { return XCTFail("\(error)") }
            XCTAssertEqual(violation.rule, "A5 new row id")
        }
        XCTAssertNil(try a.replica.row(table: "household", rowID: later))
    }

    /// Row ids are told apart by their site's first 8 hex digits (A5): a request whose site
    /// shares them with an enrolled node is refused, and nothing is enrolled.
    func testASiteWhoseShortIDAnotherNodeHasIsNotEnrolled() throws {
        let county = try makeCounty(stations: 1)
        for twin in [county.stations[0].identity.site, county.hub.identity.site] {
            var bytes = twin.bytes
            bytes[15] ^= 0xFF
            let identity = NodeIdentity(site: try XCTUnwrap(SiteID(bytes: bytes)), name: "社工站9", role: .station, township: "630106109")
            XCTAssertThrowsError(try county.hub.enroll(EnrollmentRequest.make(for: identity, atMillis: clock.now).0, out: folder.sub("e.json"))) { error in
                XCTAssertTrue("\(error)".contains("8 hex digits"), "\(error)")
            }
            XCTAssertNil(try county.hub.replica.peer(identity.site))
        }
    }

    /// Row ids reach refusal messages on the hub operator's terminal, the hub's log and the
    /// quarantine record: one holding a line break or an escape sequence could forge or
    /// erase a line there. The whole bundle is refused without repeating the id, and the
    /// station's next honest bundle merges.
    func testARowIDHoldingAControlCharacterRefusesTheBundleAndTheHubGoesOn() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up1.fsb")).path)
        let digest = try county.hub.replica.digest()
        for id in ["\(station.identity.site.short)-9\n已合并 merged", "\u{1B}[1A\u{1B}[2K", "h\u{0}", "h\u{85}"] {
            let path = try forged(county, 0) { site, seq, stamp in
                [.set("household", id, "township", .text("630106100"), stamp: stamp, origin: site, sequence: seq)]
            }
            XCTAssertThrowsError(try county.hub.merge(bundleAt: path)) { error in
                XCTAssertTrue("\(error)".contains("control character"), "\(error)")
                XCTAssertFalse("\(error)".contains(id))
            }
            XCTAssertEqual(try county.hub.replica.digest(), digest)
        }
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村2号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up2.fsb")).path)
        XCTAssertEqual(try county.hub.replica.rows(table: "household").count, 2)
    }

    /// A change an earlier release merged, before row ids were checked, still reaches the
    /// stations: a return bundle is read as its hub merged it (B19 and the row-id check hold
    /// what a station sends), so the county does not cut its own stations off.
    func testARowIDAnEarlierHubTookStillReachesItsStations() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up1.fsb")).path)
        let hub = county.hub.identity.site
        let id = "\(hub.short)-9\n1"
        let sequence = try county.hub.replica.vector()[hub] + 1, stamp = try county.hub.replica.issueStamp()
        try county.hub.replica.importChanges { tx in
            try tx.apply([.set("household", id, "township", .text("630106100"), stamp: stamp, origin: hub, sequence: sequence)])
        }
        let peer = try XCTUnwrap(county.hub.replica.peer(station.identity.site))
        try station.importBundle(at: county.hub.returnBundle(for: peer, to: folder.sub("down.fsb")).path)
        XCTAssertEqual(try station.replica.row(table: "household", rowID: id)?["township"], .text("630106100"))
        // The station goes on syncing, and may correct that row: the hub holds it.
        try station.record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村2号")])
        try station.record(table: "household", id: id, values: ["address": .text("阳坡村3号")])
        try county.hub.merge(bundleAt: station.export(to: folder.sub("up2.fsb")).path)
        XCTAssertEqual(try county.hub.replica.row(table: "household", rowID: id)?["address"], .text("阳坡村3号"))
    }

    /// Station and hub names are shown on other machines (in bundle headers, requests,
    /// messages); a name typed with a control character is refused where it enters, before
    /// any folder or key exists. A request carries the name its station stored (an earlier
    /// release may have taken one): it is enrolled, and the name shown escaped.
    func testANameHoldingAControlCharacterIsRefusedWhereItEnters() throws {
        for name in ["社工站\n0", "\u{1B}[2K社工站", "社工站\u{7F}"] {
            let path = folder.sub("station-\(name.unicodeScalars.count)")
            XCTAssertThrowsError(try Station.initialize(at: path, name: name, township: "630106100", requestPath: folder.sub("r.json"))) { error in
                guard case SyncError.inputHoldsControlCharacter(field: let field) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(field.contains("--name"), field)
                XCTAssertFalse("\(error)".contains(name))
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: path))
            XCTAssertNoThrow(try EnrollmentRequest.checkFields(name: name, township: "630106100"))
        }
        XCTAssertNoThrow(try EnrollmentRequest.checkFields(name: "鲁沙尔镇社工站 (二站)", township: "630106100"))
        let county = try makeCounty()
        let household = try county.stations[0].record(table: "household", values: ["township": .text("630106100"), "address": .text("阳坡村1号")]).rowID
        XCTAssertThrowsError(try county.hub.transfer(household: household, to: "630106101\u{1B}")) { error in
            guard case SyncError.inputHoldsControlCharacter(field: let field) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(field.contains("--to"), field)
        }
        // A name an earlier release stored (a key file, a hub's enrollment file) is kept, not refused.
        XCTAssertNoThrow(try InputCheck.name("社工站\r", field: "the name in key file k", stored: true))
    }

    /// What the hub shows of a file it refuses comes from outside: the file's name (a stick
    /// may hold any) and, for a key it does not know, the name the signed header claims.
    /// Both are shown with their control characters escaped.
    func testAFileNameOrAClaimedSenderNameIsShownEscaped() throws {
        let county = try makeCounty(stations: 1)
        let stranger = try makeCounty(stations: 1, at: "elsewhere")
        let forged = "社工站0\n合并完成 merged\u{1B}[2K"
        let path = try InsiderBundle.write(from: stranger.stations[0], changes: [], to: folder.sub("x\u{1B}]0;title\u{7}.fsb"), senderName: forged)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path)) { error in
            guard case SyncError.unenrolledStation = error else { return XCTFail("\(error)") }
            let text = "\(error)"
            XCTAssertFalse(text.holdsControlCharacter, text)
            XCTAssertTrue(text.contains("社工站0\\u{A}合并完成 merged\\u{1B}[2K"), text)
            XCTAssertTrue(text.contains("x\\u{1B}]0;title\\u{7}.fsb"), text)
        }
    }

    /// Every refusal that names a station or hub by the name it stored (an earlier release
    /// took names unchecked, and an enrollment file carries its hub's) shows it escaped.
    func testEveryRefusalNamingAStationOrHubShowsTheNameEscaped() {
        let name = "社工站0\n合并完成 merged\u{1B}[2K"
        let site = SiteID(bytes: [UInt8](repeating: 7, count: 16))!, file = "up.fsb"
        let clock = ClockError.remoteStampTooFarAhead(site: site, stamp: HybridTimestamp(rawValue: 1 << 40), localWallMillis: 0, boundMillis: 86_400_000)
        let errors: [SyncError] = [
            .alreadyEnrolled(name: name, site: site), .revokedSigner(name: name, file: file),
            .notFromOurHub(file: file, what: "a station's bundle", hubName: name), .returnBundleOfAnotherHub(file: file, hubName: name),
            .unenrolledStation(file: file, stationName: name), .hubReusedNumber(hub: name, sequence: 3, file: file),
            .clockAhead(sender: name, township: "630106100", file: file, clock),
        ]
        for error in errors {
            let text = error.description
            XCTAssertFalse(text.holdsControlCharacter, text)
            XCTAssertTrue(text.contains("社工站0\\u{A}合并完成"), text)
        }
    }
}

import FieldSyncBundle
final class CreatedStampBoundTests: SyncTestCase {
    /// A bundle whose header `created` stamp is ten years ahead (changes stamped normally).
    func testABundleCreatedFarInTheFutureDoesNotDragTheHubsClock() throws {
        let county = try makeCounty()
        let station = county.stations[0]
        let hub = try XCTUnwrap(station.hub())
        let (seq, stamp) = try InsiderBundle.next(of: station)
        let changes: [Change] = [.set("household", "\(station.identity.site.short)-000001", "township", .text("630106100"),
                                      stamp: stamp, origin: station.identity.site, sequence: seq)]
        let recipients = try [
            BundleRecipient(site: hub.site, key: AgreementPublicKey(rawRepresentation: hub.agreementKey)),
            BundleRecipient(site: station.identity.site, key: station.identity.agreementKey.publicKey),
        ]
        var vector = try station.replica.vector()
        vector[station.identity.site] = seq
        let future = HybridTimestamp(millis: stamp.millis + 10 * 365 * 86_400_000, counter: 0)
        let draft = BundleDraft(kind: .stationToHub, sender: station.identity.site, senderName: station.identity.name,
                                created: future, schemaName: station.replica.schema.name,
                                schemaVersion: station.replica.schema.version, schemaFingerprint: station.replica.schemaFingerprint,
                                recipients: recipients, senderVector: vector,
                                assumedVector: try station.replica.knownVector(of: hub.site), tableCounts: ["household": 1])
        let path = folder.sub("future-created.fsb")
        let writer = try BundleWriter(path: path, draft: draft, signingKey: station.identity.signingKey)
        try writer.append(contentsOf: changes)
        _ = try writer.finish()
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path), "a bundle dated ten years ahead is refused (M5)")
        let hubStamp = try county.hub.replica.issueStamp()
        XCTAssertLessThan(hubStamp.millis, stamp.millis + 86_400_000, "the hub's clock must not be dragged 10 years ahead")
    }
}
