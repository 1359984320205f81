import FieldSyncDomain
@testable import FieldSyncSync
@testable import FieldSyncWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// Every route of `station ui` through HummingbirdTesting, against a real station replica:
/// statuses, the CSRF refusal, a refused form that keeps what was typed and writes nothing,
/// the rules' refusals in the caseworker's words, and masking.
final class StationWorkbenchRouteTests: WebTestCase {
    func withBrowser(lockAfter: TimeInterval = 900, _ body: @Sendable (Browser) async throws -> Void) async throws {
        let workbench = try StationWorkbench(folder: stationFolder, lockAfter: lockAfter)
        let app = Application(router: workbench.router())
        try await app.test(.router) { client in try await body(Browser(client)) }
        try await workbench.shutdown()
    }

    func testEveryPageAnswersWithTheSecurityHeadersAndLoadsNothingFromOutside() async throws {
        let (household, _) = try registerHousehold()
        let application = try station.casework().apply(household: household, category: "temporary", channel: "window",
                                                       amount: "500", receivedAt: Date().addingTimeInterval(-600))
        let referral = try station.casework().refer(application: application, to: "health", at: Date().addingTimeInterval(-300))
        let paths = ["/today", "/households", "/households/new", "/sync", "/households/\(household)", "/households/\(household)/print",
                     "/households/\(household)/edit", "/households/\(household)/members/new", "/households/\(household)/apply",
                     "/households/\(household)/visit", "/households/\(household)/review", "/applications/\(application)/reply",
                     "/applications/\(application)/check", "/applications/\(application)/decide", "/applications/\(application)/give",
                     "/applications/\(application)/refer", "/referrals/\(referral)/feedback"]
        try await withBrowser { browser in
            for path in paths {
                let page = try await browser.get(path)
                XCTAssertEqual(page.status, .ok, path)
                XCTAssertEqual(page.headers[.contentSecurityPolicy],
                               "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'", path)
                XCTAssertEqual(page.headers[.cacheControl], "no-store", path)
                XCTAssertFalse(page.body.contains("src=\"http"), path)
                XCTAssertFalse(page.body.contains("href=\"http"), path)
                XCTAssertFalse(page.body.contains("<script"), "no page has a script: \(path)")
                // Every input and select has its label.
                for id in page.body.components(separatedBy: " id=\"f-").dropFirst().map({ "f-" + $0.prefix { $0 != "\"" } }) {
                    XCTAssertTrue(page.contains("for=\"\(id)\""), "\(path): input \(id) has a label")
                }
            }
            let css = try await browser.get("/assets/site.css")
            XCTAssertEqual(css.status, .ok)
            XCTAssertEqual(css.headers[.contentType], "text/css; charset=utf-8")
            for missing in ["/households/nosuch-000001", "/applications/nosuch-000001/decide", "/no/such/page"] {
                let page = try await browser.get(missing)
                XCTAssertEqual(page.status, .notFound, missing)
            }
        }
    }

