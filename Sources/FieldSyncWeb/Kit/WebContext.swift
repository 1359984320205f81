import Hummingbird
import Logging
import NIOCore

/// The request context of the workbench's routes: what the guard found before the route runs.
public struct WebContext<Node: Sendable>: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``WebGuard`` on every request that reaches a route.
    public var session: WebSessions<Node>.Lookup?
    /// The posted form (empty for GET).
    public var form = FormBody()

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Forms are small; a posted file is not a thing these pages take.
    public var maxUploadSize: Int { 256 * 1024 }

    public var csrf: String { session?.csrf ?? "" }
    public var node: Node? { session?.node }
}
