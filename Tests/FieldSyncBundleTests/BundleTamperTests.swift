@testable import FieldSyncBundle
import FieldSyncCore
import Foundation
import XCTest

/// Rules B1–B25 of `Protocol/bundle-format.md`: damaged, forged and malformed bundles are
/// rejected with a typed error before a single change is delivered.
final class BundleTamperTests: XCTestCase {
    /// A small bundle over two frames.
    func sample(_ folder: TemporaryFolder) throws -> [UInt8] {
        let path = try writeBundle(Fixtures.changes(count: 24), in: folder, name: "sample.fsb", frameTarget: 600)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertGreaterThan(try UnverifiedBundle.open(path: path).verify().header.frameCount, 1)
        return bytes
    }

    /// B1–B6: one flipped bit anywhere, and the file is refused with the error of its region.
    func testEveryFlippedByteIsRejectedBeforeAnyBatch_B1_B2_B3_B5_B6() throws {
        let folder = TemporaryFolder()
        let original = try sample(folder)
        let trailer = original.count - BundleFormat.trailerSize
        for offset in 0..<original.count {
            var bytes = original
            bytes[offset] ^= 0x01
            guard let error = readingError(bytes, in: folder, "offset \(offset)") else { continue }
            let expected: [String]
            switch offset {
            case 0..<8: expected = ["notABundle"]
            case 8..<10: expected = ["unsupportedVersion"]
            case 10..<12: expected = ["unsupportedFlags"]
            case 12..<44: expected = ["digestMismatch", "signatureInvalid"]  // the key is hashed too
            case trailer..<(trailer + 32): expected = ["digestMismatch"]
            case (trailer + 32)...: expected = ["signatureInvalid"]
            default: expected = ["digestMismatch"]
            }
            XCTAssertTrue(expected.contains(error.code), "offset \(offset): \(error)")
        }
    }

    /// Behind the signature: a signer who changes any byte of a valid bundle and signs again
    /// still cannot get a record delivered, because every frame authenticates the header,
    /// its position and whether it is the last (B7–B24).
    func testEveryFlippedByteResignedIsStillRejected() throws {
        let folder = TemporaryFolder()
        let original = try sample(folder)
        var codes: Set<String> = []
        for offset in 0..<(original.count - BundleFormat.trailerSize) {
            var bytes = original
            bytes[offset] ^= 0x01
            bytes = try BundleCrafter.resigned(bytes)
            if let error = readingError(bytes, in: folder, "offset \(offset)") { codes.insert(error.code) }
        }
        // The header and frames are reached, not just the signature.
        for code in ["headerInvalid", "notARecipient", "keyMismatch", "keyUnwrapFailed", "frameAuthenticationFailed"] {
            XCTAssertTrue(codes.contains(code), "\(code) never seen; saw \(codes.sorted())")
        }
    }

    /// B4, B5: a file cut short anywhere is refused as damaged or incomplete.
    func testTruncatedBundleIsRejectedAtEveryLength_B4_B5() throws {
        let folder = TemporaryFolder()
        let original = try sample(folder)
        let headerEnd = BundleFormat.preambleSize + Int(original[44]) << 24 + Int(original[45]) << 16 + Int(original[46]) << 8 + Int(original[47])
        var lengths = [0, 1, 7, 8, 11, 12, 47, 48, headerEnd, headerEnd + 2, headerEnd + 100, original.count - 97,
                       original.count - 96, original.count - 64, original.count - 1]
        lengths += stride(from: 0, to: original.count, by: 37)
        for length in lengths {
            let error = readingError(Array(original.prefix(length)), in: folder, "length \(length)")
            XCTAssertTrue(["truncated", "digestMismatch"].contains(error?.code ?? ""), "length \(length): \(String(describing: error))")
            XCTAssertTrue(error?.description.contains("damaged or incomplete") ?? false)
        }
    }

    func testAppendedBytesAreRejected_B5() throws {
        let folder = TemporaryFolder()
        XCTAssertEqual(readingError(try sample(folder) + [0], in: folder), .digestMismatch)
    }

    func testNotABundleAndFutureVersionsSayWhatTheyAre_B1_B2_B3() throws {
        let folder = TemporaryFolder()
        var bytes = try sample(folder)
        XCTAssertEqual(readingError(Array("PK\u{3}\u{4}hello".utf8), in: folder), .notABundle)
        bytes[9] = 2
        XCTAssertEqual(readingError(bytes, in: folder), .unsupportedVersion(2))
        XCTAssertTrue(BundleError.unsupportedVersion(2).description.contains("version 2"))
        bytes[9] = 1
        bytes[11] = 0x80
        XCTAssertEqual(readingError(bytes, in: folder), .unsupportedFlags)
    }

