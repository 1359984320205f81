import AsyncHTTPClient
import FieldSyncCore
import FieldSyncSync
import Foundation
import NIOCore
import NIOHTTP1

/// One answer from the hub: status, the headers the sync reads, and a small body.
struct WireResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var refusal: ErrorBody? { WireJSON.decode(ErrorBody.self, from: body) }
    func decode<T: Decodable>(_ type: T.Type) -> T? { WireJSON.decode(type, from: body) }
}

/// The station's side of the HTTP API: every request signed with the station's key over a
/// fresh nonce from the hub (Protocol/http-api.md). Knows nothing of the sync round.
final class HubClient: Sendable {
    let base: String
    let identity: NodeIdentity
    let http: HTTPClient
    let requestTimeout: TimeAmount

    /// `hub` is `http://HOST:PORT` (no path: the path of each route is what gets signed).
    init(hub: String, identity: NodeIdentity, requestTimeout: Duration) throws(StationSyncError) {
        guard let url = URL(string: hub), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
              url.path.isEmpty || url.path == "/", url.query == nil else {
            throw .badHubURL(hub)
        }
        self.base = hub.hasSuffix("/") ? String(hub.dropLast()) : hub
        self.identity = identity
        let timeout = TimeAmount(requestTimeout)
        self.requestTimeout = timeout
        self.http = HTTPClient(eventLoopGroupProvider: .singleton,
                               configuration: .init(timeout: .init(connect: timeout, read: timeout)))
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// A single-use nonce (`POST /v1/nonce`).
    func nonce() async throws -> String {
        var request = HTTPClientRequest(url: base + WirePath.nonce)
        request.method = .POST
        let response = try await execute(request)
        guard response.status == 200 else {
            throw StationSyncError.hubAnswered(status: response.status, response.refusal?.message ?? "no nonce in the answer")
        }
        guard let body = response.decode(NonceBody.self) else { throw StationSyncError.unexpectedAnswer("a 200 answer to POST /v1/nonce with no nonce") }
        return body.nonce
    }

    /// Sends a signed request and reads its (small) answer whole.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], headers extra: [(String, String)] = []) async throws -> WireResponse {
        try await execute(signed(method, path, body: body, headers: extra))
    }

    /// A signed request, ready to send: the nonce is fetched here, so a caller counting
    /// what it sends counts only what is handed to the link.
    func signed(_ method: HTTPMethod, _ path: String, body: [UInt8], headers extra: [(String, String)]) async throws -> HTTPClientRequest {
        let nonce = try await nonce()
        func header(_ name: String) -> String? { extra.last { $0.0.lowercased() == name.lowercased() }?.1 }
        let signature = try RequestSignature(method: method.rawValue, path: path, query: nil, station: identity.site,
                                             nonce: nonce, body: body, uploadOffset: header("Upload-Offset"),
                                             uploadChecksum: header("Upload-Checksum"), range: header("Range"))
            .sign(with: identity.signingKey)
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "FieldSync-Station", value: identity.site.hex)
        request.headers.add(name: "FieldSync-Nonce", value: nonce)
        request.headers.add(name: "FieldSync-Signature", value: signature)
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == .PATCH || method == .POST {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    func execute(_ request: HTTPClientRequest) async throws -> WireResponse {
        let response = try await http.execute(request, timeout: requestTimeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        return WireResponse(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// Sends a signed GET and hands the answer's head to `head` and each piece of its body to `piece` as it arrives.
    func stream(_ path: String, headers extra: [(String, String)], head: (Int, HTTPHeaders) throws -> Void,
                piece: (ByteBuffer) throws -> Void) async throws {
        let response = try await http.execute(try await signed(.GET, path, body: [], headers: extra), timeout: requestTimeout)
        try head(Int(response.status.code), response.headers)
        for try await buffer in response.body { try piece(buffer) }
    }
}
