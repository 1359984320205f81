import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation
import Hummingbird
import NIOCore

/// A request whose signature, nonce and station the hub has checked, with its body.
struct SignedRequest {
    let station: Peer
    let body: ByteBuffer
}

/// Checks a request's FieldSync headers, in an order that keeps refusals harmless: the
/// headers' forms first (400), then the station (401), both before a byte of the body is
/// read, so that a request no enrolled station could have sent costs the hub no memory;
/// then the body, bounded (413), its signature (401), the nonce, used up only by a correctly
/// signed request (401), and last the key's revocation (403), which only the key's holder
/// learns.
struct RequestAuthenticator: Sendable {
    let worker: HubWorker
    let nonces: NonceStore
    let bodyLimit: Int

    func authenticate(_ request: Request) async throws -> SignedRequest {
        let headers = request.headers
        let parsed = try SignedRequestHeaders.parse(station: headers[WireHeader.station], nonce: headers[WireHeader.nonce],
                                                    signature: headers[WireHeader.signature])
        let (site, nonce, signature) = (parsed.station, parsed.nonce, parsed.signature)
        guard let known = try await worker.run({ hub throws(SyncError) in try StationKeys.of(site, at: hub) }) else {
            throw HTTPRefusal.unknownStation
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: bodyLimit) } catch is NIOTooManyBytesError {
            throw HTTPRefusal.bodyTooLarge(limit: bodyLimit)
        }
        let signed = RequestSignature(method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                                      station: site, nonce: nonce, body: body.readableBytesView,
                                      uploadOffset: headers[WireHeader.uploadOffset], uploadChecksum: headers[WireHeader.uploadChecksum],
                                      range: headers[.range])
        guard let key = known.key(signing: signed, header: signature) else { throw HTTPRefusal.badSignature }
        guard await nonces.consume(nonce) else { throw HTTPRefusal.nonceNotUsable }
        if let at = key.distrustedAtMillis { throw HTTPRefusal.revoked(station: known.peer.operatorName, atMillis: at) }
        return SignedRequest(station: known.peer, body: body)
    }
}
