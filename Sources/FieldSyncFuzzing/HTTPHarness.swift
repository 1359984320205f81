import Crypto
import FieldSyncCore
import FieldSyncHTTPWire
import Foundation

/// Fuzz target `http`: every parser the hub's HTTP service applies to a request — the
/// FieldSync-* headers and the signature check over the canonical string, then the `:id`
/// path parameter, Upload-Offset, Upload-Checksum, Range and the JSON body of
/// `POST /v1/uploads` — in the order the routes apply them (Protocol/http-api.md).
///
/// The first byte chooses the form. ``Form/asSent`` takes the three FieldSync-* headers
/// from the fuzz bytes, as any client on the network can send them: the parsers before the
/// signature check see fuzzed values, and the check itself a fuzzed signature. In
/// ``Form/signed`` the harness signs the fuzzed request with the fixed station key (as the
/// bundle harness signs its files), so the route's own parsers behind the check see fuzzed
/// values too. Socket, router and key registry are left out: they are Hummingbird's and the
/// hub's, and fuzzing them is not what this target is for.
///
/// Checked on every input: a signature the station's code makes is one the hub accepts,
/// and it does not also sign a request with another body; each value a parser accepts
/// reads back the same when written in the form the station writes it, and a range lies
/// within the file.
public enum HTTPHarness {
    enum Form: UInt8, CaseIterable {
        case asSent = 0, signed
    }

    /// The routes that read a signed request (`POST /v1/nonce` reads nothing).
    enum Route: UInt8, CaseIterable {
        case createUpload = 0, uploadOffset, uploadState, uploadChunk, returnBundle, returnDownload

        var method: String {
            switch self {
            case .createUpload, .returnBundle: "POST"
            case .uploadOffset: "HEAD"
            case .uploadState, .returnDownload: "GET"
            case .uploadChunk: "PATCH"
            }
        }

        func path(id: String) -> String {
            switch self {
            case .createUpload: WirePath.uploads
            case .uploadOffset, .uploadState, .uploadChunk: WirePath.upload(id)
            case .returnBundle: WirePath.returns
            case .returnDownload: WirePath.returnBundle(id)
            }
        }
    }

    /// The largest bundle the harness's hub accepts (the service's default).
    static let maxBundleBytes: Int64 = 1 << 30

    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        var input = FuzzInput(bytes)
        let form = Form(rawValue: input.u8() % UInt8(Form.allCases.count))!
        var request = FuzzedRequest(&input)
        do throws(HTTPRefusal) {
            if form == .signed { request.signAsStation() }
            let headers = try SignedRequestHeaders.parse(station: request.station, nonce: request.nonce, signature: request.signature)
            let signed = request.signature(for: headers)
            guard signed.isSigned(by: FuzzKeys.senderSigning.publicKey, header: headers.signature) else {
                invariant(form == .asSent, "a request the station's code signed is refused as badly signed")
                throw .badSignature
            }
            if form == .signed {
                var altered = signed
                altered.bodySHA256 = Array(SHA256.hash(data: request.body + [0]))
                invariant(!altered.isSigned(by: FuzzKeys.senderSigning.publicKey, header: headers.signature),
                          "one signature signs two bodies")
            }
            return .accepted(try readRoute(request))
        } catch {
            return .refused(code: error.code)
        }
    }

    /// What the route does with the request once it is authenticated, up to the point
    /// where it hands the values to the upload and return stores.
    private static func readRoute(_ request: FuzzedRequest) throws(HTTPRefusal) -> String {
        switch request.route {
        case .createUpload:
            let body = try UploadCreateBody.parse(request.body, maxBundleBytes: maxBundleBytes)
            invariant((try? body.checked(maxBundleBytes: maxBundleBytes)) == body, "a checked upload body is refused or changed when checked again")
            invariant((try? UploadCreateBody.parse(WireJSON.encode(body), maxBundleBytes: maxBundleBytes)) == body,
                      "an upload body the hub accepted reads back differently")
            return "upload of \(body.size) bytes"
        case .uploadOffset, .uploadState:
            _ = try PathID.parse(request.id)
            return "upload id"
        case .uploadChunk:
            _ = try PathID.parse(request.id)
            let offset = try UploadOffsetHeader.parse(request.uploadOffset)
            let checksum = try UploadChecksumHeader.parse(request.uploadChecksum)
            invariant((try? UploadOffsetHeader.parse(String(offset))) == offset, "Upload-Offset \(offset) does not read back")
            let written = "sha256 " + Data(checksum).base64EncodedString()
            invariant((try? UploadChecksumHeader.parse(written)) == checksum, "an Upload-Checksum does not read back")
            let matches = Array(SHA256.hash(data: request.body)) == checksum
            return "chunk at \(offset), checksum \(matches ? "matches" : "differs")"
        case .returnBundle:
            return "return bundle"
        case .returnDownload:
            _ = try PathID.parse(request.id)
            guard let range = request.range else { return "whole download" }
            let (start, end) = try ByteRange.span(range, size: request.fileSize)
            invariant(0 <= start && start <= end && end < request.fileSize,
                      "range \(start)-\(end) outside a file of \(request.fileSize) bytes")
            invariant(ByteRange.parse("bytes=\(start)-\(end)", size: request.fileSize).map { $0 == (start, end) } ?? false,
                      "the Content-Range the hub answers does not read back as a Range")
            return "range of \(end - start + 1) bytes"
        }
    }
}

