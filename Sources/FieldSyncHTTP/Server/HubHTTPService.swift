import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The hub's HTTP service: a thin map of routes onto ``Hub`` (Protocol/http-api.md).
///
/// Nothing here decides anything about sync: uploads are stored and handed to
/// `Hub.merge(bundleAt:)`, return bundles come from `Hub.returnBundle(for:to:)`, and all
/// of it runs one job at a time on the ``HubWorker``'s thread, off the event loops.
public struct HubHTTPService: Sendable {
    public struct Limits: Sendable {
        /// The largest request body, so the largest upload chunk (tus: a PATCH).
        public var chunkBytes: Int
        /// The largest bundle an upload may declare.
        public var bundleBytes: Int64
        /// The most unfinished uploads one station may hold: with `bundleBytes`, what one
        /// enrolled station can make the hub keep on disk.
        public var openUploadsPerStation: Int
        /// How long an unfinished upload is kept (the hub's clock); swept when an upload is created.
        public var unfinishedUploadLifetime: Duration
        public var nonceLifetime: Duration
        /// The most used nonces remembered per station within their lifetime (``NonceStore``);
        /// only correctly signed requests of enrolled stations add to them.
        public var nonceCapacity: Int
        /// The most signed requests held at once, from reading the body until the answer
        /// (``BodySlots``): with `chunkBytes`, the memory all requests together can make the hub hold.
        public var bodiesAtOnce: Int
        /// The most of those one station holds (its round sends one at a time).
        public var bodiesPerStation: Int
        /// How long a body may take to arrive (408 past it, the slot given back).
        public var bodyDeadline: Duration
        /// How long a connection may stay without a byte arriving, between requests or within
        /// a body, before it is closed (a request being answered is not cut).
        public var connectionIdle: Duration
        public init(chunkBytes: Int = 1 << 20, bundleBytes: Int64 = 1 << 30, openUploadsPerStation: Int = 2,
                    unfinishedUploadLifetime: Duration = .seconds(24 * 3600), nonceLifetime: Duration = .seconds(300),
                    nonceCapacity: Int = 4096, bodiesAtOnce: Int = 32, bodiesPerStation: Int = 4,
                    bodyDeadline: Duration = .seconds(120), connectionIdle: Duration = .seconds(60)) {
            self.chunkBytes = chunkBytes
            self.bundleBytes = bundleBytes
            self.openUploadsPerStation = openUploadsPerStation
            self.unfinishedUploadLifetime = unfinishedUploadLifetime
            self.nonceLifetime = nonceLifetime
            self.nonceCapacity = nonceCapacity
            self.bodiesAtOnce = bodiesAtOnce
            self.bodiesPerStation = bodiesPerStation
            self.bodyDeadline = bodyDeadline
            self.connectionIdle = connectionIdle
        }
    }

    public let worker: HubWorker
    public let nonces: NonceStore
    public let limits: Limits
    let uploads: UploadStore
    let returns: ReturnStore
    let authenticator: RequestAuthenticator
    static let logger = Logger(label: "fieldsync.http")

    public init(worker: HubWorker, limits: Limits = Limits()) {
        self.worker = worker
        self.limits = limits
        self.nonces = NonceStore(lifetime: limits.nonceLifetime, capacity: limits.nonceCapacity)
        self.uploads = UploadStore(hubFolder: worker.hub.folder.path, maxBundleBytes: limits.bundleBytes,
                                   maxOpenPerStation: limits.openUploadsPerStation, unfinishedLifetime: limits.unfinishedUploadLifetime)
        self.returns = ReturnStore(hubFolder: worker.hub.folder.path)
        self.authenticator = RequestAuthenticator(worker: worker, nonces: nonces, bodyLimit: limits.chunkBytes,
                                                  bodySlots: BodySlots(limit: limits.bodiesAtOnce, perStation: limits.bodiesPerStation),
                                                  bodyDeadline: limits.bodyDeadline)
    }

