import FieldSyncCore
import FieldSyncDomain
import FieldSyncSync
@testable import FieldSyncWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// Every route of `hub ui` through HummingbirdTesting, against a real hub and station:
/// the merge inbox with a line per file, a conflict resolved with one click, the county's
/// decision form with its refusal, return bundles written to a folder.
final class HubDeskRouteTests: WebTestCase {
    var hub: Hub { county.hub }

    func withDesk(_ body: @Sendable (Browser) async throws -> Void) async throws {
        let desk = try HubDesk(folder: hub.folder.path)
        let app = Application(router: desk.router())
        try await app.test(.router) { client in try await body(Browser(client)) }
        try await desk.shutdown()
    }

    /// The station's household reaches the hub, then the station and the county change its
    /// income without seeing each other's edit: one conflict in the review queue.
    func makeConflict() throws -> String {
        let (household, _) = try registerHousehold()
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try station.casework().editHousehold(household, HouseholdChanges(monthlyIncomeYuan: "1350"), at: Date())
        try hub.replica.write(table: "household", rowID: household, values: ["monthly_income": .integer(980)])
        try hub.merge(bundleAt: try station.export(to: folder.sub("late.fsb")).path)
        XCTAssertEqual(try hub.conflictReviews().count, 1)
        return household
    }

    func testEveryPageOfTheDeskAnswers() async throws {
        try await withDesk { browser in
            for path in ["/stations", "/inbox", "/conflicts", "/duplicates", "/pending", "/parameters", "/returns"] {
                let page = try await browser.get(path)
                XCTAssertEqual(page.status, .ok, path)
                XCTAssertNotNil(page.headers[.contentSecurityPolicy], path)
                XCTAssertFalse(page.contains("<script"), path)
            }
            let stations = try await browser.get("/stations")
            XCTAssertTrue(stations.contains("鲁沙尔镇社工站"))
            XCTAssertTrue(stations.contains("<svg class=\"chart\""), "the chart of open items per township")
            let parameters = try await browser.get("/parameters")
            XCTAssertTrue(parameters.contains("省方案"), "each parameter in force, with its source")
        }
    }

    func testTheMergeInboxListsAFoldersBundlesAndMergesEachWithItsResult() async throws {
        try registerHousehold()
        let stick = folder.sub("stick")
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        let exported = try station.export(to: stick)
        try Data("not a bundle".utf8).write(to: URL(fileURLWithPath: (stick as NSString).appendingPathComponent("broken.fsb")))
        try await withDesk { browser in
            try await browser.get("/inbox")
            let listed = try await browser.post("/inbox", [("folder", stick)])
            XCTAssertTrue(listed.contains((exported.path as NSString).lastPathComponent))
            XCTAssertTrue(listed.contains("broken.fsb"))
            let started = try await browser.post("/inbox/merge", [("folder", stick)])
            let done = try await browser.waitForJob(try XCTUnwrap(started.location))
            XCTAssertTrue(done.contains("采用 applied"), done.body)
            XCTAssertTrue(done.contains("broken.fsb：已拒绝 refused"), "a bad file is refused with its reason and does not stop the others")
            XCTAssertTrue(done.contains("共 2 个文件"))
            let again = try await browser.post("/inbox/merge", [("folder", stick)])
            let second = try await browser.waitForJob(try XCTUnwrap(again.location))
            XCTAssertTrue(second.contains("已导入过"), "merging the same stick again is a duplicate, in words")
        }
        XCTAssertEqual(try hub.replica.importedBundles(limit: 10).count, 1)
    }

    func testAConflictIsShownSideBySideAndResolvedWithOneClickAndANote() async throws {
        let household = try makeConflict()
        let number = try XCTUnwrap(try hub.conflictReviews().first).number
        try await withDesk { browser in
            let page = try await browser.get("/conflicts")
            XCTAssertTrue(page.contains("1350"))
            XCTAssertTrue(page.contains("980"))
            XCTAssertTrue(page.contains(household))
            let neither = try await browser.post("/conflicts/\(number)/resolve", [("note", "核实")])
            XCTAssertEqual(neither.status, .unprocessableContent)
            XCTAssertTrue(neither.contains("请选择保留哪一方"))
            XCTAssertTrue(neither.contains("value=\"核实\""), "the note typed is kept")
            let resolved = try await browser.post("/conflicts/\(number)/resolve", [("keep", "loser"), ("note", "以入户核实为准"), ("by", "李芳")])
            XCTAssertEqual(resolved.status, .seeOther)
            let after = try await browser.get("/conflicts")
            XCTAssertTrue(after.contains("已处理"))
            XCTAssertTrue(after.contains("没有待处理的冲突"))
            let twice = try await browser.post("/conflicts/\(number)/resolve", [("keep", "winner")])
            XCTAssertEqual(twice.status, .seeOther, "a conflict is resolved once")
            let told = try await browser.get("/conflicts")
            XCTAssertTrue(told.contains("不能再次处理"), "the refusal is told above the list")
        }
        XCTAssertEqual(try hub.conflictReviews(includeResolved: true).first?.resolution?.by, "李芳")
    }

    func testTheCountysDecisionFormRefusesWithTheRuleAndWritesNothing() async throws {
        let (household, _) = try registerHousehold()
        let application = try station.casework().apply(household: household, category: "dibao", channel: "window", amount: "900",
                                                       receivedAt: Date().addingTimeInterval(-600))
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let before = try hub.replica.digest()
        let hubReplica = hub.replica
        try await withDesk { browser in
            let form = try await browser.get("/pending/\(application)/decide")
            XCTAssertEqual(form.status, .ok)
            let refused = try await browser.post("/pending/\(application)/decide", [("verdict", "approve")])
            XCTAssertEqual(refused.status, .unprocessableContent)
            XCTAssertTrue(refused.contains("逢救必核"))
            XCTAssertEqual(try hubReplica.digest(), before)
            let missing = try await browser.get("/pending/nosuch-000001/decide")
            XCTAssertEqual(missing.status, .notFound)
            // The case behind the decision, read at the hub: facts and members, masked, no station buttons.
            XCTAssertTrue(form.contains("href=\"/cases/\(household)\""))
            let file = try await browser.get("/cases/\(household)")
            XCTAssertEqual(file.status, .ok)
            XCTAssertTrue(file.contains("**************3112"))
            XCTAssertFalse(file.contains("630121195103073112"))
            XCTAssertFalse(file.contains("/members/new"), "the hub reads the case; casework is the station's")
            XCTAssertTrue(file.contains("href=\"/cases/\(household)?reveal=1\""))
            let unknown = try await browser.get("/cases/nosuch-000001")
            XCTAssertEqual(unknown.status, .notFound)
        }
    }

    func testReturnBundlesAreWrittenToAFolderWithALinePerStation() async throws {
        let out = folder.sub("returns")
        try await withDesk { browser in
            try await browser.get("/returns")
            let started = try await browser.post("/returns", [("folder", out)])
            let done = try await browser.waitForJob(try XCTUnwrap(started.location))
            XCTAssertTrue(done.contains("鲁沙尔镇社工站："), done.body)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".fsb") }.count, 1)
    }
}
