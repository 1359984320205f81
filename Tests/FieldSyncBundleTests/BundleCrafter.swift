@testable import FieldSyncBundle
import Crypto
import FieldSyncCore
import Foundation
import XCTest

/// Builds bundles that a correct writer never produces — malformed frames, wrong counts —
/// and signs them with the test key, so that the tests reach the checks behind the signature.
struct BundleCrafter {
    enum Frame {
        /// A record block (count + records), compressed and sealed at its position.
        case block([UInt8])
        /// Bytes sealed as they are (so not necessarily zlib).
        case compressed([UInt8])
        /// A raw frame: a declared length and the bytes that follow it.
        case raw(length: UInt32, bytes: [UInt8])
    }

    var header: BundleHeader
    var contentKey: [UInt8] = Fixtures.randomness().contentKey
    var signingKey = Fixtures.stationSigning

    /// A valid header for `changes`, wrapped for the hub, from a real writer.
    init(headerFor changes: [Change], frameCount: Int? = nil) throws {
        let folder = TemporaryFolder()
        let writer = try BundleWriter(path: folder.file("h.fsb"), draft: Fixtures.draft(for: changes),
                                      signingKey: Fixtures.stationSigning, randomness: Fixtures.randomness())
        try writer.append(contentsOf: changes)
        header = try writer.finish()
        if let frameCount { header.frameCount = frameCount }
    }

    static func block(_ changes: [Change], count: UInt32? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.u32(count ?? UInt32(changes.count))
        for c in changes { c.encode(into: &w) }
        return w.bytes
    }

    func bytes(_ frames: [Frame], endMarker: [UInt8] = [0, 0, 0, 0], afterEnd: [UInt8] = []) throws -> [UInt8] {
        let headerBytes = header.encoded()
        var out = BundleWriter.preamble(signingKey: signingKey.publicKey, headerLength: headerBytes.count) + headerBytes
        let seal = FrameSeal(contentKey: contentKey, headerHash: Array(SHA256.hash(data: out)), frameCount: header.frameCount)
        let deflater = try Deflater()
        for (i, frame) in frames.enumerated() {
            var w = ByteWriter()
            switch frame {
            case let .block(plain):
                let sealed = try seal.seal(try deflater.compress(plain), index: i)
                w.u32(UInt32(sealed.count)); w.raw(sealed)
            case let .compressed(c):
                let sealed = try seal.seal(c, index: i)
                w.u32(UInt32(sealed.count)); w.raw(sealed)
            case let .raw(length, bytes):
                w.u32(length); w.raw(bytes)
            }
            out += w.bytes
        }
        out += endMarker + afterEnd
        return try Self.signed(out, with: signingKey)
    }

    /// `body` followed by a valid trailer.
    static func signed(_ body: [UInt8], with key: SigningPrivateKey) throws -> [UInt8] {
        let digest = Array(SHA256.hash(data: body))
        return body + (try BundleWriter.trailer(digest: digest, signingKey: key))
    }

    /// Replaces the trailer of a whole file with a fresh, valid one.
    static func resigned(_ file: [UInt8], with key: SigningPrivateKey = Fixtures.stationSigning) throws -> [UInt8] {
        try signed(Array(file.dropLast(BundleFormat.trailerSize)), with: key)
    }
}

extension XCTestCase {
    /// Runs the whole reading sequence on `bytes` and returns the error, failing the test if
    /// no error is thrown or if a batch is delivered first. The same bytes read in one pass
    /// (``VerifiedBundle/openInOnePass(as:key:)``, as an import reads them inside its
    /// transaction) must fail with the same error, batches delivered before it or not.
    func readingError(_ bytes: [UInt8], in folder: TemporaryFolder, _ message: @autoclosure () -> String = "",
                      file: StaticString = #filePath, line: UInt = #line) -> BundleError? {
        let path = folder.file("t-\(UUID().uuidString).fsb")
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var delivered = false
        let error: BundleError
        do {
            let readable = try UnverifiedBundle.open(path: path).verify().open(as: Fixtures.hubSite, key: Fixtures.hubAgreement)
            try readable.forEachBatch { _ in delivered = true }
            XCTFail("no error: \(message())", file: file, line: line)
            return nil
        } catch let caught as BundleError {
            XCTAssertFalse(delivered, "a batch was delivered before \(caught): \(message())", file: file, line: line)
            error = caught
        } catch {
            XCTFail("untyped error \(error): \(message())", file: file, line: line)
            return nil
        }
        do {
            let readable = try UnverifiedBundle.open(path: path).verify().openInOnePass(as: Fixtures.hubSite, key: Fixtures.hubAgreement)
            try readable.forEachBatch { _ in }
            XCTFail("no error in one pass (two passes: \(error)): \(message())", file: file, line: line)
        } catch let onePass as BundleError {
            XCTAssertEqual(onePass, error, "one pass and two passes disagree: \(message())", file: file, line: line)
        } catch {
            XCTFail("untyped error in one pass \(error): \(message())", file: file, line: line)
        }
        return error
    }
}
