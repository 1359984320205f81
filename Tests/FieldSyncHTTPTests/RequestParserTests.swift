import FieldSyncCore
import FieldSyncHTTP
import Foundation
import XCTest

/// The parsers the hub applies to a request's headers, path and JSON body, one per field
/// (Sources/FieldSyncHTTPWire/RequestHeaders.swift), without a server: the route tests
/// prove the statuses end to end, these the forms each parser takes and refuses.
final class RequestParserTests: XCTestCase {
    let station = "630106100000000000000000000000aa"
    let nonce = "9f86d081884c7d659a2feaa0c55ad015"
    let signature = Data(repeating: 7, count: 64).base64EncodedString()

    /// The header a parse refused as malformed; nil when it accepted.
    func malformedField(_ parse: () throws -> Void) -> String? {
        do { try parse() } catch {
            if case let .malformedHeader(field, _)? = error as? HTTPRefusal { return field }
            return "\(error)"
        }
        return nil
    }

    func testTheFirstMissingOrMalformedFieldSyncHeaderInTheHubsOrderIsTheOneRefused() throws {
        XCTAssertEqual(malformedField { _ = try SignedRequestHeaders.parse(station: nil, nonce: nil, signature: nil) }, "FieldSync-Station")
        XCTAssertEqual(malformedField { _ = try SignedRequestHeaders.parse(station: station + "0", nonce: nonce, signature: signature) },
                       "FieldSync-Station")
        XCTAssertEqual(malformedField { _ = try SignedRequestHeaders.parse(station: station, nonce: "9f86d081", signature: nil) },
                       "FieldSync-Nonce")
        XCTAssertEqual(malformedField { _ = try SignedRequestHeaders.parse(station: station, nonce: nonce, signature: "c2ln") },
                       "FieldSync-Signature")
        XCTAssertEqual(malformedField { _ = try SignedRequestHeaders.parse(station: station.uppercased(), nonce: nonce, signature: signature) },
                       "FieldSync-Station", "the signed text holds lowercase hex: an uppercase site is malformed (400), not a bad signature (401)")
        let parsed = try SignedRequestHeaders.parse(station: station, nonce: nonce, signature: signature)
        XCTAssertEqual(parsed.station.hex, station)
        XCTAssertEqual(parsed.signature, signature)
    }

    func testUploadOffsetIsANonNegativeDecimalIntegerAndNothingElse() throws {
        XCTAssertEqual(try UploadOffsetHeader.parse("0"), 0)
        XCTAssertEqual(try UploadOffsetHeader.parse("700"), 700)
        for bad in [nil, "", "-1", "+100", "1.5", "0x10", " 7", "7 ", "99999999999999999999"] {
            XCTAssertEqual(malformedField { _ = try UploadOffsetHeader.parse(bad) }, "Upload-Offset", bad ?? "absent")
        }
    }

    func testUploadChecksumIsSha256AndTheBase64OfThirtyTwoBytes() throws {
        let digest = [UInt8](repeating: 9, count: 32)
        XCTAssertEqual(try UploadChecksumHeader.parse("sha256 " + Data(digest).base64EncodedString()), digest)
        for bad in [nil, "md5 xyz", "sha256", "sha1 " + Data(digest).base64EncodedString(),
                    "sha256 " + Data(digest.dropLast()).base64EncodedString(), "sha256 a b"] {
            XCTAssertEqual(malformedField { _ = try UploadChecksumHeader.parse(bad) }, "Upload-Checksum", bad ?? "absent")
        }
    }

    func testARangeIsCutToTheFileAndOnlyAWellFormedOneOutsideItIsUnsatisfiable() throws {
        XCTAssertTrue(try ByteRange.span("bytes=100-", size: 5000) == (100, 4999))
        XCTAssertTrue(try ByteRange.span("bytes=0-99", size: 5000) == (0, 99))
        XCTAssertTrue(try ByteRange.span("bytes=4990-9000", size: 5000) == (4990, 4999))
        XCTAssertThrowsError(try ByteRange.span("bytes=5000-", size: 5000)) { XCTAssertEqual($0 as? HTTPRefusal, .rangeNotSatisfiable(size: 5000)) }
        // The fuzzer's finding: a range in a file whose size has 19 digits reads back as the hub answers it.
        let huge = Int64.max / 2
        XCTAssertTrue(try ByteRange.span("bytes=100-", size: huge) == (100, huge - 1))
        XCTAssertTrue(ByteRange.parse("bytes=100-\(huge - 1)", size: huge).map { $0 == (100, huge - 1) } ?? false)
        XCTAssertEqual(try UploadOffsetHeader.parse(String(Int64.max)), Int64.max)
        for bad in ["bytes=-5", "bytes=9-3", "items=0-1", "bytes=0-1,4-5", "bytes=a-", "bytes=+1-2", "bytes=1-+2", "bytes=0-99999999999999999999"] {
            XCTAssertEqual(malformedField { _ = try ByteRange.span(bad, size: 5000) }, "Range", bad)
        }
    }

    func testAnUploadBodyIsCheckedFieldByFieldAndItsDigestLowercased() throws {
        let sha = String(repeating: "AB", count: 32)
        func body(size: Int64 = 10, sha256: String = sha, name: String = "x.fsb") -> Data {
            WireJSON.encode(UploadCreateBody(size: size, sha256: sha256, name: name))
        }
        XCTAssertEqual(try UploadCreateBody.parse(body(), maxBundleBytes: 100).sha256, sha.lowercased())
        XCTAssertThrowsError(try UploadCreateBody.parse(Data("{}".utf8), maxBundleBytes: 100))
        XCTAssertThrowsError(try UploadCreateBody.parse(body(size: 0), maxBundleBytes: 100))
        XCTAssertThrowsError(try UploadCreateBody.parse(body(sha256: "ab"), maxBundleBytes: 100))
        XCTAssertThrowsError(try UploadCreateBody.parse(body(size: 101), maxBundleBytes: 100)) {
            XCTAssertEqual($0 as? HTTPRefusal, .bundleTooLarge(size: 101, limit: 100))
        }
        for name in ["../x.fsb", "meta.json", ".fsb", "x.fsb/", "鲁沙尔.fsb", "x.txt", String(repeating: "a", count: 126) + ".fsb"] {
            XCTAssertThrowsError(try UploadCreateBody.parse(body(name: name), maxBundleBytes: 100), name)
        }
    }

    func testAPathIDIsThirtyTwoHexDigitsOrNotFound() throws {
        XCTAssertEqual(try PathID.parse(nonce), nonce)
        for bad in [nil, "", "9f86d081", nonce + "0", String(repeating: "g", count: 32)] {
            XCTAssertThrowsError(try PathID.parse(bad)) {
                guard case .notFound = $0 as? HTTPRefusal else { return XCTFail("\($0)") }
            }
        }
    }
}