    /// The application on `host:port` (port 0: any free port, told to `onServerRunning`).
    public func application(host: String, port: Int,
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "fieldsync.http.server")
        logger.logLevel = .warning
        // A connection on which nothing arrives for a minute, between requests or in the middle
        // of a body, is closed: a link that vanished without a word holds no socket and no task
        // until the kernel gives up on it (a request being answered is not cut).
        return Application(router: router(), server: .http1(configuration: .init(idleTimeout: TimeAmount(limits.connectionIdle))),
                           configuration: .init(address: .hostname(host, port: port), serverName: "fieldsync"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post(RouterPath(WirePath.nonce)) { _, _ in
            await answer("nonce") {
                Self.json(.ok, NonceBody(nonce: await nonces.issue(), expiresInSeconds: Int(limits.nonceLifetime.components.seconds)))
            }
        }
        router.post(RouterPath(WirePath.uploads)) { request, _ in
            await answer("create upload") {
                try await authenticator.authenticated(request) { signed in
                    let body = try UploadCreateBody.parse(signed.body.readableBytesView, maxBundleBytes: limits.bundleBytes)
                    let site = signed.station.site
                    let state = try await worker.run { [uploads] _ throws(HTTPRefusal) in try uploads.create(for: site, body) }
                    return Self.json(.ok, state, offset: state.offset)
                }
            }
        }
        router.head(RouterPath(WirePath.uploads + "/:id")) { request, context in
            await answer("upload offset") {
                try await authenticator.authenticated(request) { signed in
                    let (site, id) = try (signed.station.site, Self.id(context))
                    let state = try await worker.run { [uploads] _ throws(HTTPRefusal) in try uploads.state(of: id, for: site) }
                    return Response(status: .ok, headers: Self.offsetHeaders(state.offset, length: state.size))
                }
            }
        }
        router.get(RouterPath(WirePath.uploads + "/:id")) { request, context in
            await answer("upload state") {
                try await authenticator.authenticated(request) { signed in
                    let (site, id) = try (signed.station.site, Self.id(context))
                    let state = try await worker.run { [uploads] _ throws(HTTPRefusal) in try uploads.state(of: id, for: site) }
                    return Self.json(.ok, state, offset: state.offset)
                }
            }
        }
        router.patch(RouterPath(WirePath.uploads + "/:id")) { request, context in
            await answer("upload chunk") {
                try await authenticator.authenticated(request) { signed in
                    let id = try Self.id(context)
                    let offset = try UploadOffsetHeader.parse(request.headers[WireHeader.uploadOffset])
                    let checksum = try UploadChecksumHeader.parse(request.headers[WireHeader.uploadChecksum])
                    let chunk = Array(signed.body.readableBytesView)
                    let site = signed.station.site
                    let state = try await worker.run { [uploads] hub throws(HTTPRefusal) in
                        try uploads.append(chunk, at: offset, checksum: checksum, to: id, for: site, worker: hub)
                    }
                    return Self.json(.ok, state, offset: state.offset)
                }
            }
        }
        router.post(RouterPath(WirePath.returns)) { request, _ in
            await answer("return bundle") {
                try await authenticator.authenticated(request) { signed in
                    let station = signed.station
                    let body = try await worker.run { [returns] hub throws(HTTPRefusal) in try returns.write(for: station, hub: hub) }
                    return Self.json(.ok, body)
                }
            }
        }
        router.get(RouterPath(WirePath.returns + "/:id")) { request, context in
            await answer("return download") {
                try await authenticator.authenticated(request) { signed in
                    let (site, id) = try (signed.station.site, Self.id(context))
                    let (path, body) = try await worker.run { [returns] _ throws(HTTPRefusal) in try returns.file(id, for: site) }
                    return try await Self.download(path: path, size: body.size, range: request.headers[.range], context: context)
                }
            }
        }
        return router
    }

    /// Runs a route, turning a refusal into its status and JSON body; logs the outcome
    /// by route name and status only.
    private func answer(_ route: String, _ body: () async throws -> Response) async -> Response {
        let response: Response
        do {
            response = try await body()
        } catch let refusal as HTTPRefusal {
            var refused = Self.json(refusal.status, ErrorBody(error: refusal.code, message: refusal.description))
            if case .busy = refusal { refused.headers[.retryAfter] = "1" }
            response = refused
        } catch let error as SyncError {
            let refusal = HTTPRefusal.hubFailure(error.description)
            response = Self.json(refusal.status, ErrorBody(error: refusal.code, message: refusal.description))
        } catch {
            // A connection cut mid-body, or the thread pool stopping: nothing was stored.
            let refusal = HTTPRefusal.hubFailure("the request could not be completed; try again")
            response = Self.json(refusal.status, ErrorBody(error: refusal.code, message: refusal.description))
        }
        Self.logger.info("request", metadata: ["route": "\(route)", "status": "\(response.status.code)"])
        return response
    }

    static func id(_ context: BasicRequestContext) throws(HTTPRefusal) -> String {
        try PathID.parse(context.parameters.get("id"))
    }

    /// The file, whole (200) or from a `Range: bytes=N-` / `bytes=N-M` (206), streamed.
    static func download(path: String, size: Int64, range: String?, context: BasicRequestContext) async throws -> Response {
        var headers: HTTPFields = [.acceptRanges: "bytes", .contentType: "application/octet-stream"]
        guard let range else {
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
        let (start, end) = try ByteRange.span(range, size: size)
        headers[.contentRange] = "bytes \(start)-\(end)/\(size)"
        let body = try await FileIO().loadFile(path: path, range: Int(start)...Int(end), context: context)
        return Response(status: .partialContent, headers: headers, body: body)
    }

    static func offsetHeaders(_ offset: Int64, length: Int64? = nil) -> HTTPFields {
        var headers: HTTPFields = [WireHeader.uploadOffset: String(offset), .cacheControl: "no-store"]
        if let length { headers[HTTPField.Name("Upload-Length")!] = String(length) }
        return headers
    }

    static func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T, offset: Int64? = nil) -> Response {
        var headers: HTTPFields = offset.map { offsetHeaders($0) } ?? [:]
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: WireJSON.encode(value))))
    }
}
