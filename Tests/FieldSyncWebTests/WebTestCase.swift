import FieldSyncCore
import FieldSyncDomain
import FieldSyncSync
import FieldSyncTestSupport
@testable import FieldSyncWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest

/// A county in a temporary folder (one hub, one station, keys not sealed unless a test
/// seals them), and a browser-like client: it keeps the session cookie and posts each
/// form with the CSRF token of the last page it read.
class WebTestCase: XCTestCase {
    var folder: TemporaryFolder!
    var county: County!
    var station: Station { county.stations[0] }
    var stationFolder: String { station.folder.path }

    override func setUp() async throws {
        TestLogging.bootstrap()
        folder = TemporaryFolder()
        county = try County.create(at: folder.sub("county"), hubName: "湟中区民政局",
                                   stations: [.init(name: "鲁沙尔镇社工站", township: "630106100")])
    }

    override func tearDown() async throws { folder.cleanUp() }

    var fixture: Fixture { Fixture(station: station) }
    func digest() throws -> String { try fixture.digest() }
    @discardableResult
    func registerHousehold(head: String = "马明", idNumber: String = "630121195103073112") throws -> (household: String, member: String) {
        try fixture.registerHousehold(head: head, idNumber: idNumber)
    }
}

/// What a test's closures (which must be Sendable) use of the county.
struct Fixture: Sendable {
    let station: Station

    /// The station's replica digest: equal before and after means nothing was written.
    func digest() throws -> String { try station.replica.digest() }

    /// A household with one member, registered through the service (not the pages).
    @discardableResult
    func registerHousehold(head: String = "马明", idNumber: String = "630121195103073112") throws -> (household: String, member: String) {
        let casework = station.casework()
        let id = try casework.addHousehold(HouseholdInput(township: "630106100", village: "青石坡村", headName: head, hukou: "rural",
                                                          monthlyIncomeYuan: "600"), at: Date().addingTimeInterval(-3600))
        let member = try casework.addMember(household: id, MemberInput(name: head, idNumber: idNumber, relation: "head", labourCapacity: "none"),
                                            at: Date().addingTimeInterval(-3500))
        return (id, member)
    }
}

/// What a test reads of an answer.
struct Page {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var location: String? { headers[.location] }
    /// The CSRF token the page's forms carry.
    var csrf: String? { hidden("_csrf") }
    /// The key of the page's first form (each rendering has its own).
    var formKey: String? { hidden("_form") }

    func hidden(_ name: String) -> String? {
        guard let r = body.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(body[r.upperBound...].prefix { $0 != "\"" })
    }
    func contains(_ text: String) -> Bool { body.contains(text) }
}

/// A browser's part: the cookie, the last token, form posts.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookie: String?
    var csrf: String?
    /// The form key of the last page read, and the keys this browser has posted.
    var formKey: String?
    var postedKeys: Set<String> = []

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> Page {
        let page = try await send(path, method: .get, body: nil, headers: extra)
        remember(page)
        return page
    }

    private func remember(_ page: Page) {
        if let token = page.csrf { csrf = token }
        if let key = page.formKey { formKey = key }
    }

    /// Posts `fields` with the session's token (unless `token` overrides it) and the last
    /// page's form key, or a fresh one once that was posted (as a new rendering of the form
    /// would carry); `formKey` posts a given key (a second post of one rendering).
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], token: String? = nil, formKey given: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> Page {
        let key = given ?? ((formKey.map { postedKeys.contains($0) } ?? true) ? UUID().uuidString : formKey!)
        postedKeys.insert(key)
        let all = [("_csrf", token ?? csrf ?? ""), ("_form", key)] + fields
        let body = all.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        let page = try await send(path, method: .post, body: body, headers: headers)
        remember(page)
        return page
    }

    /// Follows a job's page until the job finished (its page stops refreshing).
    func waitForJob(_ path: String) async throws -> Page {
        for _ in 0..<300 {
            let page = try await get(path)
            if !page.contains("http-equiv=\"refresh\"") { return page }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("the job at \(path) did not finish")
        return try await get(path)
    }

    private func send(_ path: String, method: HTTPRequest.Method, body: String?, headers extra: HTTPFields) async throws -> Page {
        var headers = extra
        if let cookie { headers[.cookie] = "\(cookie)" }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers,
                                                       body: body.map { ByteBuffer(string: $0) })
        if let set = response.headers[.setCookie], let pair = set.split(separator: ";").first { cookie = String(pair) }
        return Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
