import Crypto
import FieldSyncCore
import FieldSyncHTTP
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// A county (hub + stations) in a temporary folder, and the hub's HTTP service over it.
class HTTPTestCase: XCTestCase {
    var folder: TemporaryFolder!
    var county: County!
    var service: HubHTTPService!

    override func setUpWithError() throws {
        TestLogging.bootstrap()
        folder = TemporaryFolder("fieldsync-http")
        county = try County.create(at: folder.sub("county"), hubName: "湟中区民政局",
                                   stations: [.init(name: "鲁沙尔镇社工站", township: "630106100"),
                                              .init(name: "上新庄镇社工站", township: "630106101")])
        service = makeService()
    }

    override func tearDown() async throws {
        try await service?.worker.shutdown()
        folder.cleanUp()
    }

    func makeService(limits: HubHTTPService.Limits = .init()) -> HubHTTPService {
        HubHTTPService(worker: HubWorker(hub: county.hub), limits: limits)
    }

    var hub: Hub { county.hub }
    var station: Station { county.stations[0] }

    @discardableResult
    func addHouseholds(_ station: Station, count: Int, from start: Int = 0) throws -> [String] {
        try Households.add(to: station, count: count, from: start)
    }

    /// The station's bundle, exported to a file, with its bytes and SHA-256.
    func exportBundle(_ station: Station) throws -> ExportedBundle {
        let result = try station.export(to: folder.sub("exports") + "/")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: result.path)))
        return ExportedBundle(name: (result.path as NSString).lastPathComponent, bytes: bytes, sha256: try PrivateFile.sha256(result.path))
    }
}

struct ExportedBundle: Sendable {
    let name: String
    let bytes: [UInt8]
    let sha256: String
}

/// Households written at a station, as a caseworker's registrations would be.
enum Households {
    @discardableResult
    static func add(to station: Station, count: Int, from start: Int = 0) throws -> [String] {
        try (start..<(start + count)).map { i in
            try station.record(table: "household", values: [
                "township": .text(station.identity.township ?? ""), "village": .text("阳坡村"),
                "address": .text("阳坡村\(i % 9 + 1)社\(i)号"), "head_name": .text("卓玛\(i)"), "hukou": .text("rural"),
                "monthly_income": .integer(Int64(800 + i)), "category": .text("dibao"), "status": .text("active"),
                "next_review": .text("2027-11-29"),
            ]).rowID
        }
    }
}

/// Everything at the hub a request might change: the replica and the upload folders.
struct HubState: Equatable {
    let digest: String
    let vector: VersionVector
    let imported: [BundleRecord]
    let peers: [Peer]
    let uploads: [String: Int64]

    static func of(_ hub: Hub) throws -> HubState {
        let root = (hub.folder.path as NSString).appendingPathComponent("uploads")
        var uploads: [String: Int64] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: root)?.allObjects ?? [] {
            uploads[name] = PrivateFile.size((root as NSString).appendingPathComponent(name))
        }
        return HubState(digest: try hub.replica.digest(), vector: try hub.replica.vector(),
                        imported: try hub.replica.importedBundles(limit: 1000), peers: try hub.replica.peers().sorted { $0.site < $1.site },
                        uploads: uploads)
    }
}

/// Signs requests as a station, through HummingbirdTesting's client.
struct SigningClient {
    let client: any TestClientProtocol
    let identity: NodeIdentity

    func nonce() async throws -> String {
        let response = try await client.execute(uri: WirePath.nonce, method: .post)
        XCTAssertEqual(response.status, .ok)
        return try XCTUnwrap(WireJSON.decode(NonceBody.self, from: response.body.readableBytesView)).nonce
    }

    func headers(_ method: HTTPRequest.Method, _ path: String, body: [UInt8], nonce: String, signer: NodeIdentity? = nil,
                 signing extra: HTTPFields = [:]) throws -> HTTPFields {
        let signature = try RequestSignature(method: method.rawValue, path: path, query: nil, station: identity.site, nonce: nonce, body: body,
                                             uploadOffset: extra[WireHeader.uploadOffset], uploadChecksum: extra[WireHeader.uploadChecksum],
                                             range: extra[.range])
            .sign(with: (signer ?? identity).signingKey)
        return [WireHeader.station: identity.site.hex, WireHeader.nonce: nonce, WireHeader.signature: signature]
    }

    /// A correctly signed request over a fresh nonce; `extra` headers are added (or override).
    func send(_ method: HTTPRequest.Method, _ path: String, body: [UInt8] = [], extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = try headers(method, path, body: body, nonce: try await nonce(), signing: extra)
        for field in extra { headers[field.name] = field.value }
        return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(bytes: body))
    }

    func createUpload(_ bundle: ExportedBundle) async throws -> UploadStateBody {
        let body = Array(WireJSON.encode(UploadCreateBody(size: Int64(bundle.bytes.count), sha256: bundle.sha256, name: bundle.name)))
        let response = try await send(.post, WirePath.uploads, body: body)
        XCTAssertEqual(response.status, .ok, String(buffer: response.body))
        return try XCTUnwrap(WireJSON.decode(UploadStateBody.self, from: response.body.readableBytesView))
    }

    func patch(_ id: String, offset: Int64, chunk: [UInt8], checksumOf: [UInt8]? = nil) async throws -> TestResponse {
        let checksum = "sha256 " + Data(SHA256.hash(data: checksumOf ?? chunk)).base64EncodedString()
        return try await send(.patch, WirePath.upload(id), body: chunk,
                              extra: [WireHeader.uploadOffset: String(offset), WireHeader.uploadChecksum: checksum])
    }
}

extension TestResponse {
    var errorCode: String? { WireJSON.decode(ErrorBody.self, from: body.readableBytesView)?.error }
    var message: String { WireJSON.decode(ErrorBody.self, from: body.readableBytesView)?.message ?? String(buffer: body) }
}
