import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// A request whose signature, nonce and station the hub has checked, with its body.
struct SignedRequest {
    let station: Peer
    let body: ByteBuffer
}

/// Checks a request's FieldSync headers, in an order that keeps refusals harmless: the
/// headers' forms first (400), then the station (401), both before a byte of the body is
/// read, so that a request no enrolled station could have sent costs the hub no memory;
/// then a slot among the requests in hand (503: memory bounded in total, not only per
/// request), the body, bounded (413), its signature (401), the nonce, used up only by a correctly
/// signed request (401), and last the key's revocation (403), which only the key's holder
/// learns.
struct RequestAuthenticator: Sendable {
    let worker: HubWorker
    let nonces: NonceStore
    let bodyLimit: Int
    let bodySlots: BodySlots
    /// How long a body may take to arrive once its slot is taken: a link that vanished
    /// mid-chunk (no FIN, no RST) or a connection that trickles its body gives the slot back
    /// then, instead of holding it for ever.
    var bodyDeadline: Duration = .seconds(120)

    /// Runs `handle` with the checked request, holding one of the ``BodySlots`` from before
    /// the body is read until `handle` returns: a chunk waiting for the worker (behind a long
    /// merge, say) still holds its memory, so the slots bound what all requests in hand hold.
    func authenticated(_ request: Request, _ handle: (SignedRequest) async throws -> Response) async throws -> Response {
        let headers = request.headers
        let parsed = try SignedRequestHeaders.parse(station: headers[WireHeader.station], nonce: headers[WireHeader.nonce],
                                                    signature: headers[WireHeader.signature])
        guard let known = try await worker.run({ hub throws(SyncError) in try StationKeys.of(parsed.station, at: hub) }) else {
            throw HTTPRefusal.unknownStation
        }
        switch bodySlots.take(for: parsed.station) {
        case .taken: break
        case .allTaken: throw HTTPRefusal.busy(limit: bodySlots.limit, station: false)
        case .stationsShareTaken: throw HTTPRefusal.busy(limit: bodySlots.perStation, station: true)
        }
        defer { bodySlots.give(for: parsed.station) }
        return try await handle(try await check(request, parsed, known))
    }

    private func check(_ request: Request, _ parsed: SignedRequestHeaders, _ known: StationKeys) async throws -> SignedRequest {
        let headers = request.headers
        let (site, nonce, signature) = (parsed.station, parsed.nonce, parsed.signature)
        let body = try await collectBody(of: request)
        let signed = RequestSignature(method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                                      station: site, nonce: nonce, body: body.readableBytesView,
                                      uploadOffset: headers[WireHeader.uploadOffset], uploadChecksum: headers[WireHeader.uploadChecksum],
                                      range: headers[.range])
        guard let key = known.key(signing: signed, header: signature) else { throw HTTPRefusal.badSignature }
        guard await nonces.consume(nonce, by: site) else { throw HTTPRefusal.nonceNotUsable }
        if let at = key.distrustedAtMillis { throw HTTPRefusal.revoked(station: known.peer.operatorName, atMillis: at) }
        return SignedRequest(station: known.peer, body: body)
    }

    /// The body, at most `bodyLimit` bytes (413), whole within `bodyDeadline` (408).
    private func collectBody(of request: Request) async throws -> ByteBuffer {
        let (limit, deadline) = (bodyLimit, bodyDeadline)
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do { return try await request.body.collect(upTo: limit) } catch is NIOTooManyBytesError {
                    throw HTTPRefusal.bodyTooLarge(limit: limit)
                }
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                throw HTTPRefusal.bodyTooSlow(seconds: Int(deadline.components.seconds))
            }
            return body
        }
    }
}

/// How many requests with a body the hub holds at once, from reading the body until the
/// answer: each body may be up to the chunk limit, and an enrolled station (or many slow
/// connections with an enrolled station's headers, or chunks queued behind a long merge)
/// could otherwise make it hold any number of them. A request over the limit is answered
/// 503 at once, before its body is read, and the station's round sends it again after a pause.
///
/// One station holds at most `perStation` of them (a station's round sends one request at a
/// time): the slots are taken before the signature can be checked, so whoever knows one
/// station's site id could otherwise take them all with bodies that never arrive; with the
/// share, such a stranger holds up that station's requests, each for the body deadline at
/// most. Site ids are not secret on plain HTTP (they travel in every request): whoever
/// watches the wire learns them all and can hold every slot, as they could cut the link.
/// Behind TLS (threat model §11) they are not seen.
final class BodySlots: Sendable {
    let limit: Int
    let perStation: Int
    private let taken = NIOLockedValueBox<(total: Int, by: [SiteID: Int])>((0, [:]))

    init(limit: Int, perStation: Int = 4) {
        self.limit = max(1, limit)
        self.perStation = max(1, perStation)
    }

    enum Taking: Equatable { case taken, allTaken, stationsShareTaken }

    /// Takes a slot for `station`, unless all are taken or all of the station's share.
    func take(for station: SiteID) -> Taking {
        taken.withLockedValue { slots in
            let own = slots.by[station] ?? 0
            guard own < perStation else { return .stationsShareTaken }
            guard slots.total < limit else { return .allTaken }
            slots.total += 1
            slots.by[station] = own + 1
            return .taken
        }
    }

    func give(for station: SiteID) {
        taken.withLockedValue { slots in
            slots.total -= 1
            let own = (slots.by[station] ?? 1) - 1
            slots.by[station] = own > 0 ? own : nil
        }
    }

    /// Slots in use now.
    var inUse: Int { taken.withLockedValue { $0.total } }
}
