@testable import FieldSyncBundle
import FieldSyncCore
import Foundation
import XCTest

final class BundleRoundTripTests: XCTestCase {
    func testThousandsOfChangesRoundTripBitForBitAcrossSeveralFrames() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 4000, blobSize: 300)
        let path = try writeBundle(changes, in: folder, frameTarget: 64 * 1024)
        let (header, batches) = try readAll(path)

        XCTAssertGreaterThan(header.frameCount, 3)
        XCTAssertEqual(batches.count, header.frameCount)
        let read = batches.flatMap { $0 }
        XCTAssertEqual(read.count, changes.count)
        for (a, b) in zip(read, changes) {
            XCTAssertEqual(a, b)
            // Value equality is bitwise, but check the encoding too: it is what travels.
            var wa = ByteWriter(), wb = ByteWriter()
            a.encode(into: &wa)
            b.encode(into: &wb)
            XCTAssertEqual(wa.bytes, wb.bytes)
        }
    }

    func testEveryAwkwardValueRoundTripsBitForBit() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.awkwardValues.enumerated().map { i, v in
            Change.set("member", "row-\(i)", "note", v, stamp: HybridTimestamp(rawValue: .max - UInt64(i)),
                       origin: Fixtures.stationSite, sequence: UInt64(i + 1))
        }
        let (_, batches) = try readAll(try writeBundle(changes, in: folder))
        let read = batches.flatMap { $0 }
        XCTAssertEqual(read.count, changes.count)
        for (a, b) in zip(read, changes) {
            switch (a.value, b.value) {
            case let (.real(x), .real(y)): XCTAssertEqual(x.bitPattern, y.bitPattern)
            case let (.text(x), .text(y)): XCTAssertEqual(Array(x.utf8), Array(y.utf8))
            default: XCTAssertEqual(a.value, b.value)
            }
            XCTAssertEqual(a, b)
        }
    }

    func testHeaderReadBackEqualsHeaderWritten() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 50)
        let ack = VersionVector([Fixtures.stationSite: 40, Fixtures.otherStationSite: 3])
        var draft = Fixtures.draft(for: changes, acknowledgement: ack)
        draft.kind = .hubToStation
        let path = folder.file("h.fsb")
        let writer = try BundleWriter(path: path, draft: draft, signingKey: Fixtures.stationSigning, randomness: Fixtures.randomness())
        try writer.append(contentsOf: changes)
        let written = try writer.finish()

        let verified = try UnverifiedBundle.open(path: path).verify()
        XCTAssertEqual(verified.header, written)
        XCTAssertEqual(verified.signerKey, Fixtures.stationSigning.publicKey)
        XCTAssertEqual(written.kind, .hubToStation)
        XCTAssertEqual(written.bundleID, Fixtures.randomness().bundleID)
        XCTAssertEqual(written.sender, draft.sender)
        XCTAssertEqual(written.senderName, "鲁沙尔镇社工站")
        XCTAssertEqual(written.created, draft.created)
        XCTAssertEqual(written.schemaName, draft.schemaName)
        XCTAssertEqual(written.schemaVersion, draft.schemaVersion)
        XCTAssertEqual(written.schemaFingerprint, draft.schemaFingerprint)
        XCTAssertEqual(written.recipients, draft.recipients)
        XCTAssertEqual(written.senderVector, draft.senderVector)
        XCTAssertEqual(written.assumedVector, draft.assumedVector)
        XCTAssertEqual(written.acknowledgement, ack)
        XCTAssertEqual(written.tableCounts, Fixtures.counts(changes))
        XCTAssertEqual(written.totalChanges, 50)
        XCTAssertEqual(written.frameCount, 1)
        XCTAssertEqual(verified.fileSize, Int(try FileManager.default.attributesOfItem(atPath: path)[.size] as! UInt64))
    }

    func testEmptyBundleCarriesOnlyItsHeader() throws {
        let folder = TemporaryFolder()
        var draft = Fixtures.draft(for: [], acknowledgement: VersionVector([Fixtures.stationSite: 9]))
        draft.kind = .hubToStation
        let path = try writeBundle([], in: folder, draft: draft)
        let (header, batches) = try readAll(path)
        XCTAssertEqual(header.totalChanges, 0)
        XCTAssertEqual(header.frameCount, 0)
        XCTAssertTrue(header.tableCounts.isEmpty)
        XCTAssertTrue(batches.isEmpty)
        XCTAssertEqual(header.acknowledgement, VersionVector([Fixtures.stationSite: 9]))
    }

    func testReaderDeliversOneFrameOfRecordsPerBatch() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 3000, blobSize: 4000)
        let path = try writeBundle(changes, in: folder)
        let (header, batches) = try readAll(path)
        // ~2.5 MB of records with the default 256 KiB target: many frames, each batch one frame.
        XCTAssertGreaterThan(header.frameCount, 4)
        XCTAssertEqual(batches.count, header.frameCount)
        for batch in batches.dropLast() {
            let size = batch.reduce(0) { n, c in var w = ByteWriter(); c.encode(into: &w); return n + w.bytes.count }
            XCTAssertGreaterThanOrEqual(size + 4, BundleFormat.defaultFrameTarget)
            XCTAssertLessThanOrEqual(size + 4, BundleFormat.maxBlockSize)
        }
    }

    func testSameInputsAndRandomnessGiveTheSameBytes() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 200)
        let a = try Data(contentsOf: URL(fileURLWithPath: try writeBundle(changes, in: folder, name: "a.fsb")))
        let b = try Data(contentsOf: URL(fileURLWithPath: try writeBundle(changes, in: folder, name: "b.fsb")))
        // The signature is excluded: the format does not require deterministic signatures.
        XCTAssertEqual(a.dropLast(64), b.dropLast(64))
    }

    func testEd25519SignaturesAreDeterministicOnThisPlatform() throws {
        // Documents the platform: swift-crypto over BoringSSL signs per RFC 8032 (deterministic).
        // The vectors do not rely on it; they check that the signature verifies.
        let message = Array("FieldSync".utf8)
        let s1 = try Fixtures.stationSigning.signature(for: message)
        let s2 = try Fixtures.stationSigning.signature(for: message)
        XCTAssertEqual(s1.count, 64)
        XCTAssertTrue(Fixtures.stationSigning.publicKey.isValidSignature(s1, for: message))
        #if os(Linux)
        XCTAssertEqual(s1, s2)
        #endif
        _ = s2
    }

    func testKeysRoundTripThroughTheirRawRepresentation() throws {
        let s = SigningPrivateKey()
        XCTAssertEqual(try SigningPrivateKey(rawRepresentation: s.rawRepresentation).publicKey, s.publicKey)
        XCTAssertEqual(try SigningPublicKey(rawRepresentation: s.publicKey.rawRepresentation), s.publicKey)
        XCTAssertEqual(s.publicKey.fingerprint.count, 16)
        let a = AgreementPrivateKey()
        XCTAssertEqual(try AgreementPrivateKey(rawRepresentation: a.rawRepresentation).publicKey, a.publicKey)
        XCTAssertThrowsError(try SigningPrivateKey(rawRepresentation: [1, 2, 3]))
        XCTAssertThrowsError(try AgreementPublicKey(rawRepresentation: []))
    }
}

