import FieldSyncFuzzing
import Foundation
import XCTest

/// Runs every seed of `Fuzz/corpus/` and every input the fuzzer once crashed on
/// (`Fuzz/regressions/`) through its harness, so that the normal suite catches a return of
/// any finding without a fuzzer, and checks that the seeds still start where they should:
/// behind the signature, read through to delivery.
final class CorpusReplayTests: XCTestCase {
    /// The package root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [(name: String, bytes: [UInt8])] {
        let folder = "\(root)/Fuzz/\(kind)/\(target.rawValue)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.map { ($0, [UInt8](FileManager.default.contents(atPath: folder + "/" + $0) ?? Data())) }
    }

    func testEveryCorpusFileRunsThroughItsHarness() {
        for target in FuzzTarget.allCases {
            let corpus = Self.inputs("corpus", target)
            XCTAssertFalse(corpus.isEmpty, "Fuzz/corpus/\(target.rawValue) is empty: run fieldsync-fuzz seed Fuzz/corpus")
            for input in corpus { _ = target.run(input.bytes) }
        }
    }

    /// A finding that returns traps here, as it did under the fuzzer; the named unit test
    /// beside each fix says what the reader must answer instead.
    func testEveryRegressionFileRunsThroughItsHarness() {
        for target in FuzzTarget.allCases {
            for input in Self.inputs("regressions", target) { _ = target.run(input.bytes) }
        }
    }

    func testBundleSeedsWithTheVectorKeysAreReadToDeliveryAndMutatedVectorsAreRefused() {
        for input in Self.inputs("corpus", .bundle) {
            let outcome = FuzzTarget.bundle.run(input.bytes)
            if input.name.hasPrefix("v1-invalid-") {
                XCTAssertFalse(outcome.isAccepted, input.name)
            } else {
                XCTAssertTrue(outcome.isAccepted, "\(input.name): \(outcome)")
            }
        }
    }

    func testEnrollmentSeedsAreAccepted() {
        for input in Self.inputs("corpus", .enrollment) {
            let outcome = FuzzTarget.enrollment.run(input.bytes)
            XCTAssertTrue(outcome.isAccepted, "\(input.name): \(outcome)")
        }
    }

    /// Each request of the route tests gets, through the harness, the answer the route gives
    /// it: read through to the route's stores, or refused with the route test's code.
    func testHTTPSeedsReachTheirRouteOrTheRefusalTheRouteTestsExpect() {
        let refusals = [
            "upload-chunk-negative-offset": "malformed-header", "upload-chunk-md5-checksum": "malformed-header",
            "return-download-past-end": "range-not-satisfiable", "sent-bad-signature": "bad-signature",
            "sent-no-station": "malformed-header", "sent-short-nonce": "malformed-header",
        ]
        let corpus = Self.inputs("corpus", .http)
        XCTAssertEqual(corpus.count, 19)
        for input in corpus {
            let outcome = FuzzTarget.http.run(input.bytes)
            if let code = refusals[input.name] {
                XCTAssertEqual(outcome, .refused(code: code), input.name)
            } else {
                XCTAssertTrue(outcome.isAccepted, "\(input.name): \(outcome)")
            }
        }
    }

    /// The committed seeds are what the generator makes today: a change of a format or of a
    /// writer shows here, and `fieldsync-fuzz seed Fuzz/corpus` brings the corpus up to date.
    func testCommittedCorpusIsWhatTheSeedGeneratorMakes() throws {
        for seed in try SeedCorpus.make(vectors: Self.root + "/Protocol/vectors") {
            let committed = Self.inputs("corpus", seed.target).first { $0.name == seed.name }
            XCTAssertEqual(committed?.bytes, seed.bytes, "Fuzz/corpus/\(seed.target.rawValue)/\(seed.name)")
        }
    }
}
