import FieldSyncTestSupport
import Foundation
import XCTest

final class CommandLineTests: CLITestCase {
    static let leaves = [
        ["station", "init"], ["station", "join"], ["station", "delete"], ["station", "show"],
        ["station", "export"], ["station", "import"], ["station", "status"], ["station", "clock"], ["station", "repair"],
        ["hub", "init"], ["hub", "enroll"], ["hub", "merge"], ["hub", "export"], ["hub", "status"], ["hub", "conflicts"], ["hub", "resolve"], ["station", "notices"],
        ["bundle", "inspect"], ["bundle", "verify"], ["digest"], ["demo"],
        ["station", "household", "add"], ["station", "household", "show"], ["station", "household", "list"],
        ["station", "household", "edit"], ["station", "member", "add"], ["station", "apply"], ["station", "reply"],
        ["station", "check"], ["station", "decide"], ["station", "give"], ["station", "visit"], ["station", "refer"],
        ["station", "feedback"], ["station", "review"], ["station", "due"], ["hub", "decide"], ["hub", "params"],
        ["hub", "rotate-key"], ["key", "protect"], ["key", "change-passphrase"], ["station", "ui"], ["hub", "ui"],
    ]

    func testEveryCommandHasHelpWithAnExample() throws {
        for leaf in Self.leaves {
            let result = try ok(leaf + ["--help"])
            XCTAssertTrue(result.stdout.contains("Example"), "\(leaf.joined(separator: " ")) --help has no example")
        }
    }

