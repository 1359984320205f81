import FieldSyncTestSupport
import Foundation
import XCTest

/// Rules K1–K8 as the hub operator meets them: `hub revoke`, `hub quarantine`, `hub status`
/// and a replacement laptop made with `station init --replacing`.
final class RevocationCommandLineTests: CLITestCase {
    func addHousehold(_ station: String, _ address: String) throws {
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--address", address])
    }

    func stationJSON(_ hub: String) throws -> [String: Any] {
        let status = try json(ok(["hub", "status", hub, "--json"]).stdout)
        return try XCTUnwrap((status["stations"] as? [[String: Any]])?.first)
    }

    func testTrustCommandsHaveHelpWithAnExample() throws {
        for leaf in [["hub", "revoke"], ["hub", "quarantine"], ["station", "init"]] {
            XCTAssertTrue(try ok(leaf + ["--help"]).stdout.contains("Example"), leaf.joined(separator: " "))
        }
        XCTAssertTrue(try ok(["station", "init", "--help"]).stdout.contains("--replacing"))
    }

    func testARevokedLaptopsStickIsQuarantinedListedAndAcceptedThroughTheCommandLine() throws {
        let (hub, station) = try enrolledPair()
        try addHousehold(station, "阳坡村7号")
        try ok(["station", "export", station, "--out", folder.sub("stick") + "/"])
        let revoked = try json(ok(["hub", "revoke", hub, "630106100", "--reason", "laptop stolen", "--by", "王芳", "--json"]).stdout)
        XCTAssertEqual(revoked["newlyRevoked"] as? Bool, true)
        XCTAssertEqual(revoked["reason"] as? String, "laptop stolen")
        XCTAssertTrue(try ok(["hub", "revoke", hub, "630106100", "--reason", "again"]).stdout.contains("already revoked"))
        let before = try ok(["digest", hub]).stdout

        let refused = try run(["hub", "merge", hub, folder.sub("stick")])
        XCTAssertEqual(refused.status, 1)
        for word in ["鲁沙尔镇社工站", "630106100", "revoked on", "laptop stolen", "#1", "--accept 1"] {
            XCTAssertTrue(refused.stderr.contains(word), "\(word): \(refused.stderr)")
        }
        XCTAssertFalse(refused.stderr.contains("阳坡村"), "no case data")
        XCTAssertEqual(try ok(["digest", hub]).stdout, before)
        let listed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok(["hub", "quarantine", hub, "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(listed.count, 1)
        XCTAssertEqual(listed.first?["state"] as? String, "held")
        XCTAssertEqual(listed.first?["township"] as? String, "630106100")
        XCTAssertNotNil(listed.first?["createdByLaptopClock"] as? String, "the header's created stamp")
        let first = try XCTUnwrap(listed.first?["firstSequence"] as? Int), last = try XCTUnwrap(listed.first?["lastSequence"] as? Int)
        XCTAssertLessThanOrEqual(first, last)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(listed.first?["totalChanges"] as? Int), last - first + 1)
        let original = try XCTUnwrap(listed.first?["file"] as? String)
        let listing = try ok(["hub", "quarantine", hub]).stdout
        for word in ["key revoked", "written (laptop clock)", "own changes", "\(first)–\(last)", "laptop's own clock"] {
            XCTAssertTrue(listing.contains(word), "\(word): \(listing)")
        }
        let trust = try XCTUnwrap(stationJSON(hub)["trust"] as? [String: Any])
        XCTAssertEqual(trust["keyStatus"] as? String, "revoked")
        XCTAssertEqual(trust["quarantinedWaiting"] as? Int, 1)
        XCTAssertTrue(try ok(["hub", "status", hub]).stdout.contains("1 bundle waiting in quarantine"))

        let accepted = try ok(["hub", "quarantine", hub, "--accept", "1", "--by", "王芳", "--note", "handed in"]).stdout
        // The file as it came, not the hub's stored copy (`quarantine/<bundle id>.fsb`).
        XCTAssertTrue(accepted.contains("accepted #1: \(original) from") && !accepted.contains("quarantine/"), accepted)
        XCTAssertNotEqual(try ok(["digest", hub]).stdout, before)
        XCTAssertEqual(try run(["hub", "quarantine", hub, "--accept", "1"]).status, 1, "accepted once")
        XCTAssertTrue(try ok(["hub", "quarantine", hub]).stdout.contains("accepted by 王芳"))
    }

    func testAnOrdinaryRequestNamedLikeARevokedStationIsEnrolledWithAHintAtReplacing() throws {
        let (hub, _) = try enrolledPair()
        let site = try XCTUnwrap(stationJSON(hub)["site"] as? String)
        try ok(["hub", "revoke", hub, site, "--reason", "laptop lost"])
        try ok(["station", "init", folder.sub("st3"), "--name", "鲁沙尔镇社工站", "--township", "630106100",
                "--request", folder.sub("req3.json"), "--unprotected-key"])
        let enrolled = try ok(["hub", "enroll", hub, folder.sub("req3.json"), "--out", folder.sub("enr3.json")]).stdout
        XCTAssertTrue(enrolled.contains("enrolled as a NEW station") && enrolled.contains("--replacing \(site)"), enrolled)
        XCTAssertFalse(enrolled.contains("replaces the revoked laptop"), enrolled)
    }

    func testBadTrustInputIsRefusedWithNothingChanged() throws {
        let (hub, _) = try enrolledPair()
        let before = try ok(["digest", hub]).stdout
        let unknown = try run(["hub", "revoke", hub, "630199999", "--reason", "lost"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no enrolled station matches"), unknown.stderr)
        XCTAssertEqual(try run(["hub", "revoke", hub, "630106100", "--reason", " "]).status, 1)
        XCTAssertEqual(try run(["hub", "quarantine", hub, "--reject", "7"]).status, 1)
        XCTAssertNotEqual(try run(["hub", "quarantine", hub, "--accept", "1", "--reject", "1"]).status, 0)
        XCTAssertEqual(try ok(["digest", hub]).stdout, before)
        XCTAssertNil(try stationJSON(hub)["trust"] as? [String: Any], "nothing revoked")
    }

    func testAReplacementLaptopContinuesTheStationThroughTheCommandLine() throws {
        let (hub, station) = try enrolledPair()
        try addHousehold(station, "阳坡村1号")
        try ok(["station", "export", station, "--out", folder.sub("up1") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up1")])
        let site = try XCTUnwrap(stationJSON(hub)["site"] as? String)

        let early = try run(["station", "init", folder.sub("st2"), "--name", "鲁沙尔镇社工站", "--township", "630106100",
                             "--replacing", site, "--request", folder.sub("req2.json")])
        XCTAssertEqual(early.status, 0, early.stderr)
        let heldBeforeJoin = try run(["station", "household", "add", folder.sub("st2"), "--township", "630106100", "--hukou", "rural",
                                      "--address", "阳坡村9号"])
        XCTAssertEqual(heldBeforeJoin.status, 1)
        XCTAssertTrue(heldBeforeJoin.stderr.contains("回传包") && heldBeforeJoin.stderr.contains("station join"), heldBeforeJoin.stderr)
        let refused = try run(["hub", "enroll", hub, folder.sub("req2.json"), "--out", folder.sub("enr2.json")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("fieldsync hub revoke"), refused.stderr)

        XCTAssertTrue(try ok(["hub", "revoke", hub, site, "--reason", "laptop lost"]).stdout.contains(site))
        let skipped = try ok(["hub", "export", hub, "--out-dir", folder.sub("down0")]).stdout
        XCTAssertTrue(skipped.contains("skipped 鲁沙尔镇社工站") && skipped.contains("revoked") && skipped.contains("--replacing \(site)"), skipped)
        let enrolled = try ok(["hub", "enroll", hub, folder.sub("req2.json"), "--out", folder.sub("enr2.json")]).stdout
        XCTAssertTrue(enrolled.contains("replaces the revoked laptop of 鲁沙尔镇社工站") && enrolled.contains("continues after change"), enrolled)
        try ok(["station", "join", folder.sub("st2"), folder.sub("enr2.json")])
        let tooEarly = try run(["station", "export", folder.sub("st2"), "--out", folder.sub("up2") + "/"])
        XCTAssertEqual(tooEarly.status, 1)
        XCTAssertTrue(tooEarly.stderr.contains("替换电脑") && tooEarly.stderr.contains("replacement laptop"), tooEarly.stderr)
        let heldBeforeImport = try run(["station", "household", "add", folder.sub("st2"), "--township", "630106100", "--hukou", "rural",
                                        "--address", "阳坡村9号"])
        XCTAssertEqual(heldBeforeImport.status, 1)
        XCTAssertTrue(heldBeforeImport.stderr.contains("may not record"), heldBeforeImport.stderr)

        let out = try ok(["hub", "export", hub, "--out-dir", folder.sub("down"), "--json"]).stdout
        let written = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
        XCTAssertEqual(written.count, 1)
        try ok(["station", "import", folder.sub("st2"), try XCTUnwrap(written.first?["file"] as? String)])
        try addHousehold(folder.sub("st2"), "阳坡村2号")
        try ok(["station", "export", folder.sub("st2"), "--out", folder.sub("up3") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up3")])

        let trust = try XCTUnwrap(stationJSON(hub)["trust"] as? [String: Any])
        XCTAssertEqual(trust["keyStatus"] as? String, "active")
        let replaced = try XCTUnwrap(trust["replaced"] as? [String: Any])
        XCTAssertEqual(replaced["neverDelivered"] as? Int, 0)
        XCTAssertGreaterThan(try XCTUnwrap(replaced["mergedThrough"] as? Int), 0)
        let text = try ok(["hub", "status", hub]).stdout
        XCTAssertTrue(text.contains("key replaced on") && text.contains("old laptop's changes merged through"), text)
    }

    func testARejectedStickIsWaivedInHubStatusAndALaterStickOfThatLaptopIsRefusedOnAcceptNamingTheWaiver() throws {
        let (hub, station) = try enrolledPair()
        try addHousehold(station, "阳坡村1号")
        try ok(["station", "export", station, "--out", folder.sub("up1") + "/"])
        try ok(["hub", "merge", hub, folder.sub("up1")])
        let site = try XCTUnwrap(stationJSON(hub)["site"] as? String)
        try addHousehold(station, "阳坡村2号")
        try ok(["station", "export", station, "--out", folder.sub("late") + "/"])
        try ok(["station", "export", station, "--out", folder.sub("later") + "/"])
        try ok(["hub", "revoke", hub, site, "--reason", "laptop stolen"])
        XCTAssertEqual(try run(["hub", "merge", hub, folder.sub("late")]).status, 1, "held as #1")
        try ok(["station", "init", folder.sub("st2"), "--name", "鲁沙尔镇社工站", "--township", "630106100",
                "--replacing", site, "--request", folder.sub("req2.json")])
        try ok(["hub", "enroll", hub, folder.sub("req2.json"), "--out", folder.sub("enr2.json")])
        try ok(["station", "join", folder.sub("st2"), folder.sub("enr2.json")])

        try ok(["hub", "quarantine", hub, "--reject", "1"])
        let replaced = try XCTUnwrap((stationJSON(hub)["trust"] as? [String: Any])?["replaced"] as? [String: Any])
        let waived = try XCTUnwrap((replaced["waived"] as? [[String: Any]])?.first)
        XCTAssertGreaterThan(try XCTUnwrap(waived["missing"] as? Int), 0)
        let text = try ok(["hub", "status", hub]).stdout
        XCTAssertTrue(text.contains("of the old laptop never delivered, waived on"), text)

        XCTAssertEqual(try run(["hub", "merge", hub, folder.sub("later")]).status, 1, "held as #2")
        let before = try ok(["digest", hub]).stdout
        let refused = try run(["hub", "quarantine", hub, "--accept", "2"])
        XCTAssertEqual(refused.status, 1)
        for word in ["#2", "waived on", "--reject 2"] { XCTAssertTrue(refused.stderr.contains(word), "\(word): \(refused.stderr)") }
        XCTAssertFalse(refused.stderr.contains("阳坡村"), "no case data")
        XCTAssertEqual(try ok(["digest", hub]).stdout, before)

        for round in 1...2 {
            let down = folder.sub("down\(round)")
            let out = try ok(["hub", "export", hub, "--out-dir", down, "--json"]).stdout
            let written = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
            try ok(["station", "import", folder.sub("st2"), try XCTUnwrap(written.first?["file"] as? String)])
            if round == 1 { try addHousehold(folder.sub("st2"), "阳坡村3号") }
            try ok(["station", "export", folder.sub("st2"), "--out", folder.sub("up\(round + 1)") + "/"])
            try ok(["hub", "merge", hub, folder.sub("up\(round + 1)")])
        }
        let out = try ok(["hub", "export", hub, "--out-dir", folder.sub("down3"), "--json"]).stdout
        let written = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
        try ok(["station", "import", folder.sub("st2"), try XCTUnwrap(written.first?["file"] as? String)])
        XCTAssertEqual(try json(ok(["station", "status", folder.sub("st2"), "--json"]).stdout)["changesOwed"] as? Int, 0)
    }

    /// A request is a file anyone can write: one for a township that already has a trusted
    /// station would take its cases. It is refused, naming the station and what to do;
    /// `--another-station` enrolls it on purpose; both print the key fingerprint to check.
    func testARequestForATownshipWithATrustedStationIsRefusedUnlessAnotherStationIsMeant() throws {
        let (hub, _) = try enrolledPair()
        let made = try ok(["station", "init", folder.sub("st6"), "--name", "鲁沙尔镇社工站", "--township", "630106100",
                           "--request", folder.sub("req6.json"), "--unprotected-key"]).stdout
        let fingerprint = try XCTUnwrap(made.components(separatedBy: "key fingerprint ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let before = try ok(["digest", hub]).stdout
        let refused = try run(["hub", "enroll", hub, folder.sub("req6.json"), "--out", folder.sub("enr6.json")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("already has a trusted station") && refused.stderr.contains("已有受信任的社工站"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--replacing") && refused.stderr.contains("--another-station"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains(fingerprint), "names the fingerprint to check: \(refused.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("enr6.json")))
        XCTAssertEqual(try ok(["digest", hub]).stdout, before, "nothing enrolled")
        let enrolled = try ok(["hub", "enroll", hub, folder.sub("req6.json"), "--out", folder.sub("enr6.json"), "--another-station"]).stdout
        XCTAssertTrue(enrolled.contains(fingerprint), enrolled)
    }
}