    func testBundleSignedByAnotherKeyThanItsPreambleNamesIsRejected_B6() throws {
        let folder = TemporaryFolder()
        let forged = try BundleCrafter.resigned(try sample(folder), with: SigningPrivateKey())
        XCTAssertEqual(readingError(forged, in: folder), .signatureInvalid)
    }

    func testOversizedDeclaredFrameLengthIsRejected_B16() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 1)
        let crafter = try BundleCrafter(headerFor: changes)
        let bytes = try crafter.bytes([.raw(length: UInt32(BundleFormat.maxSealedSize + 1), bytes: [1, 2, 3])])
        XCTAssertEqual(readingError(bytes, in: folder)?.code, "tooLarge")
        let huge = try crafter.bytes([.raw(length: .max, bytes: [])])
        XCTAssertEqual(readingError(huge, in: folder)?.code, "tooLarge")
        let beyond = try crafter.bytes([.raw(length: 5000, bytes: [1, 2, 3])], endMarker: [])
        XCTAssertEqual(readingError(beyond, in: folder), .truncated)
    }

    func testFrameWithZeroRecordsIsRejected_B19() throws {
        let folder = TemporaryFolder()
        let crafter = try BundleCrafter(headerFor: Fixtures.changes(count: 1))
        let bytes = try crafter.bytes([.block(BundleCrafter.block([]))])
        guard case .frameInvalid(index: 0, _, _)? = readingError(bytes, in: folder) else { return XCTFail() }
    }

    func testFrameWithTooManyRecordsIsRejected_B19() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 1)
        let crafter = try BundleCrafter(headerFor: changes)
        let bytes = try crafter.bytes([.block(BundleCrafter.block(changes, count: UInt32(BundleFormat.maxRecordsPerFrame + 1)))])
        guard case .frameInvalid(index: 0, _, _)? = readingError(bytes, in: folder) else { return XCTFail() }
    }

    func testRecordBlockWithLeftoverBytesIsRejected_B19() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 1)
        let crafter = try BundleCrafter(headerFor: changes)
        let bytes = try crafter.bytes([.block(BundleCrafter.block(changes) + [0])])
        guard case .frameInvalid(index: 0, _, _)? = readingError(bytes, in: folder) else { return XCTFail() }
    }

    func testInflateBombIsRejectedWithoutInflatingPastTheCap_B17() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 1)
        let crafter = try BundleCrafter(headerFor: changes)
        // 16 MiB of zeros compress to ~16 KiB.
        let bomb = BundleCrafter.block(changes) + [UInt8](repeating: 0, count: 16 << 20)
        let bytes = try crafter.bytes([.block(bomb)])
        XCTAssertLessThan(bytes.count, 100_000)
        let error = readingError(bytes, in: folder)
        XCTAssertEqual(error?.code, "tooLarge")
        XCTAssertTrue(error?.description.contains("frame 0") ?? false)
    }

    func testFrameThatIsNotZlibIsRejected_B17() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 1)
        let crafter = try BundleCrafter(headerFor: changes)
        guard case .frameInvalid? = readingError(try crafter.bytes([.compressed(BundleCrafter.block(changes))]), in: folder)
        else { return XCTFail() }
        // A valid zlib stream followed by garbage.
        let zlib = try Deflater().compress(BundleCrafter.block(changes))
        guard case .frameInvalid? = readingError(try crafter.bytes([.compressed(zlib + [0])]), in: folder) else { return XCTFail() }
        // A zlib stream cut short.
        guard case .frameInvalid? = readingError(try crafter.bytes([.compressed(Array(zlib.dropLast(3)))]), in: folder)
        else { return XCTFail() }
    }

    func testMissingExtraAndReorderedFramesAreRejected_B16_B18_B23() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 2)
        var crafter = try BundleCrafter(headerFor: changes, frameCount: 2)
        let a = BundleCrafter.block([changes[0]]), b = BundleCrafter.block([changes[1]])
        // The sound version reads.
        let good = try crafter.bytes([.block(a), .block(b)])
        XCTAssertNoThrow(try { () throws -> Void in
            let path = folder.file("good.fsb")
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(good)))
            _ = try readAll(path)
        }())
        // One frame missing.
        guard case .bodyInvalid? = readingError(try crafter.bytes([.block(a)]), in: folder) else { return XCTFail() }
        // An extra frame.
        guard case .bodyInvalid? = readingError(try crafter.bytes([.block(a), .block(b), .block(b)]), in: folder) else { return XCTFail() }
        // Bytes between the end marker and the trailer.
        guard case .bodyInvalid? = readingError(try crafter.bytes([.block(a), .block(b)], afterEnd: [0]), in: folder)
        else { return XCTFail() }
        // Swapped frames: each was sealed for its position.
        let sealedA = try frameBytes(good, index: 0), sealedB = try frameBytes(good, index: 1)
        let swapped = try crafter.bytes([.raw(length: UInt32(sealedB.count), bytes: sealedB), .raw(length: UInt32(sealedA.count), bytes: sealedA)])
        guard case .frameAuthenticationFailed(index: 0, _)? = readingError(swapped, in: folder) else { return XCTFail() }
        // The first frame alone, declared as the only one: it was not sealed as the last.
        crafter.header.frameCount = 1
        crafter.header.tableCounts = Fixtures.counts([changes[0]])
        crafter.header.totalChanges = 1
        let dropped = try crafter.bytes([.raw(length: UInt32(sealedA.count), bytes: sealedA)])
        guard case .frameAuthenticationFailed(index: 0, _)? = readingError(dropped, in: folder) else { return XCTFail() }
    }

    func testRecordsThatDoNotMatchTheHeaderCountsAreRejected_B24() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 2)  // tables household and member
        let crafter = try BundleCrafter(headerFor: changes)
        let twice = try crafter.bytes([.block(BundleCrafter.block([changes[0], changes[0]]))])
        guard case .countMismatch(table: changes[0].table, _, _)? = readingError(twice, in: folder) else { return XCTFail() }
    }

    func testHeaderCapsAreEnforced_B7_B11_B14_B15() throws {
        let folder = TemporaryFolder()
        let original = try sample(folder)
        // Header length over 1 MiB.
        var bytes = original
        bytes[44] = 0x01; bytes[45] = 0x10
        XCTAssertEqual(readingError(try BundleCrafter.resigned(bytes), in: folder)?.code, "tooLarge")
        // Header length past the end of the file.
        bytes = original
        bytes[44] = 0; bytes[45] = 0x0F
        XCTAssertEqual(readingError(try BundleCrafter.resigned(bytes), in: folder), .truncated)

        let changes = Fixtures.changes(count: 1)
        var crafter = try BundleCrafter(headerFor: changes)
        crafter.header.frameCount = 2
        guard case .headerInvalid? = readingError(try crafter.bytes([]), in: folder) else { return XCTFail() }
        crafter.header.frameCount = 1
        crafter.header.totalChanges = 2
        guard case .headerInvalid? = readingError(try crafter.bytes([]), in: folder) else { return XCTFail() }
        crafter.header.totalChanges = BundleFormat.maxTotalChanges + 1
        crafter.header.tableCounts = ["member": BundleFormat.maxTotalChanges + 1]
        XCTAssertEqual(readingError(try crafter.bytes([]), in: folder)?.code, "tooLarge")
    }

    /// A record's row id or column is named in refusals ("table X has no column Y"), so one
    /// holding a control character does not decode; the message does not repeat it.
    func testRecordColumnNamesHoldingAControlCharacterAreRejected_B19() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 1)
        let crafter = try BundleCrafter(headerFor: changes)
        for column in ["c\u{1B}[2K", "c\n已合并", "c\u{0}"] {
            var bad = changes[0]
            bad.column = column
            guard case let .frameInvalid(_, _, reason)? = readingError(try crafter.bytes([.block(BundleCrafter.block([bad]))]), in: folder) else {
                return XCTFail("\(column.unicodeScalars.map(\.value))")
            }
            XCTAssertTrue(reason.contains("control character"), reason)
            XCTAssertFalse(reason.contains(column), reason)
        }
        // A row id is the receiver's to judge (a county hub relays rows an earlier release
        // merged): the reader delivers it.
        var relayed = changes[0]
        relayed.rowID = "h\n已合并"
        let path = folder.file("relayed.fsb")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(try crafter.bytes([.block(BundleCrafter.block([relayed]))]))))
        var delivered: [Change] = []
        try UnverifiedBundle.open(path: path).verify().open(as: Fixtures.hubSite, key: Fixtures.hubAgreement).forEachBatch { delivered += $0 }
        XCTAssertEqual(delivered, [relayed])
    }

    func testMessagesNeverContainFieldValues() throws {
        let folder = TemporaryFolder()
        let secret = "630121199001011234"
        let change = Change.set("member", "m1", "id_number", .text(secret), stamp: .zero, origin: Fixtures.stationSite, sequence: 1)
        let crafter = try BundleCrafter(headerFor: [change])
        for frame: BundleCrafter.Frame in [.block(BundleCrafter.block([change]) + Array(secret.utf8)),
                                           .block(BundleCrafter.block([change], count: 2))] {
            let error = readingError(try crafter.bytes([frame]), in: folder)
            XCTAssertNotNil(error)
            XCTAssertFalse(error?.description.contains(secret) ?? true)
        }
    }

    /// The sealed bytes of frame `index` of a well-formed file.
    private func frameBytes(_ file: [UInt8], index: Int) throws -> [UInt8] {
        var r = ByteReader(file)
        _ = try r.raw(44, "")
        let headerLength = Int(try r.u32(""))
        _ = try r.raw(headerLength, "")
        for i in 0... {
            let n = Int(try r.u32(""))
            let bytes = try r.raw(n, "")
            if i == index { return bytes }
        }
        fatalError()
    }
}
