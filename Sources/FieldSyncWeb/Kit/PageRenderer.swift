import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The templates compiled into the binary, and the answers made from them.
///
/// Every page is a Mustache template (`Templates/`, embedded in the binary with the
/// stylesheet): the workbench opens with the network cable out, and nothing is fetched
/// from anywhere. Values are HTML-escaped by Mustache (`{{x}}`); the templates use no
/// triple mustaches.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static let templates: [(String, [UInt8])] = [
        ("layout", PackageResources.layout_mustache),
        ("form", PackageResources.form_mustache),
        ("refusal", PackageResources.refusal_mustache),
        ("unlock", PackageResources.unlock_mustache),
        ("job", PackageResources.job_mustache),
        ("today", PackageResources.today_mustache),
        ("households", PackageResources.households_mustache),
        ("case", PackageResources.case_mustache),
        ("summary", PackageResources.summary_mustache),
        ("verb", PackageResources.verb_mustache),
        ("sync", PackageResources.sync_mustache),
        ("hub-home", PackageResources.hub_home_mustache),
        ("hub-inbox", PackageResources.hub_inbox_mustache),
        ("hub-conflicts", PackageResources.hub_conflicts_mustache),
        ("hub-duplicates", PackageResources.hub_duplicates_mustache),
        ("hub-pending", PackageResources.hub_pending_mustache),
        ("hub-parameters", PackageResources.hub_parameters_mustache),
        ("hub-returns", PackageResources.hub_returns_mustache),
    ]

    static let stylesheet = ByteBuffer(bytes: PackageResources.site_css)

    public init() {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            // A template that does not parse is a build defect, caught by the first test that renders.
            try! library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// `template` rendered with `model`, as an HTML page.
    public func page(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        html(render(template, model), status: status)
    }

    public func render(_ template: String, _ model: Any) -> String {
        library.render(model, withTemplate: template) ?? ""
    }

    func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func refusal(_ refusal: WebRefusal) -> Response {
        page("refusal", RefusalPage(refusal: refusal), status: refusal.status)
    }

    static func stylesheetResponse() -> Response {
        Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                 body: ResponseBody(byteBuffer: stylesheet))
    }
}

/// The page of a refused request: its words in Chinese and English, and where to go.
struct RefusalPage {
    let title: String
    let zh: String
    let en: String
    init(refusal: WebRefusal) {
        title = refusal.title
        zh = refusal.zh
        en = refusal.en
    }
}

/// A request refused before or outside a route's own checks.
enum WebRefusal: Error {
    case csrf, crossSite, misdirectedHost, unreadableForm, notFound, tooLarge, internalFailure, alreadySubmitted

    var status: HTTPResponse.Status {
        switch self {
        case .csrf, .crossSite, .misdirectedHost: .forbidden
        case .alreadySubmitted: .conflict
        case .unreadableForm: .badRequest
        case .notFound: .notFound
        case .tooLarge: .contentTooLarge
        case .internalFailure: .internalServerError
        }
    }

    var title: String {
        switch self {
        case .csrf, .crossSite, .misdirectedHost: "已拒绝 Refused"
        case .alreadySubmitted: "已提交过 Already submitted"
        case .unreadableForm, .tooLarge: "无法读取 Unreadable"
        case .notFound: "找不到 Not found"
        case .internalFailure: "出错 Failure"
        }
    }

    var zh: String {
        switch self {
        case .csrf: "表单已失效（工作台已重新启动，或表单不是从本页面提交的），没有保存任何内容。请按浏览器的“后退”键返回表单，再提交一次。"
        case .alreadySubmitted: "这份表单已经提交过一次，没有重复保存（例如按了两次提交，或在两个标签页中提交）。请到个案页面查看已保存的结果；如确需再记录一次，请重新打开表单填写。"
        case .crossSite: "请求来自别的网站，已拒绝，没有保存任何内容。请直接在本页面操作。"
        case .misdirectedHost: "请求的地址不是本工作台的地址，已拒绝。请使用启动时显示的地址打开。"
        case .unreadableForm: "表单内容无法读取，没有保存任何内容。请返回重新填写。"
        case .notFound: "找不到该页面或记录。请从导航菜单重新进入。"
        case .tooLarge: "提交的内容太大，没有保存任何内容。"
        case .internalFailure: "处理时出现意外错误，没有保存任何内容。请重试；如再次出现，请联系县级中心技术支持。"
        }
    }

    var en: String {
        switch self {
        case .csrf: "This form has expired (the workbench restarted, or the form did not come from this page). Nothing was saved. Press the browser's Back button and submit the form again."
        case .alreadySubmitted: "This form was already submitted once; it was not saved again (a double click, or the same form in two tabs). See the result on the case page; to record another, open the form anew."
        case .crossSite: "The request came from another site and was refused. Nothing was saved. Work on this page directly."
        case .misdirectedHost: "The request was addressed to another host name and was refused. Open the address the workbench printed when it started."
        case .unreadableForm: "The form could not be read. Nothing was saved. Go back and fill it in again."
        case .notFound: "No such page or record. Start again from the menu."
        case .tooLarge: "The form was too large. Nothing was saved."
        case .internalFailure: "An unexpected error occurred. Nothing was saved. Try again; if it happens again, call the county's IT support."
        }
    }
}

/// Lines shown to the person at the page, in Chinese and English.
enum WebMessage {
    static let lockedForIdleness = "长时间未操作，工作台已锁定，请重新输入口令 / locked after a period of no use; enter the passphrase again"
    static let locked = "已锁定 / locked"
    /// The unlock page while tries are spaced out after wrong passphrases.
    static func unlockWait(seconds: Int) -> String {
        "口令错误次数过多，请 \(seconds) 秒后再试 / too many wrong passphrases: try again in \(seconds) seconds"
    }
    static let lockedDuringPost = "工作台已锁定，刚才的表单没有保存。解锁后请按浏览器的“后退”键回到表单再提交 / the workbench had locked, so the form was not saved; after unlocking, press Back to return to the form and submit it again"
}