    func testAStationsDayAndTheHubsMergeThroughTheCommandLine() throws {
        let (hub, station) = try enrolledPair()
        let id = try ok(["station", "household", "add", station, "--township", "630106100", "--village", "阳坡村",
                         "--address", "阳坡村3社12号", "--hukou", "rural", "--income", "1200"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(id.isEmpty)
        try ok(["station", "household", "edit", station, id, "--income", "1350"])
        let shown = try json(ok(["station", "show", station, "household", id, "--json"]).stdout)
        XCTAssertEqual(shown["monthly_income"] as? Int, 1350)
        XCTAssertEqual(shown["village"] as? String, "阳坡村")

        let export = try json(ok(["station", "export", station, "--out", folder.sub("stick") + "/", "--json"]).stdout)
        let file = try XCTUnwrap(export["file"] as? String)
        XCTAssertTrue((file as NSString).lastPathComponent.hasPrefix("630106100-"), "bundle names start with the township code")
        let changes = try XCTUnwrap(export["changes"] as? Int)
        XCTAssertGreaterThan(changes, 5)

        let verify = try json(ok(["bundle", "verify", file, "--json"]).stdout)
        XCTAssertEqual(verify["ok"] as? Bool, true)
        let inspect = try ok(["bundle", "inspect", file]).stdout
        XCTAssertTrue(inspect.contains("encrypted"), "without a key the records stay closed")
        XCTAssertFalse(inspect.contains("阳坡村3社12号"), "the header holds no personal data")
        let opened = try ok(["bundle", "inspect", file, "--key", hub + "/identity.json", "--against", hub]).stdout
        XCTAssertTrue(opened.contains("household/\(id).village = 阳坡村"))
        XCTAssertTrue(opened.contains("monthly_income = ‹personal›"), "personal values are masked unless --reveal")
        XCTAssertTrue(opened.contains("would apply \(changes)"), opened)

        try ok(["hub", "merge", hub, folder.sub("stick")])
        let back = try ok(["hub", "export", hub, "--out-dir", folder.sub("return"), "--json"]).stdout
        let returned = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(back.utf8)) as? [[String: Any]])?.first?["file"] as? String)
        try ok(["station", "import", station, returned])
        let status = try json(ok(["station", "status", station, "--json"]).stdout)
        XCTAssertEqual(status["changesOwed"] as? Int, 0)
        XCTAssertEqual(try ok(["digest", station]).stdout, try ok(["digest", hub]).stdout)
    }

    func testBadFieldValueIsRefusedInBothLanguagesAndNothingIsWritten() throws {
        let (_, station) = try enrolledPair()
        let before = try ok(["digest", station]).stdout
        let result = try run(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural",
                              "--income", "一千二"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("monthly_income"), result.stderr)
        XCTAssertFalse(result.stderr.contains("一千二"), "the value is not repeated back")
        XCTAssertEqual(try ok(["digest", station]).stdout, before)
        // There is no generic write: every write goes through a casework verb and its rules.
        let generic = try run(["station", "record", station, "rule_parameter", "name=townshipTemporaryCeilingYuan"])
        XCTAssertNotEqual(generic.status, 0)
        XCTAssertEqual(try ok(["digest", station]).stdout, before)
    }

    func testGarbageBundleIsRefusedWithAClearMessageAndTheHubIsUnchanged() throws {
        let (hub, _) = try enrolledPair()
        let before = try ok(["digest", hub]).stdout
        let garbage = folder.sub("garbage.fsb")
        try Data("this is not a bundle at all".utf8).write(to: URL(fileURLWithPath: garbage))
        let result = try run(["hub", "merge", hub, garbage])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("garbage.fsb"))
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        XCTAssertEqual(try ok(["digest", hub]).stdout, before)
        let verify = try run(["bundle", "verify", garbage])
        XCTAssertEqual(verify.status, 1)
    }

    func testDamagedEnrollmentFilesAreRefusedInOneLineAndChangeNothing() throws {
        let hub = folder.sub("hub"), station = folder.sub("station")
        try ok(["hub", "init", hub, "--name", "湟中区民政局"])
        try ok(["station", "init", station, "--name", "鲁沙尔镇社工站", "--township", "630106100", "--request", folder.sub("req.json")])
        // A request whose station name was changed after it was signed.
        let request = try String(contentsOfFile: folder.sub("req.json"), encoding: .utf8)
        try request.replacingOccurrences(of: "鲁沙尔镇社工站", with: "冒名社工站").write(toFile: folder.sub("forged.json"), atomically: true, encoding: .utf8)
        let forged = try run(["hub", "enroll", hub, folder.sub("forged.json"), "--out", folder.sub("enr.json")])
        XCTAssertEqual(forged.status, 1)
        XCTAssertTrue(forged.stderr.contains("signature"), forged.stderr)
        XCTAssertEqual(forged.stderr.split(separator: "\n").count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("enr.json")))
        XCTAssertEqual((try json(ok(["hub", "status", hub, "--json"]).stdout)["stations"] as? [Any])?.count, 0)
        // Not JSON at all.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: folder.sub("garbage.json")))
        let join = try run(["station", "join", station, folder.sub("garbage.json")])
        XCTAssertEqual(join.status, 1)
        XCTAssertTrue(join.stderr.contains("not JSON"), join.stderr)
        XCTAssertEqual(join.stderr.split(separator: "\n").count, 1)
        XCTAssertNil(try json(ok(["station", "status", station, "--json"]).stdout)["hub"] as? String)
    }

    func testDemoConvergesAndSaysSo() throws {
        let result = try ok(["demo", folder.sub("demo"), "--households", "3", "--json"])
        let report = try json(result.stdout)
        XCTAssertEqual(report["converged"] as? Bool, true)
        let replicas = try XCTUnwrap(report["replicas"] as? [[String: Any]])
        XCTAssertEqual(replicas.count, 4)
        for replica in replicas {
            XCTAssertEqual(replica["digest"] as? String, replica["hubDigest"] as? String, "\(replica["name"] ?? "") holds the hub's part for its township")
        }
        XCTAssertEqual(Set(replicas.compactMap { $0["digest"] as? String }).count, 4, "each station holds its own part, not the county")
        XCTAssertEqual(report["eachStationHoldsOnlyItsOwnCases"] as? Bool, true)
        XCTAssertGreaterThan(report["resolvedConflicts"] as? Int ?? 0, 0, "the concurrent income edits reached the queue and the hub resolved them")
        XCTAssertEqual(report["openConflicts"] as? Int, 0)
        let transfer = try XCTUnwrap(report["transfer"] as? [String: Any])
        XCTAssertEqual(transfer["reachedReceiver"] as? Bool, true)
        XCTAssertEqual(transfer["leftGiver"] as? Bool, true)
        let lostLaptop = try XCTUnwrap(report["lostLaptop"] as? [String: Any])
        XCTAssertNotNil(lostLaptop["quarantineID"] as? Int, "the lost laptop's stick went to quarantine, not into the merge")
        XCTAssertEqual(lostLaptop["replacementGotWholeScope"] as? Bool, true)
        XCTAssertEqual(lostLaptop["reachedReplacement"] as? Bool, true, "the accepted stick's household reached the replacement laptop")
        let kinds = Set((report["notices"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
        XCTAssertEqual(kinds, ["underReview", "resolved", "transferredOut", "transferredIn"], "the conflict under review, then resolved; the transfer at both ends")
        let http = try XCTUnwrap(report["httpSync"] as? [String: Any])
        XCTAssertEqual(http["cuts"] as? Int, 3, "the link was cut at its three scheduled offsets")
        XCTAssertEqual(http["stalls"] as? Int, 1)
        XCTAssertEqual(http["mergedOnce"] as? Bool, true, "the retried upload was merged once")
        XCTAssertEqual(http["reachedHub"] as? Bool, true)
        let chunk = try XCTUnwrap(http["chunkBytes"] as? Int)
        let resent = try XCTUnwrap(http["bytesResent"] as? Int)
        XCTAssertGreaterThan(resent, 0, "a cut in the middle of a chunk costs that chunk")
        XCTAssertLessThanOrEqual(resent, 3 * chunk, "at most the chunk in flight at each cut is sent again")
        XCTAssertGreaterThan(http["bundleBytes"] as? Int ?? 0, 8 * 1024, "the upload outlasts the faults' window, so every fault hits it")
    }

    func testTheDemoShowsAStationSyncingOverHTTPThroughALinkThatDropsInItsText() throws {
        let text = try ok(["demo", folder.sub("demo"), "--households", "3"]).stdout
        XCTAssertTrue(text.contains("⑨ 断续链路"), text)
        XCTAssertTrue(text.contains("through a link that drops"), text)
        XCTAssertTrue(text.contains("the link was cut 3 times and stalled once"), text)
        XCTAssertTrue(text.contains("re-sent after the cuts:"), text)
        XCTAssertTrue(text.contains("the hub merged it once (applied"), text)
        XCTAssertTrue(text.contains("✔ HTTP sync of"), text)
        XCTAssertTrue(text.contains("⑩ 结果 Result"), text)
        XCTAssertFalse(text.contains("127.0.0.1:"), "no port: the output is the same every run")
    }

    func testTheDemoShowsTheLostLaptopsStickQuarantinedAndAcceptedInItsText() throws {
        let text = try ok(["demo", folder.sub("demo"), "--households", "3"]).stdout
        XCTAssertTrue(text.contains("held in quarantine as #1, not merged"), text)
        XCTAssertTrue(text.contains("fieldsync station init --replacing"), text)
        XCTAssertTrue(text.contains("✔ lost laptop of"), text)
        XCTAssertTrue(text.contains("✔ converged"), text)
    }

    func testTheDemoIsTheSameForTheSameSeed() throws {
        let first = try json(ok(["demo", folder.sub("one"), "--households", "3", "--json"]).stdout)
        let second = try json(ok(["demo", folder.sub("two"), "--households", "3", "--json"]).stdout)
        let digests = { (report: [String: Any]) in (report["replicas"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String } }
        XCTAssertEqual(digests(first), digests(second))
        XCTAssertEqual(digests(first).count, 4)
        // The HTTP scene's faults are scheduled by byte, not by time: the same cuts cost the same bytes.
        let link = { (report: [String: Any]) in (report["httpSync"] as? [String: Any] ?? [:]).mapValues { "\($0)" } }
        XCTAssertEqual(link(first), link(second))
        XCTAssertFalse(link(first).isEmpty)
    }

    func testTheDemoRefusesTooFewHouseholdsForItsStories() throws {
        let result = try run(["demo", folder.sub("small"), "--households", "2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--households"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("small") + "/hub"), "nothing built")
    }
}