    func testAFormPostedWithoutThisSessionsTokenIsRefusedAndWritesNothing() async throws {
        let before = try digest()
        try await withBrowser { browser in
            // No session at all (a page elsewhere posting blind).
            let blind = try await browser.post("/households/new", [("township", "630106100"), ("hukou", "rural")], token: "x")
            XCTAssertEqual(blind.status, .forbidden)
            XCTAssertTrue(blind.contains("表单已失效"))
            // A session, but another token.
            try await browser.get("/households/new")
            let forged = try await browser.post("/households/new", [("township", "630106100"), ("hukou", "rural")],
                                                token: String(repeating: "0", count: 64))
            XCTAssertEqual(forged.status, .forbidden)
            // A cross-site request is refused even with the right token.
            let cross = try await browser.post("/households/new", [("township", "630106100"), ("hukou", "rural")],
                                               headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            XCTAssertEqual(cross.status, .forbidden)
        }
        XCTAssertEqual(try digest(), before, "a refused post writes nothing")
    }

    func testARefusedFormKeepsWhatWasTypedShowsTheFieldsMessageBesideItAndWritesNothing() async throws {
        let f = fixture
        let before = try digest()
        try await withBrowser { browser in
            try await browser.get("/households/new")
            let refused = try await browser.post("/households/new", [("township", "63010"), ("head_name", "马明"), ("village", "青石坡村"),
                                                                     ("hukou", "rural"), ("monthly_income", "600")])
            XCTAssertEqual(refused.status, .unprocessableContent)
            XCTAssertTrue(refused.contains("id=\"f-township-error\""), "the message sits beside the township field")
            XCTAssertTrue(refused.contains(CaseworkError.invalidTownshipCode(field: "township").description.replacingOccurrences(of: "(", with: "(")))
            XCTAssertTrue(refused.contains("value=\"马明\""), "what was typed is kept")
            XCTAssertTrue(refused.contains("value=\"青石坡村\""))
            XCTAssertTrue(refused.contains("aria-invalid=\"true\""))
            // A member with a wrong check digit: the ID number's own message, nothing written.
            let h = try f.registerHousehold()
            let afterRegister = try f.digest()
            try await browser.get("/households/\(h.household)/members/new")
            let member = try await browser.post("/households/\(h.household)/members/new",
                                                [("name", "马丽"), ("id_number", "630121195103073111"), ("relation", "spouse"),
                                                 ("labour_capacity", "full"), ("disability_grade", "0")])
            XCTAssertEqual(member.status, .unprocessableContent)
            XCTAssertTrue(member.contains("id=\"f-id_number-error\""))
            XCTAssertTrue(member.contains("校验位"))
            XCTAssertTrue(member.contains("value=\"630121195103073111\""), "the number is kept on the caseworker's own form")
            XCTAssertEqual(try f.digest(), afterRegister)
        }
        XCTAssertNotEqual(try digest(), before)
        XCTAssertEqual(try station.casework().households().count, 1, "only the household registered through the service")
    }

    func testRegisterApplyTheApprovalRefusedUntilTheCheckThenApprovedWithTheNextReviewDate() async throws {
        let f = fixture
        try await withBrowser { browser in
            try await browser.get("/households/new")
            let registered = try await browser.post("/households/new", [("township", "630106100"), ("village", "青石坡村"), ("head_name", "马明"),
                                                                        ("hukou", "rural"), ("monthly_income", "400")])
            XCTAssertEqual(registered.status, .seeOther)
            let casePath = try XCTUnwrap(registered.location)
            let household = String(casePath.dropFirst("/households/".count))
            let casePage = try await browser.get(casePath)
            XCTAssertTrue(casePage.contains("已登记新户"), "the flash line says what happened")
            let member = try await browser.post("/households/\(household)/members/new", [("name", "马明"), ("id_number", "630121195103073112"),
                                                                                         ("relation", "head"), ("labour_capacity", "none"), ("disability_grade", "0")])
            XCTAssertEqual(member.status, .seeOther, member.body)
            let applied = try await browser.post("/households/\(household)/apply", [("category", "dibao"), ("channel", "window"), ("amount", "650")])
            XCTAssertEqual(applied.status, .seeOther, applied.body)
            let application = try XCTUnwrap(try f.station.casework().applications(household: household).first).id
            let beforeRefusal = try f.digest()
            try await browser.get("/applications/\(application)/decide")
            let refused = try await browser.post("/applications/\(application)/decide", [("verdict", "approve"), ("amount", "650")])
            XCTAssertEqual(refused.status, .unprocessableContent)
            XCTAssertTrue(refused.contains("逢救必核"), "R7 in the caseworker's words")
            XCTAssertTrue(refused.contains("class=\"error form-error\""), "a rule's refusal sits above the form")
            XCTAssertTrue(refused.contains("<option value=\"approve\" selected>"), "the choice is kept")
            XCTAssertEqual(try f.digest(), beforeRefusal)
            try await browser.post("/applications/\(application)/check", [("source_tax", "none"), ("source_deposits", "none"),
                                                                          ("source_realEstate", "none"), ("outcome", "withinCriteria")])
            let approved = try await browser.post("/applications/\(application)/decide", [("verdict", "approve"), ("amount", "650")])
            XCTAssertEqual(approved.status, .seeOther)
            let after = try await browser.get(try XCTUnwrap(approved.location))
            let next = try XCTUnwrap(try f.station.casework().household(household)?.nextReview)
            XCTAssertTrue(after.contains("<strong id=\"next-review\">\(next)</strong>"))
            XCTAssertTrue(after.contains("批准 approved"))
        }
    }

    func testIDNumbersAreMaskedOnTheListAndShownOnTheCasePageOnlyWhenAsked() async throws {
        let (household, _) = try registerHousehold(idNumber: "630121195103073112")
        try await withBrowser { browser in
            let list = try await browser.get("/households")
            XCTAssertFalse(list.contains("630121195103073112"))
            XCTAssertTrue(list.contains("**************3112"))
            let masked = try await browser.get("/households/\(household)")
            XCTAssertFalse(masked.contains("630121195103073112"))
            let shown = try await browser.get("/households/\(household)?reveal=1")
            XCTAssertTrue(shown.contains("630121195103073112"))
            XCTAssertFalse(shown.body.contains("<title>户 \(household)</title>") && shown.body.contains("<title>马明"), "no name in the title")
        }
    }

    func testASearchPostsItsWordsAndFindsByNameVillageAndApplicationStatus() async throws {
        let (first, _) = try registerHousehold(head: "马明")
        try registerHousehold(head: "李芳", idNumber: "630121198001010018")
        _ = try station.casework().apply(household: first, category: "temporary", channel: "window", amount: "300",
                                         receivedAt: Date().addingTimeInterval(-60))
        try await withBrowser { browser in
            try await browser.get("/households")
            let byName = try await browser.post("/households/search", [("q", "李芳")])
            XCTAssertEqual(byName.status, .ok)
            XCTAssertTrue(byName.contains("找到 found 1 户"))
            XCTAssertTrue(byName.contains("value=\"李芳\""), "the search words stay in the form, not in a URL")
            let unknown = try await browser.post("/households/search", [("status", "forever")])
            XCTAssertEqual(unknown.status, .unprocessableContent)
            XCTAssertTrue(unknown.contains("id=\"f-status-error\""))
            let huge = try await browser.post("/households/search", [("q", String(repeating: "马", count: 200_000))])
            XCTAssertEqual(huge.status, .contentTooLarge)
            let byStatus = try await browser.post("/households/search", [("status", "received")])
            XCTAssertTrue(byStatus.contains(first))
            XCTAssertTrue(byStatus.contains("找到 found 1 户"))
        }
    }

    func testExportToAFolderRunsAsAJobAndSaysWhatItWrote() async throws {
        let f = fixture
        try registerHousehold()
        let stick = folder.sub("stick")
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        try await withBrowser { browser in
            try await browser.get("/sync")
            let missing = try await browser.post("/sync/export", [("folder", "")])
            XCTAssertEqual(missing.status, .unprocessableContent)
            XCTAssertTrue(missing.contains("id=\"f-folder-error\""))
            for wrong in [f.station.folder.path + "/identity.json", stick + "/no-such-folder", "relative/folder"] {
                let refused = try await browser.post("/sync/export", [("folder", wrong)])
                XCTAssertEqual(refused.status, .unprocessableContent, wrong)
                XCTAssertTrue(refused.contains("id=\"f-folder-error\""), wrong)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: stick + "/no-such-folder"), "a typo makes no file")
            let started = try await browser.post("/sync/export", [("folder", stick)])
            XCTAssertEqual(started.status, .seeOther)
            let done = try await browser.waitForJob(try XCTUnwrap(started.location))
            XCTAssertTrue(done.contains("完成 done"), done.body)
            XCTAssertTrue(done.contains(".fsb"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: stick).filter { $0.hasSuffix(".fsb") }.count, 1)
    }

    func testSealedKeysAskForThePassphraseOnceAndTheWorkbenchLocksAfterNoUse() async throws {
        try NodeFolder(stationFolder).protectIdentity(with: try Passphrase("青海湖边的社工站2026", source: "test"))
        try await withBrowser(lockAfter: 1) { browser in
            let first = try await browser.get("/today")
            XCTAssertEqual(first.status, .found)
            XCTAssertEqual(first.location, "/unlock")
            try await browser.get("/unlock")
            let wrong = try await browser.post("/unlock", [("passphrase", "not the passphrase")])
            XCTAssertEqual(wrong.status, .unprocessableContent)
            XCTAssertTrue(wrong.contains("id=\"f-passphrase-error\""))
            XCTAssertFalse(wrong.contains("not the passphrase"), "a passphrase is never written back into a page")
            let right = try await browser.post("/unlock", [("passphrase", "青海湖边的社工站2026")])
            XCTAssertEqual(right.status, .seeOther)
            let today = try await browser.get("/today"), list = try await browser.get("/households")
            XCTAssertEqual(today.status, .ok)
            XCTAssertEqual(list.status, .ok)
            try await Task.sleep(for: .milliseconds(1500))
            let locked = try await browser.get("/households")
            XCTAssertEqual(locked.location, "/unlock", "idle past --lock-after: locked")
            let unlockPage = try await browser.get("/unlock")
            XCTAssertTrue(unlockPage.contains("长时间未操作"))
        }
    }

    /// Wrong passphrases slow the unlock page down for every session (a guesser opens new
    /// ones): past a few, the next try waits, and a try within the wait is refused with 429
    /// and the seconds to wait, even with the right passphrase, which then opens after it.
    func testWrongPassphrasesOnTheUnlockPageSpaceOutTheNextTries() async throws {
        try NodeFolder(stationFolder).protectIdentity(with: try Passphrase("青海湖边的社工站2026", source: "test"))
        try await withBrowser { browser in
            try await browser.get("/unlock")
            for _ in 0...WebSessions<Station>.freeUnlockTries {
                let wrong = try await browser.post("/unlock", [("passphrase", "not the passphrase")])
                XCTAssertEqual(wrong.status, .unprocessableContent)
            }
            let stranger = Browser(browser.client)
            try await stranger.get("/unlock")
            let soon = try await stranger.post("/unlock", [("passphrase", "青海湖边的社工站2026")])
            XCTAssertEqual(soon.status, .tooManyRequests, "another session waits too")
            XCTAssertEqual(soon.headers[.retryAfter], "1")
            XCTAssertTrue(soon.contains("口令错误次数过多") && soon.contains("try again in 1 seconds"), soon.body)
            try await Task.sleep(for: .milliseconds(1100))
            let right = try await stranger.post("/unlock", [("passphrase", "青海湖边的社工站2026")])
            XCTAssertEqual(right.status, .seeOther)
        }
    }

    /// The verbs not walked above: each writes through its service call and returns to the
    /// case, and each refuses a bad value beside its field with nothing written.
    func testEachFollowUpVerbWritesOnceAndRefusesABadValueBesideItsField() async throws {
        let f = fixture
        let (household, _) = try registerHousehold()
        let application = try station.casework().apply(household: household, category: "temporary", channel: "window",
                                                       amount: "500", receivedAt: Date().addingTimeInterval(-1800))
        let referral = try station.casework().refer(application: application, to: "health", at: Date().addingTimeInterval(-900))
        let cases: [(path: String, good: [(String, String)], bad: [(String, String)], field: String)] = [
            ("/households/\(household)/edit", [("township", "630106100"), ("hukou", "rural"), ("monthly_income", "900")],
             [("township", "630106100"), ("hukou", "rural"), ("monthly_income", "9.5")], "monthly_income"),
            ("/households/\(household)/visit", [("visitor", "李芳"), ("note", "入户核实")], [("at", "2026-13-01T09:00")], "at"),
            ("/households/\(household)/review", [("outcome", "continue")], [("outcome", "forever")], "outcome"),
            ("/applications/\(application)/reply", [], [("at", "2099-01-01T09:00")], "at"),
            ("/applications/\(application)/give", [("kind", "cash"), ("amount", "300"), ("delivered_by", "李芳")],
             [("kind", "cash"), ("amount", "-3")], "amount"),
            ("/applications/\(application)/refer", [("department", "housing")], [("department", "")], "department"),
            ("/referrals/\(referral)/feedback", [("outcome", "accepted")], [("outcome", "maybe")], "outcome"),
        ]
        try await withBrowser { browser in
            for c in cases {
                try await browser.get(c.path)
                let before = try f.digest()
                let refused = try await browser.post(c.path, c.bad)
                XCTAssertEqual(refused.status, .unprocessableContent, "\(c.path): \(refused.body.prefix(300))")
                XCTAssertTrue(refused.contains("id=\"f-\(c.field)-error\""), "\(c.path): the message sits beside \(c.field)")
                XCTAssertEqual(try f.digest(), before, "\(c.path): a refused form writes nothing")
                let done = try await browser.post(c.path, c.good)
                XCTAssertEqual(done.status, .seeOther, "\(c.path): \(done.body.prefix(300))")
                XCTAssertEqual(done.location, "/households/\(household)", c.path)
                XCTAssertNotEqual(try f.digest(), before, "\(c.path): the verb wrote")
            }
        }
        let file = try XCTUnwrap(try station.casework().caseFile(household: household))
        XCTAssertEqual(file.household.monthlyIncomeYuan, 900)
        XCTAssertEqual(file.visits.count, 1)
        XCTAssertEqual(file.applications.first?.assistance.count, 1)
        XCTAssertEqual(file.applications.first?.referrals.count, 2)
        XCTAssertEqual(file.applications.first?.referrals.first?.feedback.count, 1)
    }

    func testAnImportOfAFileThatIsNotABundleEndsInAFailedJobInWordsAndWritesNothing() async throws {
        let f = fixture
        let junk = folder.sub("junk.fsb")
        try Data("这不是数据包".utf8).write(to: URL(fileURLWithPath: junk))
        let before = try digest()
        try await withBrowser { browser in
            try await browser.get("/sync")
            let started = try await browser.post("/sync/import", [("bundle", junk)])
            let page = try await browser.waitForJob(try XCTUnwrap(started.location))
            XCTAssertTrue(page.contains("class=\"error\""), page.body)
            XCTAssertFalse(page.contains("完成 done"))
            XCTAssertEqual(try f.digest(), before)
        }
    }

    /// A double click, two tabs, or Back and submit again: one rendering of a form is
    /// recorded once, whatever arrives after.
    func testOneRenderingOfAFormIsRecordedOnceWhetherPostedTwiceInARowOrAtOnce() async throws {
        let f = fixture
        let (household, _) = try registerHousehold()
        let application = try station.casework().apply(household: household, category: "temporary", channel: "window",
                                                       amount: "500", receivedAt: Date().addingTimeInterval(-1800))
        try await withBrowser { browser in
            let form = try await browser.get("/applications/\(application)/give")
            let key = try XCTUnwrap(form.formKey)
            let fields = [("kind", "cash"), ("amount", "300"), ("delivered_by", "李芳")]
            let first = try await browser.post("/applications/\(application)/give", fields, formKey: key)
            XCTAssertEqual(first.status, .seeOther)
            let again = try await browser.post("/applications/\(application)/give", fields, formKey: key)
            XCTAssertEqual(again.status, .conflict)
            XCTAssertTrue(again.contains("已经提交过"))
            // Two tabs with one rendering, posted at once.
            let other = try await browser.get("/applications/\(application)/give")
            let shared = try XCTUnwrap(other.formKey)
            let tab = Browser(browser.client)
            tab.cookie = browser.cookie
            tab.csrf = browser.csrf
            async let a = browser.post("/applications/\(application)/give", fields, formKey: shared)
            async let b = tab.post("/applications/\(application)/give", fields, formKey: shared)
            let statuses = [try await a.status, try await b.status]
            XCTAssertEqual(statuses.filter { $0 == .seeOther }.count, 1, "\(statuses)")
            XCTAssertEqual(statuses.filter { $0 == .conflict }.count, 1, "\(statuses)")
            // A post without a key is refused too.
            let bare = try await browser.post("/applications/\(application)/give", fields, formKey: "")
            XCTAssertEqual(bare.status, .conflict)
        }
        XCTAssertEqual(try f.station.casework().caseFile(household: household)?.applications.first?.assistance.count, 2)
    }

    /// Two tabs opened on one payment form are two renderings: the first tab's post records
    /// the payment, the second's is refused (409) instead of recording it twice. The form
    /// shown again after the post (the next payment) posts.
    func testTwoTabsOnOnePaymentFormRecordItOnce() async throws {
        let f = fixture
        let (household, _) = try registerHousehold()
        let application = try station.casework().apply(household: household, category: "temporary", channel: "window",
                                                       amount: "500", receivedAt: Date().addingTimeInterval(-1800))
        let path = "/applications/\(application)/give"
        try await withBrowser { browser in
            let firstPage = try await browser.get(path)
            let tab = Browser(browser.client)   // a second tab of the same browser: its session
            tab.cookie = browser.cookie
            tab.csrf = browser.csrf
            let secondPage = try await tab.get(path)
            let first = try XCTUnwrap(firstPage.formKey), second = try XCTUnwrap(secondPage.formKey)
            XCTAssertNotEqual(first, second)
            let fields = [("kind", "cash"), ("amount", "300"), ("delivered_by", "李芳")]
            let posted = try await browser.post(path, fields, formKey: first)
            XCTAssertEqual(posted.status, .seeOther)
            let again = try await tab.post(path, fields, formKey: second)
            XCTAssertEqual(again.status, .conflict)
            XCTAssertTrue(again.contains("已经提交过"))
            // The form shown again after the post (the next payment) posts.
            let nextPage = try await browser.get(path)
            let next = try await browser.post(path, fields, formKey: try XCTUnwrap(nextPage.formKey))
            XCTAssertEqual(next.status, .seeOther)
        }
        XCTAssertEqual(try f.station.casework().caseFile(household: household)?.applications.first?.assistance.count, 2)
    }

    /// What the command line prints before every command shows on every page: a station
    /// restored from an older copy is told so while it works.
    func testARestoredCopysWarningIsOnEveryPage() async throws {
        try station.replica.setSetting(RestoreState.settingKey, RestoreState(agreedThrough: 3, hubHolds: 5).encoded)
        try await withBrowser { browser in
            for path in ["/today", "/households", "/sync"] {
                let page = try await browser.get(path)
                XCTAssertTrue(page.contains("station repair"), path)
            }
        }
    }
}