/// One request as the hub's routes see it: header values (nil: the header is absent),
/// the `:id`, the query and the body; and, for a download, the size of the file asked for.
///
/// Read from the fuzz input as: `u8 route ‖ u8 present ‖ text station ‖ text nonce ‖
/// text signature ‖ text id ‖ text query ‖ text Upload-Offset ‖ text Upload-Checksum ‖
/// text Range ‖ u64 file size ‖ body`, where bit i of `present` says whether the i-th of
/// the seven header-like texts is sent at all (the id is always there).
struct FuzzedRequest {
    var route: HTTPHarness.Route
    var station: String?
    var nonce: String?
    var signature: String?
    var id: String
    var query: String?
    var uploadOffset: String?
    var uploadChecksum: String?
    var range: String?
    var fileSize: Int64
    var body: [UInt8]

    init(_ input: inout FuzzInput) {
        route = HTTPHarness.Route(rawValue: input.u8() % UInt8(HTTPHarness.Route.allCases.count))!
        let present = input.u8()
        func header(_ bit: Int, _ input: inout FuzzInput) -> String? {
            let text = input.text()
            return present & (1 << bit) != 0 ? text : nil
        }
        station = header(0, &input)
        nonce = header(1, &input)
        signature = header(2, &input)
        id = input.text()
        query = header(3, &input)
        uploadOffset = header(4, &input)
        uploadChecksum = header(5, &input)
        range = header(6, &input)
        fileSize = Int64(input.u64() >> 1)
        body = input.rest()
    }

    var path: String { route.path(id: id) }

    /// What the hub verifies: the request as received, under the station and nonce it names.
    func signature(for headers: SignedRequestHeaders) -> RequestSignature {
        RequestSignature(method: route.method, path: path, query: query, station: headers.station, nonce: headers.nonce, body: body,
                         uploadOffset: uploadOffset, uploadChecksum: uploadChecksum, range: range)
    }

    /// Signs the request as the station's client does, with the fixed key, replacing
    /// whatever station and signature the input named.
    mutating func signAsStation() {
        station = FuzzKeys.recipientSite.hex
        signature = try! RequestSignature(method: route.method, path: path, query: query, station: FuzzKeys.recipientSite,
                                          nonce: nonce ?? "", body: body, uploadOffset: uploadOffset,
                                          uploadChecksum: uploadChecksum, range: range).sign(with: FuzzKeys.senderSigning)
    }
}
