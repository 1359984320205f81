import FieldSyncCore
import FieldSyncDomain
import FieldSyncTestSupport
import Foundation
import XCTest

/// A caseworker's day and the county's part of it, through the built binary.
final class CaseworkCommandLineTests: CLITestCase {
    /// Runs a writing verb and returns the id it printed, which must be the only stdout line.
    func recorded(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try ok(arguments, file: file, line: line)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 1, "\(arguments.prefix(2)) prints the id alone: \(result.stdout)", file: file, line: line)
        let id = String(lines.first ?? "")
        XCTAssertTrue(id.range(of: #"^[0-9a-f]+-[0-9]{6}$"#, options: .regularExpression) != nil, "not a row id: \(id)", file: file, line: line)
        return id
    }

    func syntheticIDNumber(seed: UInt64) -> String {
        var rng = SeededGenerator(seed: seed)
        return SyntheticIDNumber.make(using: &rng)
    }

    func addHousehold(_ station: String, at: String = "2026-11-02T09:00:00+08:00") throws -> String {
        try recorded(["station", "household", "add", station, "--township", "630106100", "--village", "阳坡村",
                      "--address", "阳坡村3社12号", "--head-name", "马明", "--hukou", "rural", "--income", "600", "--at", at])
    }

    func testCodeOptionsListTheirAllowedValuesInHelp() throws {
        let apply = try ok(["station", "apply", "--help"]).stdout
        for code in AssistanceCategory.allCases.map(\.rawValue) + ApplicationChannel.allCases.map(\.rawValue) {
            XCTAssertTrue(apply.contains(code), "apply --help lists \(code)")
        }
        let refer = try ok(["station", "refer", "--help"]).stdout
        XCTAssertTrue(refer.contains("disabledPersonsFederation") && refer.contains("redCross"))
        let check = try ok(["station", "check", "--help"]).stdout
        XCTAssertTrue(check.contains("wealthProducts") && check.contains("withinCriteria") && check.contains("found"))
        XCTAssertTrue(try ok(["station", "give", "--help"]).stdout.contains("inKind"))
        XCTAssertTrue(try ok(["hub", "params", "--help"]).stdout.contains("townshipTemporaryCeilingYuan"))
    }

    func testACaseworkersDayThroughTheCommandLine() throws {
        let (_, station) = try enrolledPair()
        let household = try addHousehold(station)
        let idNumber = syntheticIDNumber(seed: 7)
        let member = try recorded(["station", "member", "add", station, household, "--name", "马明", "--id-number", idNumber,
                                   "--relation", "head", "--labour-capacity", "partial"])
        let application = try recorded(["station", "apply", station, household, "--category", "dibao", "--channel", "window",
                                         "--amount", "650", "--applicant", member, "--at", "2026-11-02T09:30:00+08:00"])

        let before = try ok(["digest", station]).stdout
        let refused = try run(["station", "decide", station, application, "--approve", "--at", "2026-11-02T10:00:00+08:00"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("逢救必核"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("economic status check"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, "one line: \(refused.stderr)")
        XCTAssertEqual(refused.stdout, "")
        XCTAssertEqual(try ok(["digest", station]).stdout, before, "a refused decision writes nothing")

        let check = try recorded(["station", "check", station, application, "--source", "tax=none", "--source", "deposits=found",
                                  "--source", "realEstate=none", "--outcome", "withinCriteria", "--at", "2026-11-02T11:00:00+08:00"])
        let decision = try recorded(["station", "decide", station, application, "--approve", "--amount", "650",
                                     "--start", "2026-11-01", "--at", "2026-11-02T14:00:00+08:00"])
        let given = try recorded(["station", "give", station, application, "--kind", "cash", "--amount", "650", "--by", "李芳",
                                  "--at", "2026-11-03T09:00:00+08:00"])
        let visit = try recorded(["station", "visit", station, household, "--visitor", "李芳", "--note", "入户核实",
                                  "--at", "2026-11-03T10:00:00+08:00"])
        let referral = try recorded(["station", "refer", station, application, "--to", "health", "--at", "2026-11-03T11:00:00+08:00"])
        XCTAssertEqual(Set([household, member, application, check, decision, given, visit, referral]).count, 8, "every record has its own id")

        // Feedback is due 15 days after the referral (R13, the default); on the 20th it is overdue.
        let due = try json(ok(["station", "due", station, "--at", "2026-11-20T09:00:00+08:00", "--json"]).stdout)
        let items = try XCTUnwrap(due["items"] as? [[String: Any]])
        XCTAssertEqual(items.count, 1, "\(items)")
        XCTAssertEqual(items.first?["kind"] as? String, "referralFeedback")
        XCTAssertEqual(items.first?["row"] as? String, referral)
        XCTAssertEqual(items.first?["household"] as? String, household)
        XCTAssertEqual(items.first?["overdue"] as? Bool, true)
        XCTAssertEqual(items.first?["dueAt"] as? String, "2026-11-18T11:00:00+08:00")
        let table = try ok(["station", "due", station, "--at", "2026-11-20T09:00:00+08:00"]).stdout
        XCTAssertTrue(table.contains("事项 kind") && table.contains("转办反馈 referral feedback") && table.contains(referral), table)
        XCTAssertTrue(table.contains("逾期 1d 22h"), table)

        let file = try json(ok(["station", "household", "show", station, household, "--json"]).stdout)
        let shown = try XCTUnwrap(file["household"] as? [String: Any])
        XCTAssertEqual(shown["category"] as? String, "dibao")
        XCTAssertEqual(shown["nextReview"] as? String, "2027-11-01", "R1: a year after the start date")
        let members = try XCTUnwrap(file["members"] as? [[String: Any]])
        XCTAssertEqual(members.map { $0["id"] as? String }, [member])
        XCTAssertEqual(members.first?["idNumber"] as? String, idNumber)
        let applications = try XCTUnwrap(file["applications"] as? [[String: Any]])
        XCTAssertEqual(applications.first?["status"] as? String, "approved")
        XCTAssertEqual(applications.first?["decidedBy"] as? String, "township")
        let decisions = try XCTUnwrap(applications.first?["decisions"] as? [[String: Any]])
        XCTAssertEqual(decisions.map { $0["id"] as? String }, [decision])
        XCTAssertEqual(decisions.first?["amount"] as? String, "650.00")

        let human = try ok(["station", "household", "show", station, household]).stdout
        XCTAssertTrue(human.contains(application) && human.contains(decision) && human.contains("批准 approved"), human)

        let feedback = try json(ok(["station", "feedback", station, referral, "--outcome", "accepted", "--detail", "已受理",
                                    "--at", "2026-11-21T09:00:00+08:00", "--json"]).stdout)
        XCTAssertEqual(feedback["table"] as? String, "referral_feedback")
        XCTAssertNotNil(feedback["id"] as? String)
        let after = try json(ok(["station", "due", station, "--at", "2026-11-21T10:00:00+08:00", "--json"]).stdout)
        XCTAssertEqual((after["items"] as? [Any])?.count, 0, "feedback stops the referral's clock")

        let edited = try recorded(["station", "household", "edit", station, household, "--income", "900", "--irregular-income",
                                   "--able-to-work", "--at", "2026-11-20T10:00:00+08:00"])
        XCTAssertEqual(edited, household)
        let reEdited = try json(ok(["station", "household", "show", station, household, "--json"]).stdout)
        XCTAssertEqual((reEdited["household"] as? [String: Any])?["nextReview"] as? String, "2027-05-01",
                       "R2: the new flags make it six months from the same start")
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ok(["station", "household", "list", station, "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(list.count, 1)
        XCTAssertEqual(list.first?["monthlyIncome"] as? Int, 900)
        XCTAssertEqual(list.first?["irregularIncome"] as? Bool, true)
        XCTAssertEqual(list.first?["memberAbleToWork"] as? Bool, true)
        let review = try recorded(["station", "review", station, household, "--outcome", "continue", "--at", "2026-11-25T09:00:00+08:00"])
        XCTAssertFalse(review.isEmpty)
        let again = try json(ok(["station", "household", "show", station, household, "--json"]).stdout)
        XCTAssertEqual((again["household"] as? [String: Any])?["nextReview"] as? String, "2027-05-25",
                       "R2: six months after a review of a household with irregular income and a member able to work")
    }

    func testEmergencyApplicationEnteredThirteenHoursLateIsAnOverdueReplyFirst() throws {
        let (_, station) = try enrolledPair()
        let household = try addHousehold(station)
        let thirteenHoursAgo = Timestamp(Date().addingTimeInterval(-13 * 3600)).description
        let application = try recorded(["station", "apply", station, household, "--category", "temporary", "--channel", "phone",
                                         "--emergency", "--amount", "800", "--at", thirteenHoursAgo])
        let due = try json(ok(["station", "due", station, "--json"]).stdout)
        let items = try XCTUnwrap(due["items"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["kind"] as? String }, ["temporaryReply", "emergencyHelp"])
        XCTAssertEqual(items.first?["row"] as? String, application)
        XCTAssertEqual(items.first?["overdue"] as? Bool, true)
        XCTAssertEqual(items.last?["overdue"] as? Bool, false, "24-hour help is not yet late")
        let late = try XCTUnwrap(items.first?["secondsOverdue"] as? Int)
        XCTAssertTrue((3600..<3900).contains(late), "about an hour late: \(late)")

        XCTAssertEqual(try recorded(["station", "reply", station, application]), application)
        let after = try json(ok(["station", "due", station, "--json"]).stdout)
        XCTAssertEqual((after["items"] as? [[String: Any]])?.map { $0["kind"] as? String }, ["emergencyHelp"], "the reply stops R4's clock")
    }

    func testBadIDNumberIsRefusedNamingTheFieldWithoutEchoingItAndNothingIsWritten() throws {
        let (_, station) = try enrolledPair()
        let household = try addHousehold(station)
        let good = syntheticIDNumber(seed: 11)
        let last = good.last!
        let bad = String(good.dropLast()) + (last == "0" ? "1" : "0")
        let before = try ok(["digest", station]).stdout
        let result = try run(["station", "member", "add", station, household, "--name", "马明", "--id-number", bad,
                              "--relation", "head", "--labour-capacity", "full"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.hasPrefix("fieldsync: 错误 error: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("身份证号") && result.stderr.contains("校验位"), result.stderr)
        XCTAssertTrue(result.stderr.contains("id_number") && result.stderr.contains("check digit"), result.stderr)
        XCTAssertFalse(result.stderr.contains(bad) || result.stderr.contains(String(bad.prefix(14))), "the number is not echoed")
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
        XCTAssertEqual(try ok(["digest", station]).stdout, before)

        let badCode = try run(["station", "apply", station, household, "--category", "pension", "--channel", "window"])
        XCTAssertEqual(badCode.status, 1)
        XCTAssertTrue(badCode.stderr.contains("category") && badCode.stderr.contains("dibao"), "names the field and the choices")
        let badTime = try run(["station", "visit", station, household, "--at", "2026-11-29 09:30"])
        XCTAssertNotEqual(badTime.status, 0)
        XCTAssertTrue(badTime.stderr.contains("2026-11-29T09:30:00+08:00"), badTime.stderr)
        XCTAssertEqual(try ok(["digest", station]).stdout, before)
    }

    func testHubSetsAParameterAndDecidesACountyCaseThatReachesTheStation() throws {
        let (hub, station) = try enrolledPair()
        let paramID = try ok(["hub", "params", hub, "--set", "townshipTemporaryCeilingYuan=5000", "--from", "2026-01-01",
                              "--note", "县政府文件"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(paramID, "param:townshipTemporaryCeilingYuan:2026-01-01")
        let params = try json(ok(["hub", "params", hub, "--on", "2026-11-29", "--json"]).stdout)
        let inForce = try XCTUnwrap(params["inForce"] as? [[String: Any]])
        let ceiling = try XCTUnwrap(inForce.first { $0["name"] as? String == "townshipTemporaryCeilingYuan" })
        XCTAssertEqual(ceiling["value"] as? String, "5000.00")
        XCTAssertEqual(ceiling["source"] as? String, "set")
        XCTAssertEqual(inForce.first { $0["name"] as? String == "temporaryReplyHours" }?["source"] as? String, "plan")
        XCTAssertEqual(inForce.first { $0["name"] as? String == "smallAmountPayFirstCeilingYuan" }?["source"] as? String, "assumption")
        XCTAssertEqual((params["stored"] as? [[String: Any]])?.first?["note"] as? String, "县政府文件")
        let before2026 = try json(ok(["hub", "params", hub, "--on", "2025-12-31", "--json"]).stdout)
        XCTAssertEqual((before2026["inForce"] as? [[String: Any]])?.first { $0["name"] as? String == "townshipTemporaryCeilingYuan" }?["value"] as? String,
                       "3000.00", "the set value applies from its date")
        XCTAssertTrue(try ok(["hub", "params", hub]).stdout.contains("县政府文件"))
        let notAtStation = try run(["hub", "params", station, "--set", "temporaryReplyHours=10", "--from", "2026-01-01"])
        XCTAssertNotEqual(notAtStation.status, 0, "a station folder is not a hub")

        let household = try addHousehold(station)
        let application = try recorded(["station", "apply", station, household, "--category", "temporary", "--channel", "window",
                                         "--amount", "8000", "--at", "2026-11-29T09:00:00+08:00"])
        let beyond = try run(["station", "decide", station, application, "--approve", "--at", "2026-11-29T10:00:00+08:00"])
        XCTAssertEqual(beyond.status, 1)
        XCTAssertTrue(beyond.stderr.contains("hub decide"), beyond.stderr)

        try ok(["station", "export", station, "--out", folder.sub("stick") + "/"])
        try ok(["hub", "merge", hub, folder.sub("stick")])
        let decision = try recorded(["hub", "decide", hub, application, "--approve", "--amount", "8000", "--reason", "重大疾病",
                                     "--at", "2026-11-29T15:00:00+08:00"])
        let back = try ok(["hub", "export", hub, "--out-dir", folder.sub("return"), "--json"]).stdout
        let returned = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(back.utf8)) as? [[String: Any]])?.first?["file"] as? String)
        try ok(["station", "import", station, returned])

        let file = try json(ok(["station", "household", "show", station, household, "--json"]).stdout)
        let app = try XCTUnwrap((file["applications"] as? [[String: Any]])?.first)
        XCTAssertEqual(app["id"] as? String, application)
        XCTAssertEqual(app["status"] as? String, "approved")
        XCTAssertEqual(app["decidedBy"] as? String, "county")
        let decisions = try XCTUnwrap(app["decisions"] as? [[String: Any]])
        XCTAssertEqual(decisions.map { $0["id"] as? String }, [decision])
        XCTAssertEqual(decisions.first?["level"] as? String, "county")
        XCTAssertEqual(decisions.first?["amount"] as? String, "8000.00")
        XCTAssertTrue(try ok(["station", "household", "show", station, household]).stdout.contains("县级 county"))
        let param = try json(ok(["station", "show", station, "rule_parameter", paramID, "--json"]).stdout)
        XCTAssertEqual(param["value"] as? String, "5000.00", "the hub's parameter reached the station too")
        let due = try json(ok(["station", "due", station, "--at", "2026-11-29T22:00:00+08:00", "--json"]).stdout)
        XCTAssertFalse((due["items"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "temporaryReply" },
                       "the county's answer stops the 12-hour clock")
    }

    // MARK: Records that contradict time (issue 6 §5)

    /// Runs a command that must be refused: exit 1, one line naming `mentions`, nothing on
    /// stdout, nothing written.
    func refused(_ arguments: [String], station: String, mentions: [String], file: StaticString = #filePath,
                 line: UInt = #line) throws -> String {
        let before = try ok(["digest", station]).stdout
        let result = try run(arguments, file: file, line: line)
        XCTAssertEqual(result.status, 1, "\(arguments.prefix(3)) \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("fieldsync: 错误 error: "), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)", file: file, line: line)
        for m in mentions { XCTAssertTrue(result.stderr.contains(m), "mentions \(m): \(result.stderr)", file: file, line: line) }
        XCTAssertEqual(try ok(["digest", station]).stdout, before, "nothing written", file: file, line: line)
        return result.stderr
    }

    func testDecisionDatedBeforeItsCheckIsRefusedAndOneAtTheCheckIsAccepted() throws {
        let (_, station) = try enrolledPair()
        let household = try addHousehold(station)
        let application = try recorded(["station", "apply", station, household, "--category", "dibao", "--channel", "window",
                                         "--amount", "650", "--at", "2026-11-02T09:30:00+08:00"])
        _ = try recorded(["station", "check", station, application, "--source", "tax=none", "--outcome", "withinCriteria",
                      "--at", "2026-11-02T11:00:00+08:00"])
        _ = try refused(["station", "decide", station, application, "--approve", "--at", "2026-11-02T10:30:00+08:00"],
                        station: station, mentions: ["逢救必核", "R7", "after the decision"])
        _ = try refused(["station", "decide", station, application, "--approve", "--at", "2026-11-02T10:59:00+08:00"],
                        station: station, mentions: ["R7"])
        _ = try recorded(["station", "decide", station, application, "--approve", "--at", "2026-11-02T11:00:00+08:00"])
        _ = try refused(["station", "give", station, application, "--kind", "cash", "--amount", "650",
                         "--at", "2026-11-02T10:59:00+08:00"], station: station, mentions: ["approv"])
        let referral = try recorded(["station", "refer", station, application, "--to", "health", "--at", "2026-11-03T11:00:00+08:00"])
        _ = try refused(["station", "feedback", station, referral, "--outcome", "accepted", "--at", "2026-11-03T10:59:00+08:00"],
                        station: station, mentions: ["referred_at"])
        _ = try refused(["station", "reply", station, application, "--at", "2026-11-02T09:29:00+08:00"],
                        station: station, mentions: ["received_at"])
        _ = try refused(["station", "review", station, household, "--outcome", "continue", "--at", "2026-11-02T08:59:00+08:00"],
                        station: station, mentions: ["created_at"])
    }

    func testMemberBornIn2099IsRefusedWithoutEchoingTheNumber() throws {
        let (_, station) = try enrolledPair()
        let household = try addHousehold(station)
        var rng = SeededGenerator(seed: 2099)
        let future = SyntheticIDNumber.make(year: 2099, month: 3, day: 1, male: true, using: &rng)
        let stderr = try refused(["station", "member", "add", station, household, "--name", "马明", "--id-number", future,
                                  "--relation", "child", "--labour-capacity", "none"],
                                 station: station, mentions: ["id_number", "出生日期", "birth date"])
        XCTAssertFalse(stderr.contains(future) || stderr.contains("2099"), "the number is not echoed: \(stderr)")
        _ = try refused(["station", "member", "add", station, household, "--name", "马明", "--id-number", syntheticIDNumber(seed: 3),
                         "--relation", "head", "--labour-capacity", "full", "--at", "2026-11-02T08:59:00+08:00"],
                        station: station, mentions: ["created_at"])
    }

    func testEveryWritingVerbRefusesAMomentInTheFuture() throws {
        let (hub, station) = try enrolledPair()
        let household = try addHousehold(station)
        let application = try recorded(["station", "apply", station, household, "--category", "temporary", "--channel", "window",
                                         "--amount", "500", "--at", "2026-11-02T09:30:00+08:00"])
        let referral = try recorded(["station", "refer", station, application, "--to", "health", "--at", "2026-11-02T10:00:00+08:00"])
        let future = Timestamp(Date().addingTimeInterval(3600)).description
        let verbs: [[String]] = [
            ["station", "household", "add", station, "--township", "630106100", "--hukou", "rural"],
            ["station", "household", "edit", station, household, "--income", "700"],
            ["station", "member", "add", station, household, "--name", "马明", "--id-number", syntheticIDNumber(seed: 5),
             "--relation", "head", "--labour-capacity", "full"],
            ["station", "apply", station, household, "--category", "temporary", "--channel", "window"],
            ["station", "reply", station, application],
            ["station", "check", station, application, "--source", "tax=none", "--outcome", "withinCriteria"],
            ["station", "decide", station, application, "--approve"],
            ["station", "give", station, application, "--kind", "cash", "--amount", "500"],
            ["station", "visit", station, household],
            ["station", "refer", station, application, "--to", "health"],
            ["station", "feedback", station, referral, "--outcome", "accepted"],
            ["station", "review", station, household, "--outcome", "continue"],
        ]
        for verb in verbs {
            _ = try refused(verb + ["--at", future], station: station, mentions: ["future", "本机"])
        }
        try ok(["station", "export", station, "--out", folder.sub("stick") + "/"])
        try ok(["hub", "merge", hub, folder.sub("stick")])
        _ = try refused(["hub", "decide", hub, application, "--approve", "--at", future], station: hub, mentions: ["future"])
        XCTAssertTrue(try ok(["station", "due", station, "--at", future]).stdout.contains("转办反馈 referral feedback"),
                      "due lists what will be due at a moment ahead")
    }

    func testHouseholdEditAndMemberAddTakeAtAndTheNextReviewFollowsTheirChanges() throws {
        let (_, station) = try enrolledPair()
        let household = try addHousehold(station)
        _ = try recorded(["station", "member", "add", station, household, "--name", "马明", "--id-number", syntheticIDNumber(seed: 7),
                      "--relation", "head", "--labour-capacity", "none", "--at", "2026-11-02T09:05:00+08:00"])
        let application = try recorded(["station", "apply", station, household, "--category", "dibao", "--channel", "window",
                                         "--amount", "650", "--at", "2026-11-02T09:30:00+08:00"])
        _ = try recorded(["station", "check", station, application, "--source", "tax=none", "--outcome", "withinCriteria",
                      "--at", "2026-11-02T11:00:00+08:00"])
        _ = try recorded(["station", "decide", station, application, "--approve", "--start", "2026-11-01", "--at", "2026-11-02T14:00:00+08:00"])
        func nextReview() throws -> String? {
            (try json(ok(["station", "household", "show", station, household, "--json"]).stdout)["household"] as? [String: Any])?["nextReview"] as? String
        }
        XCTAssertEqual(try nextReview(), "2027-11-01", "R1: yearly")
        let edited = try json(ok(["station", "household", "edit", station, household, "--irregular-income",
                                  "--at", "2026-11-10T10:00:00+08:00", "--json"]).stdout)
        XCTAssertEqual(edited["at"] as? String, "2026-11-10T10:00:00+08:00")
        XCTAssertEqual(try nextReview(), "2027-11-01", "irregular income alone: still yearly")
        _ = try recorded(["station", "member", "add", station, household, "--name", "马小明", "--id-number", syntheticIDNumber(seed: 8),
                      "--relation", "child", "--labour-capacity", "full", "--at", "2026-11-12T10:00:00+08:00"])
        XCTAssertEqual(try nextReview(), "2027-05-01", "R2: a member able to work joined")
        _ = try recorded(["station", "household", "edit", station, household, "--no-irregular-income", "--at", "2026-11-15T10:00:00+08:00"])
        XCTAssertEqual(try nextReview(), "2027-11-01", "back to yearly")
        _ = try refused(["station", "household", "edit", station, household, "--income", "800", "--at", "2026-11-02T08:59:00+08:00"],
                        station: station, mentions: ["created_at"])
    }

    func testNewAtOptionsAreInHelpWithAnExample() throws {
        for verb in [["station", "member", "add"], ["station", "household", "edit"]] {
            let help = try ok(verb + ["--help"]).stdout
            XCTAssertTrue(help.contains("--at <TIME>"), "\(verb) --help lists --at")
            XCTAssertTrue(help.contains("Example:") && help.contains("--at 2026-"), "\(verb) --help has an example with --at: \(help)")
        }
    }
}
