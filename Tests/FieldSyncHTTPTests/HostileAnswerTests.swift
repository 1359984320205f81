import Crypto
import FieldSyncCore
@testable import FieldSyncHTTP
import FieldSyncSync
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import XCTest

/// The link may be plain HTTP: whatever answers at `--hub` is a stranger until the return
/// bundle's signature is checked. A station's round that meets an answer no hub writes ends
/// with a refusal that says so, and writes nothing (http-api.md §3).
final class HostileAnswerTests: HTTPTestCase {
    func testAReturnBundleDescriptionNamingAPathOutsideTheStationEndsTheRoundAndWritesNothing() async throws {
        let station = self.station
        let root = station.folder.path
        // What the stranger serves matches the description it gives, so only the check of the
        // description stands between it and a file named by the stranger.
        let served = Array("evil".utf8)
        let sha = SHA256.hash(data: served).map { String(format: "%02x", $0) }.joined()
        for name in ["../../escaped.fsb", "../escaped.fsb", ".hidden.fsb", "x\u{1B}]0;t\u{7}.fsb"] {
            try seedRoundAwaitingItsReturnBundle(station)
            let forged = ReturnBundleBody(id: String(sha.prefix(32)), size: Int64(served.count), sha256: sha, name: name)
            let error = try await roundAgainst(returns: forged, serving: served, station: station)
            guard case .unexpectedAnswer = error else { return XCTFail("\(name): \(String(describing: error))") }
            for landed in [root + "/escaped.fsb", root + "/sync/escaped.fsb", root + "/sync/incoming/.hidden.fsb",
                           root + "/sync/incoming/x\u{1B}]0;t\u{7}.fsb"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: landed), landed)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/sync/incoming"), "nothing was downloaded")
        }
    }

    func testAnOKAnswerThatIsNotTheProtocolsEndsTheRoundSayingSo() async throws {
        try seedRoundAwaitingItsReturnBundle(station)
        let error = try await roundAgainst(returns: ["hello": "world"], serving: [], station: station)
        guard case let .unexpectedAnswer(what)? = error else { return XCTFail(String(describing: error)) }
        XCTAssertTrue(what.contains("ReturnBundleBody"), what)
        XCTAssertTrue(error!.description.contains("--hub"), error!.description)
        // Nor is a nonce taken from an answer that holds none.
        let noNonce = try await roundAgainst(nonce: ["hello": "world"], returns: ["hello": "world"], serving: [], station: station)
        guard case let .unexpectedAnswer(said)? = noNonce else { return XCTFail(String(describing: noNonce)) }
        XCTAssertTrue(said.contains("nonce"), said)
    }

    /// What answers could announce any size and send without end: the station takes no more
    /// than the size announced, and no size beyond what a hub ever writes.
    func testADownloadNeverRunsPastItsAnnouncedSizeNorAnnouncesMoreThanAHubWrites() async throws {
        let station = self.station
        let sha = String(repeating: "ab", count: 32)
        for (size, serving) in [(Int64(4), [UInt8](repeating: 7, count: 1 << 20)), (ReturnBundleBody.maxSize + 1, [UInt8]())] {
            try seedRoundAwaitingItsReturnBundle(station)
            let forged = ReturnBundleBody(id: String(sha.prefix(32)), size: size, sha256: sha, name: "630106100-from-hub-0001-20261202.fsb")
            let error = try await roundAgainst(returns: forged, serving: serving, station: station)
            guard case .unexpectedAnswer = error else { return XCTFail("\(size): \(String(describing: error))") }
            let part = station.folder.path + "/sync/incoming/\(forged.id).part"
            XCTAssertLessThanOrEqual(FileManager.default.size(ofFile: part), max(0, size))
        }
    }

    /// A hub too busy to answer a download (503 `hub-busy`, or any 5xx) is asked again after a
    /// pause, as for every other request of the round: the download goes on and completes.
    /// (The bytes served here are no bundle, so the round then ends at the import.)
    func testADownloadAnswered503IsTriedAgainAndCompletes() async throws {
        let station = self.station
        try seedRoundAwaitingItsReturnBundle(station)
        let served = Array("not a bundle, but whole".utf8)
        let sha = SHA256.hash(data: served).map { String(format: "%02x", $0) }.joined()
        let description = ReturnBundleBody(id: String(sha.prefix(32)), size: Int64(served.count), sha256: sha,
                                           name: "630106100-from-hub-0001-20261202.fsb")
        let busy = BusyFirst()
        let error = try await roundAgainst(returns: description, serving: served, station: station, busy: busy)
        let refusals = await busy.refused, asked = await busy.asked
        XCTAssertEqual(refusals, 1)
        XCTAssertEqual(asked, 2, "asked again after the 503")
        // Downloaded whole (its SHA-256 checked), the file reached the import, which refuses it.
        guard case .station? = error else { return XCTFail("the round ended before the import: \(String(describing: error))") }
    }

    /// A round whose bundle the hub merged: what is left is asking for the return bundle.
    private func seedRoundAwaitingItsReturnBundle(_ station: Station) throws {
        let files = SyncState.Files(station: station.folder.path)
        var state = SyncState()
        state.merge = MergeResultBody(outcome: "applied", bundleID: String(repeating: "0", count: 32), changes: 0, applied: 0,
                                      stale: 0, duplicate: 0, conflicts: 0)
        try files.save(state)
    }

    /// Runs the station's round against a server that answers `POST /v1/nonce` with `nonce`,
    /// `POST /v1/returns` with `body` and a download with `bytes`; returns how the round ended.
    private func roundAgainst(nonce: some Encodable & Sendable = NonceBody(nonce: "n", expiresInSeconds: 60),
                              returns body: some Encodable & Sendable, serving bytes: [UInt8], station: Station,
                              busy: BusyFirst? = nil) async throws -> StationSyncError? {
        let router = Router(context: BasicRequestContext.self)
        router.post(RouterPath(WirePath.nonce)) { _, _ in Self.json(nonce) }
        router.post(RouterPath(WirePath.returns)) { _, _ in Self.json(body) }
        router.get(RouterPath(WirePath.returns + "/:id")) { _, _ in
            if let busy, await busy.refuseFirst() {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: WireJSON.encode(ErrorBody(error: "hub-busy", message: HTTPRefusal.busy(limit: 1, station: false).description)))))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let (ports, announce) = AsyncStream<Int>.makeStream()
        var quiet = Logger(label: "fieldsync.test.stranger")
        quiet.logLevel = .critical // stopping it by cancellation is logged as an error
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in announce.yield(channel.localAddress?.port ?? 0) }, logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let announced = await iterator.next()
            let port = try XCTUnwrap(announced)
            var ended: StationSyncError?
            do {
                _ = try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(port)",
                                               options: SyncOptions(requestTimeout: .seconds(5), totalTimeout: .seconds(10))).run()
            } catch let error as StationSyncError { ended = error }
            tasks.cancelAll()
            try await tasks.waitForAll()
            return ended
        }
    }

    private static func json(_ value: some Encodable) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: WireJSON.encode(value))))
    }
}

/// Answers the first request it is asked about with a refusal, every later one not.
actor BusyFirst {
    private(set) var asked = 0
    private(set) var refused = 0

    func refuseFirst() -> Bool {
        asked += 1
        guard refused == 0 else { return false }
        refused += 1
        return true
    }
}

private extension FileManager {
    /// The file's size, 0 when there is none.
    func size(ofFile path: String) -> Int64 {
        ((try? attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
