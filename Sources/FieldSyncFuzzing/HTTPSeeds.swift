import Crypto
import FieldSyncBundle
import FieldSyncCore
import FieldSyncHTTPWire
import Foundation

/// The seeds of target `http` (`Fuzz/corpus/http/`): the requests of the route tests
/// (HTTPRouteTests) in the harness's layout (``FuzzedRequest``) — each route correctly
/// signed, the refusals those tests send (malformed headers, a bad signature), and as sent
/// over the network with the station's own signature.
extension SeedCorpus {
    static let seedNonce = "9f86d081884c7d659a2feaa0c55ad015"
    static let seedUpload = "0123456789abcdef0123456789abcdef"

    /// One request of the route tests as a seed; a nil value is a header not sent.
    struct HTTPSeed {
        var name: String
        var form = HTTPHarness.Form.signed
        var route: HTTPHarness.Route
        var station: String?
        var nonce: String? = seedNonce
        var signature: String?
        var id = ""
        var query: String?
        var offset: String?
        var checksum: String?
        var range: String?
        var fileSize: Int64 = 0
        var body: [UInt8] = []

        /// The same request as sent by the station: its site and its signature in the headers.
        func signedByStation() throws -> HTTPSeed {
            var sent = self
            sent.form = .asSent
            sent.station = FuzzKeys.recipientSite.hex
            sent.signature = try RequestSignature(method: route.method, path: route.path(id: id), query: query,
                                                  station: FuzzKeys.recipientSite, nonce: nonce ?? "", body: body,
                                                  uploadOffset: offset, uploadChecksum: checksum, range: range)
                .sign(with: FuzzKeys.senderSigning)
            return sent
        }

        var seed: Seed {
            func text(_ s: String?) -> [UInt8] { .u16((s ?? "").utf8.count) + Array((s ?? "").utf8) }
            let headers = [station, nonce, signature, query, offset, checksum, range]
            let present = headers.enumerated().reduce(UInt8(0)) { $0 | ($1.element == nil ? 0 : 1 << UInt8($1.offset)) }
            let texts = text(station) + text(nonce) + text(signature) + text(id) + text(query) + text(offset) + text(checksum) + text(range)
            return Seed(target: .http, name: name,
                        bytes: [form.rawValue, route.rawValue, present] + texts + .u64(UInt64(fileSize) << 1) + body)
        }
    }

    static func httpSeeds() throws -> [Seed] {
        let chunk = Array("a chunk of a bundle, as PATCH sends it".utf8)
        let checksum = "sha256 " + Data(SHA256.hash(data: chunk)).base64EncodedString()
        let create = Array(WireJSON.encode(UploadCreateBody(size: 1400, sha256: Hex.encode(Array(SHA256.hash(data: chunk))),
                                                            name: "630106100-20261130T041500-s1.fsb")))
        let seeds = [
            HTTPSeed(name: "create-upload", route: .createUpload, body: create),
            HTTPSeed(name: "create-upload-small", route: .createUpload,
                     body: Array(WireJSON.encode(UploadCreateBody(size: 10, sha256: String(repeating: "a", count: 64), name: "x.fsb")))),
            HTTPSeed(name: "upload-offset", route: .uploadOffset, id: seedUpload),
            HTTPSeed(name: "upload-state", route: .uploadState, id: seedUpload),
            HTTPSeed(name: "upload-chunk-first", route: .uploadChunk, id: seedUpload, offset: "0", checksum: checksum, body: chunk),
            HTTPSeed(name: "upload-chunk-resumed", route: .uploadChunk, id: seedUpload, offset: "700", checksum: checksum, body: chunk),
            HTTPSeed(name: "upload-chunk-negative-offset", route: .uploadChunk, id: seedUpload, offset: "-1", checksum: checksum, body: chunk),
            HTTPSeed(name: "upload-chunk-md5-checksum", route: .uploadChunk, id: seedUpload, offset: "0", checksum: "md5 xyz", body: chunk),
            HTTPSeed(name: "return-bundle", route: .returnBundle),
            HTTPSeed(name: "return-download-whole", route: .returnDownload, id: seedUpload, fileSize: 5000),
            HTTPSeed(name: "return-download-tail", route: .returnDownload, id: seedUpload, range: "bytes=100-", fileSize: 5000),
            HTTPSeed(name: "return-download-span", route: .returnDownload, id: seedUpload, range: "bytes=0-99", fileSize: 5000),
            HTTPSeed(name: "return-download-past-end", route: .returnDownload, id: seedUpload, range: "bytes=9000-", fileSize: 5000),
        ]
        let sent = [
            try seeds[0].signedByStation(),
            try seeds[4].signedByStation(),
            try seeds[10].signedByStation(),
        ]
        var badSignature = sent[1]
        badSignature.name = "sent-bad-signature"
        badSignature.signature = Data(repeating: 7, count: 64).base64EncodedString()
        var noStation = sent[1]
        noStation.name = "sent-no-station"
        noStation.station = nil
        var shortNonce = sent[1]
        shortNonce.name = "sent-short-nonce"
        shortNonce.nonce = "9f86d081"
        return (seeds + sent.map { var s = $0; s.name = "sent-" + s.name; return s } + [badSignature, noStation, shortNonce]).map(\.seed)
    }
}
