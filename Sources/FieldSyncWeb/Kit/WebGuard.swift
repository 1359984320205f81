import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Runs before every route: the security headers, the session, the CSRF check, the lock.
///
/// One place for all of it, so no route can forget one: a route sees a request only with
/// a session, a checked form (POST) and, unless it is one of `openPaths`, an unlocked node.
struct WebGuard<Node: Sendable>: RouterMiddleware {
    typealias Context = WebContext<Node>

    let sessions: WebSessions<Node>
    let pages: PageRenderer
    let cookieName: String
    /// The Host values a request may carry (the listening address, with `localhost` for
    /// loopback): a page on another site that resolves its own name to 127.0.0.1 (DNS
    /// rebinding) sends its own name and is refused.
    let allowedHosts: @Sendable () -> Set<String>
    /// Reachable while locked: the unlock form and the stylesheet.
    let openPaths: Set<String> = ["/unlock", "/assets/site.css"]
    /// Posts that write nothing, so they carry no form key: unlocking, locking, a search, a
    /// folder's listing.
    let postsWithoutKey: Set<String> = ["/unlock", "/lock", "/households/search", "/inbox"]
    let logger: Logger

    /// The headers of every answer. The CSP allows this origin's stylesheet and nothing
    /// else: no script at all, no frame, no outside font or image; forms post only here.
    static var securityHeaders: [(HTTPField.Name, String)] { [
        (.contentSecurityPolicy, "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
        (HTTPField.Name("Cross-Origin-Opener-Policy")!, "same-origin"),
        (.cacheControl, "no-store"),
    ] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response = await guarded(request, context: context, next: next)
        for (name, value) in Self.securityHeaders { response.headers[name] = value }
        let elapsed = ContinuousClock.now - started
        // The server's own time for the page (the browser's developer tools and the page
        // benchmark read it): what the 50 ms target of a page is measured on.
        response.headers[HTTPField.Name("Server-Timing")!] = String(format: "app;dur=%.3f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        // The path names row ids at most (no page puts personal data in a URL); the query
        // and the form are never logged.
        let route = request.uri.path
        let ms = elapsed.components
        logger.debug("\(request.method.rawValue) \(route) \(response.status.code) \(ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000) ms")
        return response
    }

    private func guarded(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        var context = context
        var request = request
        let hosts = allowedHosts()
        if !hosts.isEmpty, let host = request.head.authority, !hosts.contains(host.lowercased()) {
            return pages.refusal(.misdirectedHost)
        }
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site" {
            return pages.refusal(.crossSite)
        }
        let cookie = request.cookies[cookieName]?.value
        let session = sessions.lookup(cookie: cookie)
        context.session = session
        var response: Response
        do {
            if request.method == .post {
                let body: ByteBuffer
                do { body = try await request.collectBody(upTo: context.maxUploadSize) } catch {
                    return withCookie(pages.refusal(.tooLarge), session)
                }
                guard let form = FormBody(urlEncoded: body.readableBytesView) else {
                    return withCookie(pages.refusal(.unreadableForm), session)
                }
                guard !session.isNew, let token = form["_csrf"], WebSessions<Node>.tokensMatch(token, session.csrf) else {
                    return withCookie(pages.refusal(.csrf), session)
                }
                context.form = form
            }
            if session.node == nil, !openPaths.contains(request.uri.path) {
                if request.method == .post {
                    sessions.flash(session.id, WebMessage.lockedDuringPost)
                } else if session.lockedForIdleness {
                    sessions.flash(session.id, WebMessage.lockedForIdleness)
                }
                return withCookie(.redirect(to: "/unlock", type: .found), session)
            }
            if request.method == .post, !postsWithoutKey.contains(request.uri.path) {
                guard let key = context.form["_form"], !key.isEmpty, sessions.claim(session.id, form: key, action: request.uri.path) else {
                    return withCookie(pages.refusal(.alreadySubmitted), session)
                }
            }
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            response = pages.refusal(.notFound)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = pages.refusal(.tooLarge)
        } catch {
            // The message of an unexpected error may quote a value; only its type is logged.
            logger.error("unexpected error in \(context.endpointPath ?? "(no route)"): \(String(reflecting: type(of: error)))")
            response = pages.refusal(.internalFailure)
        }
        return withCookie(response, session)
    }

    private func withCookie(_ response: Response, _ session: WebSessions<Node>.Lookup) -> Response {
        guard session.isNew else { return response }
        var response = response
        response.setCookie(Cookie(name: cookieName, value: session.id, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }
}