final class RowBatchTests: XCTestCase {
    func testARowSplitBetweenFramesReachesTheMergeInOneBatch() throws {
        let folder = TemporaryFolder()
        // Rows of five cells each; frames so small that most rows straddle two frames.
        let changes = (0..<200).map { i in
            Change.set("application", "row-\(i / 5)", "c\(i % 5)", .text("值 value \(i)"),
                       stamp: HybridTimestamp(millis: 1_795_920_000_000 + UInt64(i), counter: 0),
                       origin: Fixtures.stationSite, sequence: UInt64(i + 1))
        }
        let path = try writeBundle(changes, in: folder, frameTarget: 300)
        let readable = try UnverifiedBundle.open(path: path).verify().open(as: Fixtures.hubSite, key: Fixtures.hubAgreement)
        var frames: [[Change]] = []
        try readable.forEachBatch { frames.append($0) }
        XCTAssertTrue(zip(frames, frames.dropFirst()).contains { $0.last?.rowID == $1.first?.rowID }, "the fixture splits a row between frames")
        var batches: [[Change]] = []
        try readable.forEachRowBatch { batches.append($0) }
        XCTAssertEqual(batches.flatMap { $0 }, changes, "every change once, in order")
        for (a, b) in zip(batches, batches.dropFirst()) {
            XCTAssertNotEqual(a.last?.rowID, b.first?.rowID, "a row's changes are never split between two batches")
        }
    }
}
