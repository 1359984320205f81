import FieldSyncCore
import FieldSyncHTTP
import FieldSyncSync
import Foundation
import XCTest

/// The written specification (Protocol/http-api.md, http-api.yaml) against the code.
final class HTTPSpecTests: XCTestCase {
    static let protocolFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Protocol")

    /// Every refusal, one of each kind.
    static let refusals: [HTTPRefusal] = [
        .malformedHeader(field: "F", expected: "e"), .malformedBody("b"), .unknownStation, .badSignature, .nonceNotUsable,
        .revoked(station: "s", atMillis: 0), .bodyTooLarge(limit: 1), .bundleTooLarge(size: 2, limit: 1),
        .tooManyOpenUploads(limit: 2), .offsetMismatch(expected: 1, given: 0), .chunkChecksumMismatch, .bundleChecksumMismatch, .notFound(what: "x"),
        .rangeNotSatisfiable(size: 1), .hubFailure("r"), .busy(limit: 1, station: false), .busy(limit: 1, station: true), .bodyTooSlow(seconds: 1),
    ]

    func testEveryRefusalCodeAndStatusIsInTheOpenAPIDescription() throws {
        let yaml = try String(contentsOf: Self.protocolFolder.appendingPathComponent("http-api.yaml"), encoding: .utf8)
        for refusal in Self.refusals {
            XCTAssertTrue(yaml.contains(refusal.code), "\(refusal.code) is in http-api.yaml")
            if refusal.status.code != 500 { XCTAssertTrue(yaml.contains("\"\(refusal.status.code)\""), "status \(refusal.status.code)") }
        }
        for path in [WirePath.nonce, WirePath.uploads, WirePath.uploads + "/{id}", WirePath.returns, WirePath.returns + "/{id}"] {
            XCTAssertTrue(yaml.contains("  \(path):"), path)
        }
    }

