import FieldSyncDomain
import FieldSyncSync
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers

/// The layout's model: title, the node, the menu, the messages at the top.
struct Frame {
    struct NavItem {
        let href: String
        let label: String
        let current: Bool
    }
    let title: String
    let node: String
    let nav: [NavItem]
    let csrf: String
    let lockable: Bool
    /// What the command line prints before every command (unprotected keys, a wrong clock, a
    /// restored copy): on every page too, so nobody works on without seeing it.
    let warnings: [String]
    let flash: String?
    let refresh: Bool
}

/// What the station's workbench and the hub's review desk share: sessions and their lock,
/// the worker that runs the node's blocking work, long jobs, the layout, and the routes
/// every desk has (stylesheet, unlock, lock, a job's page).
public struct Workbench<Node: Sendable>: Sendable {
    public let sessions: WebSessions<Node>
    public let worker = NodeWorker()
    public let jobs = WebJobs()
    let pages = PageRenderer()
    let nodeLabel: String
    let nav: [(href: String, label: String)]
    let warning: String?
    /// The node's own warnings as of now (two small reads).
    let nodeWarnings: @Sendable (Node) -> [String]
    let cookieName: String
    /// Opens the node's keys with the passphrase typed on the unlock page.
    let unlock: @Sendable (Passphrase) throws -> Node
    let hosts = HostList()
    static var logger: Logger { Logger(label: "fieldsync.web") }

    init(sessions: WebSessions<Node>, nodeLabel: String, nav: [(href: String, label: String)], warning: String?,
         nodeWarnings: @escaping @Sendable (Node) -> [String] = { _ in [] },
         cookieName: String, unlock: @escaping @Sendable (Passphrase) throws -> Node) {
        self.sessions = sessions
        self.nodeLabel = nodeLabel
        self.nav = nav
        self.warning = warning
        self.nodeWarnings = nodeWarnings
        self.cookieName = cookieName
        self.unlock = unlock
    }

    func frame(_ title: String, _ context: WebContext<Node>, current: String? = nil, refresh: Bool = false) -> Frame {
        Frame(title: title, node: nodeLabel,
              nav: nav.map { Frame.NavItem(href: $0.href, label: $0.label, current: $0.href == current) },
              csrf: context.csrf, lockable: sessions.needsUnlock && context.node != nil,
              warnings: (warning.map { [$0] } ?? []) + (context.node.map(nodeWarnings) ?? []),
              flash: context.session?.flash, refresh: refresh)
    }

    /// Runs `body` with the session's node on the worker thread.
    func run<T: Sendable>(_ context: WebContext<Node>, _ body: @escaping @Sendable (Node) throws -> T) async throws -> T {
        guard let node = context.node else { throw HTTPError(.forbidden) }
        return try await worker.run { try body(node) }
    }

    /// Starts `body` as a job titled `title` on the worker with the session's node, and
    /// answers with the job's page (its result lines, or its error in words, when done).
    func job(_ title: String, back: String, _ context: WebContext<Node>,
             _ body: @escaping @Sendable (Node, _ progress: @escaping @Sendable (Int, Int, String) -> Void) throws -> [String]) throws -> Response {
        guard let node = context.node else { throw HTTPError(.forbidden) }
        let jobs = self.jobs, worker = self.worker
        let id = jobs.start(title: title, back: back)
        Task {
            do {
                let lines = try await worker.run {
                    try body(node) { done, total, current in jobs.progress(id, done: done, total: total, current: current) }
                }
                jobs.finish(id, .finished(lines))
            } catch {
                jobs.finish(id, .failed(String(describing: error)))
            }
        }
        return .redirect(to: "/jobs/\(id)", type: .normal)
    }

    func redirect(_ path: String, flash: String? = nil, _ context: WebContext<Node>) -> Response {
        if let flash, let id = context.session?.id { sessions.flash(id, flash) }
        return .redirect(to: path, type: .normal)
    }

