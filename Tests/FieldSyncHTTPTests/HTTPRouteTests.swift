import Crypto
import FieldSyncCore
@testable import FieldSyncHTTP
import FieldSyncStore
import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// Every route through HummingbirdTesting: what a correct station gets, and that each kind
/// of bad request gets its status and changes nothing at the hub.
final class HTTPRouteTests: HTTPTestCase {
    private func withClient(_ service: HubHTTPService? = nil, _ body: @Sendable (SigningClient) async throws -> Void) async throws {
        let app = Application(router: (service ?? self.service).router())
        let identity = station.identity
        try await app.test(.router) { client in try await body(SigningClient(client: client, identity: identity)) }
    }

    func testNonceIsThirtyTwoHexDigitsAndEachIsNew() async throws {
        try await withClient { client in
            let a = try await client.nonce(), b = try await client.nonce()
            XCTAssertEqual(a.count, 32)
            XCTAssertNotNil(Hex.decode(a))
            XCTAssertNotEqual(a, b)
        }
    }

    func testUploadInChunksIsMergedOnceAndARetriedLastChunkAnswersTheRecordedResult() async throws {
        try addHouseholds(station, count: 40)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            XCTAssertEqual(created.offset, 0)
            XCTAssertEqual(created.state, .receiving)
            var offset = 0
            var last: UploadStateBody?
            while offset < bundle.bytes.count {
                let chunk = Array(bundle.bytes[offset..<min(offset + 1000, bundle.bytes.count)])
                let response = try await client.patch(created.id, offset: Int64(offset), chunk: chunk)
                XCTAssertEqual(response.status, .ok, response.message)
                XCTAssertEqual(response.headers[WireHeader.uploadOffset], String(offset + chunk.count))
                last = WireJSON.decode(UploadStateBody.self, from: response.body.readableBytesView)
                offset += chunk.count
            }
            XCTAssertEqual(last?.state, .merged)
            XCTAssertEqual(last?.result?.outcome, "applied")
            XCTAssertEqual(last?.result?.changes, 40 * 9, "nine columns a household")
            let afterMerge = try HubState.of(hub)
            XCTAssertEqual(afterMerge.imported.count, 1)
            XCTAssertEqual(Set(afterMerge.uploads.keys), [created.id, created.id + "/meta.json"],
                           "once merged only the recorded outcome stays, not the bundle's bytes")

            // The last chunk again, the creation again, the state: the recorded result, no second merge.
            let tail = Array(bundle.bytes[(bundle.bytes.count - 1)...])
            let again = try await client.patch(created.id, offset: Int64(bundle.bytes.count - 1), chunk: tail)
            XCTAssertEqual(WireJSON.decode(UploadStateBody.self, from: again.body.readableBytesView)?.state, .merged)
            let recreated = try await client.createUpload(bundle)
            XCTAssertEqual(recreated.id, created.id)
            XCTAssertEqual(recreated.state, .merged)
            XCTAssertEqual(recreated.result, last?.result)
            let state = try await client.send(.get, WirePath.upload(created.id))
            XCTAssertEqual(WireJSON.decode(UploadStateBody.self, from: state.body.readableBytesView)?.result, last?.result)
            XCTAssertEqual(try HubState.of(hub), afterMerge)
        }
    }

    func testCreatingAnUploadAgainReturnsTheSameIdAndTheOffsetHeld() async throws {
        try addHouseholds(station, count: 10)
        let bundle = try exportBundle(station)
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            let response = try await client.patch(created.id, offset: 0, chunk: Array(bundle.bytes.prefix(700)))
            XCTAssertEqual(response.status, .ok)
            let again = try await client.createUpload(bundle)
            XCTAssertEqual(again.id, created.id)
            XCTAssertEqual(again.offset, 700)
            let head = try await client.send(.head, WirePath.upload(created.id))
            XCTAssertEqual(head.status, .ok)
            XCTAssertEqual(head.headers[WireHeader.uploadOffset], "700")
        }
    }

    func testAHubRestartedMidUploadResumesFromTheBytesOnDisk() async throws {
        try addHouseholds(station, count: 30)
        let bundle = try exportBundle(station)
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            _ = try await client.patch(created.id, offset: 0, chunk: Array(bundle.bytes.prefix(1500)))
        }
        // A new service over the same hub folder: new nonces, the upload still where it was.
        let restarted = makeService()
        try await withClient(restarted) { client in
            let again = try await client.createUpload(bundle)
            XCTAssertEqual(again.offset, 1500)
            let rest = try await client.patch(again.id, offset: 1500, chunk: Array(bundle.bytes[1500...]))
            XCTAssertEqual(WireJSON.decode(UploadStateBody.self, from: rest.body.readableBytesView)?.state, .merged)
        }
        try await restarted.worker.shutdown()
        XCTAssertEqual(try hub.replica.importedBundles(limit: 10).count, 1)
    }

    func testAWholeFileThatIsNotTheDeclaredOneIsDiscardedWith460AndChangesNothing() async throws {
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        var damaged = bundle.bytes
        damaged[damaged.count / 2] ^= 0x01
        let (hub, forged) = (self.hub, damaged)
        try await withClient { client in
            let before = try HubState.of(hub)
            let created = try await client.createUpload(bundle)
            let response = try await client.patch(created.id, offset: 0, chunk: forged)
            XCTAssertEqual(response.status.code, 460)
            XCTAssertEqual(response.errorCode, "bundle-checksum-mismatch")
            XCTAssertEqual(try HubState.of(hub), before, "the upload was discarded, nothing merged")
            let again = try await client.createUpload(bundle)
            XCTAssertEqual(again.offset, 0, "uploading again starts from the beginning")
        }
    }

    func testBadSignatureIs401AndChangesNothing() async throws {
        let other = county.stations[1].identity
        let hub = self.hub
        try await withClient { client in
            let before = try HubState.of(hub)
            let nonce = try await client.nonce()
            // Signed by another station's key while claiming to be this one.
            let headers = try client.headers(.post, WirePath.returns, body: [], nonce: nonce, signer: other)
            let response = try await client.client.execute(uri: WirePath.returns, method: .post, headers: headers)
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(response.errorCode, "bad-signature")
            // Signed correctly, but the body changed on the way.
            let body = Array(WireJSON.encode(UploadCreateBody(size: 10, sha256: String(repeating: "a", count: 64), name: "x.fsb")))
            let nonce2 = try await client.nonce()
            let signed = try client.headers(.post, WirePath.uploads, body: body, nonce: nonce2)
            let tampered = try await client.client.execute(uri: WirePath.uploads, method: .post, headers: signed,
                                                          body: ByteBuffer(bytes: body + [32]))
            XCTAssertEqual(tampered.status, .unauthorized)
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testUnknownStationIs401AndChangesNothing() async throws {
        var rng = SeededGenerator(seed: 7)
        let stranger = NodeIdentity.make(name: "陌生站", role: .station, township: "630106102", using: &rng)
        let hub = self.hub
        try await withClient { client in
            let before = try HubState.of(hub)
            let nonce = try await client.nonce()
            let impostor = SigningClient(client: client.client, identity: stranger)
            let response = try await client.client.execute(uri: WirePath.returns, method: .post,
                                                           headers: try impostor.headers(.post, WirePath.returns, body: [], nonce: nonce))
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(response.errorCode, "unknown-station")
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    /// A request no enrolled station could have sent is refused before its body is read:
    /// an unknown station with a body over the chunk limit gets 401, not 413 (the hub would
    /// have had to read up to the limit first), and malformed headers get 400.
    func testARequestNoEnrolledStationSentIsRefusedBeforeItsBodyIsRead() async throws {
        var rng = SeededGenerator(seed: 9)
        let stranger = NodeIdentity.make(name: "陌生站", role: .station, township: "630106102", using: &rng)
        let small = makeService(limits: .init(chunkBytes: 4096))
        let big = [UInt8](repeating: 1, count: 8192)
        try await withClient(small) { client in
            let nonce = try await client.nonce()
            let impostor = SigningClient(client: client.client, identity: stranger)
            let unknown = try await client.client.execute(uri: WirePath.uploads, method: .post,
                                                          headers: try impostor.headers(.post, WirePath.uploads, body: big, nonce: nonce),
                                                          body: ByteBuffer(bytes: big))
            XCTAssertEqual(unknown.status, .unauthorized)
            XCTAssertEqual(unknown.errorCode, "unknown-station")
            let malformed = try await client.client.execute(uri: WirePath.uploads, method: .post,
                                                            headers: [WireHeader.station: "zz"], body: ByteBuffer(bytes: big))
            XCTAssertEqual(malformed.status, .badRequest)
        }
        try await small.worker.shutdown()
    }

    /// The requests held at once are capped: while one request's body is still arriving (a
    /// connection that sent its headers and half its body), a second request of an enrolled
    /// station is answered 503 `hub-busy` at once, its nonce not used; once the first is
    /// answered, requests are read again. Without the cap the second would wait its turn in memory.
    func testARequestPastThoseHeldAtOnceIs503AndUsesNoNonce() async throws {
        let capped = makeService(limits: .init(bodiesAtOnce: 1))
        let app = Application(router: capped.router())
        let identity = station.identity
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let signing = SigningClient(client: client, identity: identity)
            let (socket, rest) = try await Self.holdARequest(port: port, signing: signing)
            defer { socket.close() }
            // The hub has read the headers and is waiting for the rest of the body.
            var busy: TestResponse?
            for _ in 0..<100 {
                let nonce = try await signing.nonce()
                let response = try await client.execute(uri: WirePath.returns, method: .post,
                                                        headers: try signing.headers(.post, WirePath.returns, body: [], nonce: nonce))
                if response.status == .serviceUnavailable {
                    busy = response
                    // Not used up: the same request goes through once the hub reads bodies again.
                    try socket.send(Array(rest))
                    let answer = try socket.receiveHead()
                    XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), "the held request, its body now whole, is answered: \(answer)")
                    let again = try await client.execute(uri: WirePath.returns, method: .post,
                                                         headers: try signing.headers(.post, WirePath.returns, body: [], nonce: nonce))
                    XCTAssertEqual(again.status, .ok, String(buffer: again.body))
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let refused = try XCTUnwrap(busy, "a second body was read while the first was still arriving")
            XCTAssertEqual(refused.errorCode, "hub-busy")
            XCTAssertEqual(refused.headers[.retryAfter], "1")
            XCTAssertTrue(refused.message.contains("请稍后重发"), refused.message)
        }
        try await capped.worker.shutdown()
    }

    /// A body that stops arriving (a link that vanished mid-chunk, or a stranger trickling
    /// bytes) is answered 408 `body-too-slow` at its deadline and gives its slot back; and one
    /// station holds only its own share of the slots, so such a connection under one station's
    /// id holds up that station alone.
    func testABodyThatStopsArrivingGivesItsSlotBackAtItsDeadlineAndHoldsUpOneStationOnly() async throws {
        let capped = makeService(limits: .init(bodiesAtOnce: 8, bodiesPerStation: 1, bodyDeadline: .milliseconds(700)))
        let app = Application(router: capped.router())
        let (one, other) = (station.identity, county.stations[1].identity)
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let signing = SigningClient(client: client, identity: one), neighbour = SigningClient(client: client, identity: other)
            let (socket, _) = try await Self.holdARequest(port: port, signing: signing)
            defer { socket.close() }
            try await Task.sleep(for: .milliseconds(200))
            let own = try await signing.send(.post, WirePath.returns)
            XCTAssertEqual(own.status, .serviceUnavailable, "the station's one slot is held")
            XCTAssertTrue(own.message.contains("another computer is using this station's identity"), own.message)
            let others = try await neighbour.send(.post, WirePath.returns)
            XCTAssertEqual(others.status, .ok, "another station is not held up")
            let answer = try socket.receiveHead()
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 408"), answer)
            XCTAssertEqual(capped.authenticator.bodySlots.inUse, 0, "the slot is given back")
            let after = try await signing.send(.post, WirePath.returns)
            XCTAssertEqual(after.status, .ok, String(buffer: after.body))
        }
        try await capped.worker.shutdown()
    }

    /// A correctly signed `POST /v1/returns` with a 4,000-byte body of which only the headers
    /// and the first 1,000 bytes are sent, over a plain connection; the rest of the body is
    /// returned for the test to send (or not).
    private static func holdARequest(port: Int, signing: SigningClient) async throws -> (RawConnection, ArraySlice<UInt8>) {
        let body = [UInt8](repeating: 0x41, count: 4000)
        let held = try signing.headers(.post, WirePath.returns, body: body, nonce: try await signing.nonce())
        let socket = try RawConnection(port: port)
        var head = "POST \(WirePath.returns) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for field in held { head += "\(field.name.rawName): \(field.value)\r\n" }
        try socket.send(Array((head + "\r\n").utf8) + body.prefix(1000))
        return (socket, body.dropFirst(1000))
    }

    /// A connection on which nothing arrives (a link that vanished between requests, or a
    /// stranger that opens sockets and sends nothing) is closed after the idle time.
    func testASilentConnectionIsClosedAfterTheIdleTime() async throws {
        let quick = makeService(limits: .init(connectionIdle: .milliseconds(500)))
        let app = quick.application(host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let socket = try RawConnection(port: try XCTUnwrap(client.port))
            defer { socket.close() }
            let started = ContinuousClock.now
            XCTAssertTrue(try socket.waitForClose(), "closed by the hub")
            XCTAssertLessThan(started.duration(to: .now), .seconds(5))
        }
        try await quick.worker.shutdown()
    }

    /// A request keeps its slot until it is answered, not only while its body is read: a chunk
    /// waiting for the worker (behind a long merge) still holds its memory.
    func testARequestHoldsItsSlotUntilItIsAnswered() async throws {
        let slots = BodySlots(limit: 1)
        let site = station.identity.site
        let authenticator = RequestAuthenticator(worker: service.worker, nonces: service.nonces, bodyLimit: 1 << 20, bodySlots: slots)
        let nonce = await service.nonces.issue()
        let identity = station.identity
        let signature = try RequestSignature(method: "POST", path: WirePath.returns, query: nil, station: identity.site, nonce: nonce,
                                             body: [], uploadOffset: nil, uploadChecksum: nil, range: nil).sign(with: identity.signingKey)
        let fields: HTTPFields = [WireHeader.station: identity.site.hex, WireHeader.nonce: nonce, WireHeader.signature: signature]
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: WirePath.returns, headerFields: fields),
                              body: RequestBody(buffer: ByteBuffer()))
        let answer = try await authenticator.authenticated(request) { signed in
            XCTAssertEqual(signed.station.site, identity.site)
            XCTAssertEqual(slots.inUse, 1, "held while the request is handled")
            XCTAssertEqual(slots.take(for: site), .allTaken, "so a second request is refused meanwhile")
            return Response(status: .ok)
        }
        XCTAssertEqual(answer.status, .ok)
        XCTAssertEqual(slots.inUse, 0, "given back once answered")
        let refused = try? await authenticator.authenticated(request) { _ in Response(status: .ok) }
        XCTAssertNil(refused, "the nonce was used")
        XCTAssertEqual(slots.inUse, 0, "given back when refused too")
    }

    func testRevokedStationIs403NamingTheRevocationAndChangesNothing() async throws {
        let revocation = try hub.revoke(station: station.identity.site.hex, reason: "laptop lost")
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let before = try HubState.of(hub)
            let body = Array(WireJSON.encode(UploadCreateBody(size: Int64(bundle.bytes.count), sha256: bundle.sha256, name: bundle.name)))
            let response = try await client.send(.post, WirePath.uploads, body: body)
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertEqual(response.errorCode, "station-revoked")
            XCTAssertTrue(response.message.contains("鲁沙尔镇社工站"), response.message)
            XCTAssertTrue(response.message.contains("revoked at \(ISOTime.format(millis: try XCTUnwrap(revocation.key.statusChangedAtMillis)))"), response.message)
            let returns = try await client.send(.post, WirePath.returns)
            XCTAssertEqual(returns.status, .forbidden)
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testALostLaptopWhoseStationHasANewOneIs403NotABadSignatureAndChangesNothing() async throws {
        let revokedAt = try XCTUnwrap(try hub.revoke(station: station.identity.township!, reason: "lost").key.statusChangedAtMillis)
        usleep(20_000)  // the replacement is enrolled later: the refusal names the revocation, not the replacement
        let request = folder.sub("replacement-request.json")
        _ = try Station.initializeReplacement(at: folder.sub("replacement"), name: station.identity.name,
                                              township: station.identity.township!, replacing: station.identity.site,
                                              requestPath: request)
        try hub.enroll(EnrollmentRequest.read(from: request), out: folder.sub("replacement-enrollment.json"))
        let hub = self.hub
        try await withClient { client in
            // `client` still signs with the lost laptop's key; the site now has another.
            let before = try HubState.of(hub)
            let returns = try await client.send(.post, WirePath.returns)
            XCTAssertEqual(returns.status, .forbidden)
            XCTAssertEqual(returns.errorCode, "station-revoked")
            XCTAssertTrue(returns.message.contains("revoked at \(ISOTime.format(millis: revokedAt))"), returns.message)
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testReplayedRequestIs401AndChangesNothing() async throws {
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            let chunk = Array(bundle.bytes.prefix(500))
            let nonce = try await client.nonce()
            let upload: HTTPFields = [WireHeader.uploadOffset: "0",
                                      WireHeader.uploadChecksum: "sha256 " + Data(SHA256Hex.digest(chunk)).base64EncodedString()]
            var headers = try client.headers(.patch, WirePath.upload(created.id), body: chunk, nonce: nonce, signing: upload)
            for field in upload { headers[field.name] = field.value }
            let first = try await client.client.execute(uri: WirePath.upload(created.id), method: .patch, headers: headers, body: ByteBuffer(bytes: chunk))
            XCTAssertEqual(first.status, .ok)
            let before = try HubState.of(hub)
            let replay = try await client.client.execute(uri: WirePath.upload(created.id), method: .patch, headers: headers, body: ByteBuffer(bytes: chunk))
            XCTAssertEqual(replay.status, .unauthorized)
            XCTAssertEqual(replay.errorCode, "nonce-not-usable")
            // A nonce the hub never issued.
            let made = try client.headers(.post, WirePath.returns, body: [], nonce: String(repeating: "ab", count: 16))
            let invented = try await client.client.execute(uri: WirePath.returns, method: .post, headers: made)
            XCTAssertEqual(invented.status, .unauthorized)
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    /// Upload-Offset, Upload-Checksum and Range are signed: a held request whose Upload-Offset
    /// is rewritten (to land its chunk elsewhere) no longer verifies, even over an unused nonce.
    func testAHeldRequestWithARewrittenUploadOffsetIs401AndChangesNothing() async throws {
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            _ = try await client.patch(created.id, offset: 0, chunk: Array(bundle.bytes.prefix(300)))
            let chunk = Array(bundle.bytes[300..<600])
            let signedFor: HTTPFields = [WireHeader.uploadOffset: "0",
                                         WireHeader.uploadChecksum: "sha256 " + Data(SHA256Hex.digest(chunk)).base64EncodedString()]
            var headers = try client.headers(.patch, WirePath.upload(created.id), body: chunk, nonce: try await client.nonce(), signing: signedFor)
            for field in signedFor { headers[field.name] = field.value }
            headers[WireHeader.uploadOffset] = "300"
            let before = try HubState.of(hub)
            let rewritten = try await client.client.execute(uri: WirePath.upload(created.id), method: .patch, headers: headers,
                                                            body: ByteBuffer(bytes: chunk))
            XCTAssertEqual(rewritten.status, .unauthorized)
            XCTAssertEqual(rewritten.errorCode, "bad-signature")
            XCTAssertEqual(try HubState.of(hub), before)
            // A Range rewritten on a signed download is refused the same way.
            let returned = try await client.send(.post, WirePath.returns)
            let info = try XCTUnwrap(WireJSON.decode(ReturnBundleBody.self, from: returned.body.readableBytesView))
            var ranged = try client.headers(.get, WirePath.returnBundle(info.id), body: [], nonce: try await client.nonce(),
                                            signing: [.range: "bytes=0-"])
            ranged[.range] = "bytes=10-"
            let moved = try await client.client.execute(uri: WirePath.returnBundle(info.id), method: .get, headers: ranged)
            XCTAssertEqual(moved.status, .unauthorized)
        }
    }

    /// A declared upload of `size` bytes that no bundle has: enough to open one at the hub.
    private static func declare(_ client: SigningClient, size: Int64, tag: Int) async throws -> TestResponse {
        let sha = Hex.encode(SHA256Hex.digest(Array("upload \(tag)".utf8)))
        return try await client.send(.post, WirePath.uploads,
                                     body: Array(WireJSON.encode(UploadCreateBody(size: size, sha256: sha, name: "b\(tag).fsb"))))
    }

    func testAThirdUnfinishedUploadIs429AndAnOversizedOneIs413AndNeitherChangesAnything() async throws {
        let service = makeService(limits: .init(bundleBytes: 1 << 20))
        let hub = self.hub
        try await withClient(service) { client in
            for tag in 0..<2 {
                let opened = try await Self.declare(client, size: 1 << 20, tag: tag)
                XCTAssertEqual(opened.status, .ok, opened.message)
            }
            let before = try HubState.of(hub)
            let third = try await Self.declare(client, size: 1000, tag: 2)
            XCTAssertEqual(third.status, .tooManyRequests)
            XCTAssertEqual(third.errorCode, "too-many-open-uploads")
            XCTAssertTrue(third.message.contains("2"), third.message)
            let again = try await Self.declare(client, size: 1 << 20, tag: 1)
            XCTAssertEqual(again.status, .ok, "creating an open upload again still answers its state")
            let huge = try await Self.declare(client, size: (1 << 20) + 1, tag: 3)
            XCTAssertEqual(huge.status, .contentTooLarge)
            XCTAssertEqual(huge.errorCode, "bundle-too-large")
            XCTAssertEqual(try HubState.of(hub), before)
        }
        try await service.worker.shutdown()
    }

    func testUnfinishedUploadsOlderThanTheirLifetimeAreDeletedWhenAnUploadIsCreated() async throws {
        let service = makeService(limits: .init(unfinishedUploadLifetime: .milliseconds(300)))
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let root = (hub.folder.path as NSString).appendingPathComponent("uploads")
        try await withClient(service) { client in
            let stale = try await client.createUpload(bundle)
            _ = try await client.patch(stale.id, offset: 0, chunk: Array(bundle.bytes.prefix(100)))
            let other = try await Self.declare(client, size: 1000, tag: 0)
            XCTAssertEqual(other.status, .ok)
            try await Task.sleep(for: .milliseconds(500))
            let fresh = try await Self.declare(client, size: 1000, tag: 1)
            XCTAssertEqual(fresh.status, .ok, "the expired two no longer count against the station")
            let held = try FileManager.default.contentsOfDirectory(atPath: root)
            XCTAssertEqual(held.count, 1, "only the new upload is left: \(held)")
            XCTAssertFalse(held.contains(stale.id))
            let restarted = try await client.createUpload(bundle)
            XCTAssertEqual(restarted.offset, 0, "an expired upload starts again from nothing")
        }
        try await service.worker.shutdown()
    }

    func testBodyOverTheChunkLimitIs413AndChangesNothing() async throws {
        let small = makeService(limits: .init(chunkBytes: 4096))
        try addHouseholds(station, count: 60)
        let bundle = try exportBundle(station)
        XCTAssertGreaterThan(bundle.bytes.count, 4096)
        let hub = self.hub
        try await withClient(small) { client in
            let created = try await client.createUpload(bundle)
            let before = try HubState.of(hub)
            let response = try await client.patch(created.id, offset: 0, chunk: Array(bundle.bytes.prefix(4097)))
            XCTAssertEqual(response.status, .contentTooLarge)
            XCTAssertEqual(response.errorCode, "body-too-large")
            XCTAssertEqual(try HubState.of(hub), before)
        }
        try await small.worker.shutdown()
    }

    func testMalformedHeadersAre400AndChangeNothing() async throws {
        let site = station.identity.site.hex
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            let before = try HubState.of(hub)
            let chunk = Array(bundle.bytes.prefix(100))
            let nonce = try await client.nonce()
            let good = try client.headers(.patch, WirePath.upload(created.id), body: chunk, nonce: nonce)
            let checksum = "sha256 " + Data(SHA256Hex.digest(chunk)).base64EncodedString()
            let cases: [(String, HTTPFields)] = [
                ("FieldSync-Station", [WireHeader.station: "not-hex", WireHeader.nonce: nonce, WireHeader.signature: good[WireHeader.signature]!]),
                ("FieldSync-Nonce", [WireHeader.station: site, WireHeader.nonce: "short", WireHeader.signature: good[WireHeader.signature]!]),
                ("FieldSync-Signature", [WireHeader.station: site, WireHeader.nonce: nonce, WireHeader.signature: "@@@"]),
            ]
            for (field, headers) in cases {
                var all = headers
                all[WireHeader.uploadOffset] = "0"
                all[WireHeader.uploadChecksum] = checksum
                let response = try await client.client.execute(uri: WirePath.upload(created.id), method: .patch, headers: all, body: ByteBuffer(bytes: chunk))
                XCTAssertEqual(response.status, .badRequest, field)
                XCTAssertEqual(response.errorCode, "malformed-header", field)
                XCTAssertTrue(response.message.contains(field), response.message)
            }
            for (field, extra) in [("Upload-Offset", [WireHeader.uploadOffset: "-1"]), ("Upload-Checksum", [WireHeader.uploadChecksum: "md5 xyz"])] {
                var headers: HTTPFields = [WireHeader.uploadOffset: "0", WireHeader.uploadChecksum: checksum]
                for (name, value) in extra { headers[name] = value }
                let response = try await client.send(.patch, WirePath.upload(created.id), body: chunk, extra: headers)
                XCTAssertEqual(response.status, .badRequest, field)
                XCTAssertTrue(response.message.contains(field), response.message)
            }
            let notJSON = try await client.send(.post, WirePath.uploads, body: Array("size=3".utf8))
            XCTAssertEqual(notJSON.status, .badRequest)
            XCTAssertEqual(notJSON.errorCode, "malformed-body")
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testOffsetMismatchIs409AndChangesNothing() async throws {
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            _ = try await client.patch(created.id, offset: 0, chunk: Array(bundle.bytes.prefix(300)))
            let before = try HubState.of(hub)
            let response = try await client.patch(created.id, offset: 0, chunk: Array(bundle.bytes.prefix(300)))
            XCTAssertEqual(response.status, .conflict)
            XCTAssertEqual(response.errorCode, "offset-mismatch")
            XCTAssertTrue(response.message.contains("300"), response.message)
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testChunkChecksumMismatchIs460AndChangesNothing() async throws {
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let hub = self.hub
        try await withClient { client in
            let created = try await client.createUpload(bundle)
            let before = try HubState.of(hub)
            let chunk = Array(bundle.bytes.prefix(300))
            var damaged = chunk
            damaged[17] ^= 0x40
            let response = try await client.patch(created.id, offset: 0, chunk: damaged, checksumOf: chunk)
            XCTAssertEqual(response.status.code, 460)
            XCTAssertEqual(response.errorCode, "checksum-mismatch")
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testAnotherStationsUploadAndReturnBundleAreNotFound() async throws {
        try addHouseholds(station, count: 5)
        let bundle = try exportBundle(station)
        let other = county.stations[1].identity
        let hub = self.hub
        try await withClient { client in
            let id = try await client.createUpload(bundle).id
            let returns = try await client.send(.post, WirePath.returns)
            let info = try XCTUnwrap(WireJSON.decode(ReturnBundleBody.self, from: returns.body.readableBytesView))
            let before = try HubState.of(hub)
            let intruder = SigningClient(client: client.client, identity: other)
            let patch = try await intruder.patch(id, offset: 0, chunk: Array(bundle.bytes.prefix(10)))
            XCTAssertEqual(patch.status, .notFound)
            let state = try await intruder.send(.get, WirePath.upload(id))
            XCTAssertEqual(state.status, .notFound)
            let download = try await intruder.send(.get, WirePath.returnBundle(info.id))
            XCTAssertEqual(download.status, .notFound)
            XCTAssertEqual(try HubState.of(hub), before)
        }
    }

    func testReturnBundleDownloadsWholeAndByRangeAndTheStationImportsIt() async throws {
        try addHouseholds(county.stations[1], count: 3)
        try addHouseholds(station, count: 12)
        _ = try hub.merge(bundleAt: station.export(to: folder.sub("usb") + "/").path)
        let (station, folder) = (self.station, self.folder!)
        try await withClient { client in
            let created = try await client.send(.post, WirePath.returns)
            XCTAssertEqual(created.status, .ok, created.message)
            let info = try XCTUnwrap(WireJSON.decode(ReturnBundleBody.self, from: created.body.readableBytesView))
            let whole = try await client.send(.get, WirePath.returnBundle(info.id))
            XCTAssertEqual(whole.status, .ok)
            XCTAssertEqual(Int64(whole.body.readableBytes), info.size)
            let tail = try await client.send(.get, WirePath.returnBundle(info.id), extra: [.range: "bytes=100-"])
            XCTAssertEqual(tail.status, .partialContent)
            XCTAssertEqual(tail.headers[.contentRange], "bytes 100-\(info.size - 1)/\(info.size)")
            XCTAssertEqual(Array(tail.body.readableBytesView), Array(whole.body.readableBytesView.dropFirst(100)))
            let outside = try await client.send(.get, WirePath.returnBundle(info.id), extra: [.range: "bytes=\(info.size)-"])
            XCTAssertEqual(outside.status, .rangeNotSatisfiable)
            let path = folder.sub(info.name)
            try Data(whole.body.readableBytesView).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try PrivateFile.sha256(path), info.sha256)
            let imported = try station.importBundle(at: path)
            XCTAssertEqual(imported.outcome, .applied)
            XCTAssertEqual(try station.status().changesOwed, 0)
        }
    }
}

enum SHA256Hex {
    static func digest(_ bytes: [UInt8]) -> [UInt8] { Array(Crypto.SHA256.hash(data: bytes)) }
}