    func testEveryRefusalIsInChineseAndEnglish() {
        for refusal in Self.refusals {
            let text = refusal.description
            XCTAssertTrue(text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(refusal.code) has Chinese")
            XCTAssertTrue(text.contains(" / "), "\(refusal.code) has both languages")
        }
    }

    /// The canonical string of http-api.md §1, byte for byte.
    func testCanonicalStringIsTheTenLinesOfTheSpecification() throws {
        let site = try XCTUnwrap(SiteID(hex: "00112233445566778899aabbccddeeff"))
        let signed = RequestSignature(method: "patch", path: "/v1/uploads/0123456789abcdef0123456789abcdef", query: nil,
                                      station: site, nonce: "ffeeddccbbaa99887766554433221100", body: Array("abc".utf8),
                                      uploadOffset: "700", uploadChecksum: "sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        XCTAssertEqual(signed.canonicalString, """
            fieldsync-http-v1
            PATCH
            /v1/uploads/0123456789abcdef0123456789abcdef

            00112233445566778899aabbccddeeff
            ffeeddccbbaa99887766554433221100
            ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
            700
            sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=

            """)
        var rng = SeededGenerator(seed: 3)
        let identity = NodeIdentity.make(name: "站", role: .station, township: "630106100", using: &rng)
        let header = try signed.sign(with: identity.signingKey)
        XCTAssertTrue(signed.isSigned(by: identity.signingKey.publicKey, header: header))
        var other = signed
        other.nonce = "00000000000000000000000000000000"
        XCTAssertFalse(other.isSigned(by: identity.signingKey.publicKey, header: header))
        for rewrite in [\RequestSignature.uploadOffset, \.uploadChecksum, \.range] {
            var moved = signed
            moved[keyPath: rewrite] = "0"
            XCTAssertFalse(moved.isSigned(by: identity.signingKey.publicKey, header: header), "\(rewrite) is signed")
        }
    }

    static let siteA = SiteID(hex: "00112233445566778899aabbccddeeff")!
    static let siteB = SiteID(hex: "ffeeddccbbaa99887766554433221100")!

    func testANonceIsGoodOnceWithinItsLifetimeAndOnlyFromTheStoreThatIssuedIt() async throws {
        let store = NonceStore(lifetime: .milliseconds(300), capacity: 100)
        let nonce = await store.issue()
        XCTAssertNotNil(try? SignedRequestHeaders.nonce(nonce), "a nonce keeps the wire form: 32 hex digits")
        let first = await store.consume(nonce, by: Self.siteA)
        XCTAssertTrue(first)
        let again = await store.consume(nonce, by: Self.siteA)
        XCTAssertFalse(again, "a nonce is good once")
        let upper = await store.consume(nonce.uppercased(), by: Self.siteA)
        XCTAssertFalse(upper, "the same bytes written in capitals are the same nonce")
        let other = await NonceStore().issue()
        let foreign = await store.consume(other, by: Self.siteA)
        XCTAssertFalse(foreign, "a nonce of another process (a restarted hub) is refused")
        var forged = Array(nonce)
        forged[31] = forged[31] == "0" ? "1" : "0"
        let tampered = await store.consume(String(forged), by: Self.siteA)
        XCTAssertFalse(tampered, "a nonce whose tag does not match is refused")
        let late = await store.issue()
        try await Task.sleep(for: .milliseconds(400))
        let expired = await store.consume(late, by: Self.siteA)
        XCTAssertFalse(expired, "a nonce past its lifetime is refused")
    }

    /// A flood of `POST /v1/nonce` (anyone may call it) costs nothing and pushes no station's
    /// nonce out: issuing remembers nothing. The hub kept every unused nonce before, at most
    /// 10,000, so a flood made a slow station's nonce unusable.
    func testAFloodOfIssuedNoncesDoesNotPushOutAStationsNonce() async throws {
        let store = NonceStore(lifetime: .seconds(300), capacity: 10)
        let stations = await store.issue()
        for _ in 0..<50_000 { _ = await store.issue() }
        let remembered = await store.count
        XCTAssertEqual(remembered, 0)
        let taken = await store.consume(stations, by: Self.siteA)
        XCTAssertTrue(taken)
    }

    /// Used nonces are remembered up to the capacity per station; past it the station's older
    /// half is forgotten and every nonce issued no later than those is refused for it, so none
    /// is ever good twice. Another station's nonces are not touched by that floor.
    func testRememberingUsedNoncesIsBoundedAndNoForgottenNonceIsGoodAgain() async throws {
        let store = NonceStore(lifetime: .seconds(300), capacity: 8)
        let neighbours = await store.issue()
        var issued: [String] = []
        for _ in 0..<40 {
            issued.append(await store.issue())
            try await Task.sleep(for: .milliseconds(2))
        }
        let unusedOld = issued[0]
        for nonce in issued.dropFirst() {
            let taken = await store.consume(nonce, by: Self.siteA)
            XCTAssertTrue(taken)
            let held = await store.count
            XCTAssertLessThanOrEqual(held, 8)
        }
        for nonce in issued {
            let again = await store.consume(nonce, by: Self.siteA)
            XCTAssertFalse(again, "a used nonce, remembered or forgotten, is not good again")
        }
        let old = await store.consume(unusedOld, by: Self.siteA)
        XCTAssertFalse(old, "an unused nonce older than the forgotten ones is refused: the station asks again")
        let other = await store.consume(neighbours, by: Self.siteB)
        XCTAssertTrue(other, "another station's unused nonce, as old, is still good: the floor is the busy station's")
        let fresh = await store.issue()
        let taken = await store.consume(fresh, by: Self.siteA)
        XCTAssertTrue(taken, "a nonce issued after the floor is taken")
    }

    /// Validated with openapi-spec-validator where Python has it (the CI image may not).
    func testOpenAPIDescriptionIsValidOpenAPI31() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys
            try:
                from openapi_spec_validator import validate
                from openapi_spec_validator.readers import read_from_filename
            except ImportError:
                sys.exit(77)
            validate(read_from_filename(sys.argv[1])[0])
            """, Self.protocolFolder.appendingPathComponent("http-api.yaml").path]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw XCTSkip("python3 is not installed") }
        process.waitUntilExit()
        if process.terminationStatus == 77 { throw XCTSkip("openapi-spec-validator is not installed (pip install openapi-spec-validator)") }
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