    /// The router with the guard and the shared routes; the desk adds its own.
    func router() -> Router<WebContext<Node>> {
        let router = Router(context: WebContext<Node>.self)
        router.add(middleware: WebGuard(sessions: sessions, pages: pages, cookieName: cookieName,
                                        allowedHosts: { hosts.allowed }, logger: Self.logger))
        router.get("/assets/site.css") { _, _ in PageRenderer.stylesheetResponse() }
        router.get("/unlock") { _, context in
            if context.node != nil { return Response.redirect(to: "/", type: .normal) }
            return unlockPage(context, typed: nil, refusal: nil)
        }
        router.post("/unlock") { _, context in
            let typed = context.form["passphrase"] ?? ""
            do {
                let passphrase = try Passphrase(typed, source: "the unlock page")
                // Checked and recorded on the worker, one try after another: requests sent
                // at once cannot all pass the check before the first wrong one is counted.
                let opened = try await worker.run { () throws -> Result<Node, UnlockTooSoon> in
                    if let wait = sessions.unlockWait() { return .failure(UnlockTooSoon(seconds: wait)) }
                    do {
                        let node = try unlock(passphrase)
                        sessions.recordUnlock(succeeded: true)
                        return .success(node)
                    } catch {
                        sessions.recordUnlock(succeeded: false)
                        throw error
                    }
                }
                switch opened {
                case let .success(node):
                    if let id = context.session?.id { sessions.unlock(id, with: node) }
                    return Response.redirect(to: "/", type: .normal)
                case let .failure(soon):
                    var page = unlockPage(context, typed: FormBody(), refusal: WebMessage.unlockWait(seconds: soon.seconds),
                                          status: .tooManyRequests)
                    page.headers[.retryAfter] = String(soon.seconds)
                    return page
                }
            } catch {
                return unlockPage(context, typed: FormBody(), refusal: Self.unlockRefusal(error), status: .unprocessableContent)
            }
        }
        router.post("/lock") { _, context in
            if let id = context.session?.id { sessions.lock(id); sessions.flash(id, WebMessage.locked) }
            return Response.redirect(to: "/unlock", type: .normal)
        }
        router.get("/jobs/{id}") { _, context in
            guard let id = context.parameters.get("id", as: Int.self), let job = jobs.job(id) else { throw HTTPError(.notFound) }
            let view = JobView(job)
            return pages.page("job", JobPage(frame: frame(job.title, context, refresh: view.running), job: view))
        }
        return router
    }

    private func unlockPage(_ context: WebContext<Node>, typed: FormBody?, refusal: String?,
                            status: HTTPResponse.Status = .ok) -> Response {
        let form = FormView(id: "unlock", action: "/unlock", submit: "解锁 Unlock", csrf: context.csrf,
                            fields: [FormField("passphrase", "口令", "passphrase", .password, required: true)],
                            typed: typed, refusal: refusal, refusedField: refusal == nil ? nil : "passphrase")
        return pages.page("unlock", UnlockPage(frame: frame("解锁 Unlock", context), minutes: Int(sessions.lockAfter / 60), form: form),
                          status: status)
    }

    /// A wrong passphrase says so; nothing of the error's detail (a path) is needed here.
    static func unlockRefusal(_ error: any Error) -> String {
        if case let key as KeyError = error { return key.description }
        if case let sync as SyncError = error { return sync.description }
        return "口令不正确或密钥无法打开 / the passphrase is wrong or the keys cannot be opened"
    }

    /// Serves the desk until the process is stopped; `onRunning` gets the bound port.
    func application(router: Router<WebContext<Node>>, listen: WebListen,
                     onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        var logger = Logger(label: "fieldsync.web.server")
        logger.logLevel = .warning
        let hosts = self.hosts
        return Application(router: router, configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "fieldsync"),
                           services: sessions.needsUnlock ? [IdleLock(sessions: sessions)] : [],
                           onServerRunning: { channel in
                               let port = channel.localAddress?.port ?? listen.port
                               hosts.set(listen: listen, port: port)
                               await onRunning(port)
                           }, logger: logger)
    }
}

/// The unlock page is not taking passphrases for `seconds` more (``WebSessions/recordUnlock(succeeded:)``).
struct UnlockTooSoon: Error {
    let seconds: Int
}

/// The Host header values the desk answers to, known once the port is bound.
/// Empty until then: in-process tests never bind a port, and the guard checks a Host only
/// against a known list.
final class HostList: Sendable {
    private let names = NIOLockedValueBox<Set<String>>([])
    var allowed: Set<String> { names.withLockedValue { $0 } }

    func set(listen: WebListen, port: Int) {
        var names: Set<String> = ["\(listen.host):\(port)".lowercased()]
        if listen.host.contains(":") { names.insert("[\(listen.host)]:\(port)".lowercased()) }
        if listen.isLoopback { names.formUnion(["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)"]) }
        self.names.withLockedValue { $0 = names }
    }
}

struct JobPage {
    let frame: Frame
    let job: JobView
}

struct UnlockPage {
    let frame: Frame
    let minutes: Int
    let form: FormView
}
