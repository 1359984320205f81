@testable import FieldSyncBundle
import Crypto
import FieldSyncCore
import Foundation
import XCTest

/// The test vectors in `Protocol/vectors/`: a small valid bundle with everything needed to
/// rebuild it, and Wycheproof-shaped invalid mutations of it.
///
/// Regenerate with `FIELDSYNC_WRITE_VECTORS=1 swift test --filter BundleVectorTests`; the
/// other tests then check the files against the code, so a format change that forgets the
/// vectors fails.
final class BundleVectorTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors")
    static var smallBundle: URL { folder.appendingPathComponent("v1-small.fsb") }
    static var smallJSON: URL { folder.appendingPathComponent("v1-small.json") }
    static var invalidJSON: URL { folder.appendingPathComponent("v1-invalid.json") }

    // MARK: - Runners

    func testSmallVectorDecodesToItsRecordsAndHeader() throws {
        let json = try VectorJSON.read(Self.smallJSON)
        let keys = try XCTUnwrap(json["keys"] as? VectorJSON.Object)
        let expected = try XCTUnwrap(json["expected"] as? VectorJSON.Object)
        let records = try XCTUnwrap(json["records"] as? [VectorJSON.Object]).map(VectorJSON.change(from:))

        let unverified = try UnverifiedBundle.open(path: Self.smallBundle.path)
        XCTAssertEqual(unverified.signerKey.rawRepresentation, try VectorJSON.hex(keys["senderSigningPublic"]))
        let verified = try unverified.verify()
        let header = verified.header
        XCTAssertEqual(Hex.encode(verified.digest), expected["digest"] as? String)
        XCTAssertEqual(header.bundleID.hex, keys["bundleID"] as? String)
        XCTAssertEqual(header.totalChanges, expected["totalChanges"] as? Int)
        XCTAssertEqual(header.frameCount, expected["frameCount"] as? Int)
        XCTAssertEqual(header.encoded(), try VectorJSON.hex(expected["header"]))
        XCTAssertEqual(header.ephemeralKey.rawRepresentation, try VectorJSON.hex(keys["ephemeralAgreementPublic"]))
        try checkDraftFields(header, json)

        let recipients = try XCTUnwrap(keys["recipients"] as? [VectorJSON.Object])
        XCTAssertGreaterThan(recipients.count, 1)
        for r in recipients {
            let key = try AgreementPrivateKey(rawRepresentation: try VectorJSON.hex(r["agreementPrivate"]))
            let (_, batches) = try readAll(Self.smallBundle.path, as: try VectorJSON.site(r["site"]), key: key)
            XCTAssertEqual(batches.flatMap { $0 }, records)
            let frames = try XCTUnwrap(expected["frames"] as? [VectorJSON.Object])
            XCTAssertEqual(batches.map(\.count), frames.map { $0["recordCount"] as? Int ?? -1 })
        }
    }

    /// Re-encodes the bundle from the inputs recorded in the JSON. Every byte must match
    /// except the 64 signature bytes, which the format does not require to be deterministic
    /// (Ed25519 signers may randomise); the signature must verify instead.
    func testSmallVectorReEncodesByteForByteFromItsInputs() throws {
        let json = try VectorJSON.read(Self.smallJSON)
        let keys = try XCTUnwrap(json["keys"] as? VectorJSON.Object)
        let records = try XCTUnwrap(json["records"] as? [VectorJSON.Object]).map(VectorJSON.change(from:))
        let signing = try SigningPrivateKey(rawRepresentation: try VectorJSON.hex(keys["senderSigningPrivate"]))
        let randomness = BundleRandomness(
            bundleID: try XCTUnwrap(BundleID(bytes: try VectorJSON.hex(keys["bundleID"]))),
            contentKey: try VectorJSON.hex(keys["contentKey"]),
            ephemeralKey: try AgreementPrivateKey(rawRepresentation: try VectorJSON.hex(keys["ephemeralAgreementPrivate"])))
        let draft = try Self.draft(from: json)

        let folder = TemporaryFolder()
        let path = folder.file("again.fsb")
        let writer = try BundleWriter(path: path, draft: draft, signingKey: signing, randomness: randomness,
                                      frameTarget: try XCTUnwrap(json["frameTarget"] as? Int))
        try writer.append(contentsOf: records)
        _ = try writer.finish()

        let again = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let original = Array(try Data(contentsOf: Self.smallBundle))
        XCTAssertEqual(again.count, original.count)
        XCTAssertEqual(again.dropLast(64), original.dropLast(64), "re-encoding differs (is the deflate implementation another zlib?)")
        XCTAssertNoThrow(try UnverifiedBundle.open(path: path).verify())
    }

    func testInvalidVectorsAreRejectedWithTheirExpectedError() throws {
        let json = try VectorJSON.read(Self.invalidJSON)
        let small = try VectorJSON.read(Self.smallJSON)
        let keys = try XCTUnwrap(small["keys"] as? VectorJSON.Object)
        let signing = try SigningPrivateKey(rawRepresentation: try VectorJSON.hex(keys["senderSigningPrivate"]))
        let recipient = try XCTUnwrap((keys["recipients"] as? [VectorJSON.Object])?.first)
        let site = try VectorJSON.site(recipient["site"])
        let key = try AgreementPrivateKey(rawRepresentation: try VectorJSON.hex(recipient["agreementPrivate"]))
        let original = Array(try Data(contentsOf: Self.smallBundle))
        let folder = TemporaryFolder()

        let groups = try XCTUnwrap(json["testGroups"] as? [VectorJSON.Object])
        var count = 0
        for group in groups {
            for test in try XCTUnwrap(group["tests"] as? [VectorJSON.Object]) {
                count += 1
                let id = test["tcId"] as? Int ?? -1
                let mutated = try Self.apply(try XCTUnwrap(test["mutation"] as? VectorJSON.Object), to: original, signing: signing)
                let path = folder.file("tc\(id).fsb")
                XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(mutated)))
                var delivered = false
                do {
                    let readable = try UnverifiedBundle.open(path: path).verify().open(as: site, key: key)
                    try readable.forEachBatch { _ in delivered = true }
                    XCTFail("tcId \(id): accepted")
                } catch let error as BundleError {
                    XCTAssertEqual(error.code, test["error"] as? String, "tcId \(id) (\(test["comment"] ?? "")): \(error)")
                }
                XCTAssertFalse(delivered, "tcId \(id)")
            }
        }
        XCTAssertEqual(count, json["numberOfTests"] as? Int)
    }

    // MARK: - Generator

    /// The generator, run on every test run: it must reproduce the committed vectors byte
    /// for byte, so they can never drift from the code. `FIELDSYNC_WRITE_VECTORS=1`
    /// writes them into Protocol/vectors instead (after a deliberate format change).
    func testGeneratorReproducesTheCommittedVectorsByteForByte() throws {
        if ProcessInfo.processInfo.environment["FIELDSYNC_WRITE_VECTORS"] == "1" {
            try writeVectors(into: Self.folder)
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-vectors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try writeVectors(into: scratch)
        for name in ["v1-small.fsb", "v1-small.json", "v1-invalid.json"] {
            XCTAssertEqual(try Data(contentsOf: scratch.appendingPathComponent(name)),
                           try Data(contentsOf: Self.folder.appendingPathComponent(name)),
                           "\(name) differs from what the generator writes; regenerate with FIELDSYNC_WRITE_VECTORS=1 if the format changed on purpose")
        }
    }

    func writeVectors(into folder: URL) throws {
        let smallBundle = folder.appendingPathComponent("v1-small.fsb")
        let smallJSON = folder.appendingPathComponent("v1-small.json")
        let invalidJSON = folder.appendingPathComponent("v1-invalid.json")
        let inputs = SmallVectorInputs()
        let writer = try BundleWriter(path: smallBundle.path, draft: inputs.draft, signingKey: inputs.signing,
                                      randomness: inputs.randomness, frameTarget: inputs.frameTarget)
        try writer.append(contentsOf: inputs.changes)
        let header = try writer.finish()
        let bytes = Array(try Data(contentsOf: smallBundle))
        let verified = try UnverifiedBundle.open(path: smallBundle.path).verify()
        let readable = try verified.open(as: inputs.recipients[0].site, key: inputs.recipients[0].key)

        // Frame layout, for implementers checking their reader step by step.
        var frames: [VectorJSON.Object] = []
        var offset = BundleFormat.preambleSize + header.encoded().count
        var batches: [[Change]] = []
        try readable.forEachBatch { batches.append($0) }
        for batch in batches {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            var block = ByteWriter()
            block.u32(UInt32(batch.count))
            for c in batch { c.encode(into: &block) }
            frames.append(["offset": offset, "sealedLength": length, "recordCount": batch.count, "block": Hex.encode(block.bytes)])
            offset += 4 + length
        }
        let front = Array(bytes.prefix(BundleFormat.preambleSize + header.encoded().count))
        let small: VectorJSON.Object = [
            "format": "FieldSync bundle v1 (Protocol/bundle-format.md)",
            "comment": "A station-to-hub bundle of \(inputs.changes.count) changes over \(header.frameCount) frames, addressed to two recipients. Rebuild it from keys, draft, frameTarget and records: every byte must match except the 64 signature bytes, and the signature must verify.",
            "file": "v1-small.fsb",
            "frameTarget": inputs.frameTarget,
            "keys": [
                "senderSigningPrivate": Hex.encode(inputs.signing.rawRepresentation),
                "senderSigningPublic": Hex.encode(inputs.signing.publicKey.rawRepresentation),
                "ephemeralAgreementPrivate": Hex.encode(inputs.randomness.ephemeralKey.rawRepresentation),
                "ephemeralAgreementPublic": Hex.encode(inputs.randomness.ephemeralKey.publicKey.rawRepresentation),
                "contentKey": Hex.encode(inputs.randomness.contentKey),
                "bundleID": inputs.randomness.bundleID.hex,
                "recipients": inputs.recipients.map { r -> VectorJSON.Object in
                    ["site": r.site.hex, "agreementPrivate": Hex.encode(r.key.rawRepresentation),
                     "agreementPublic": Hex.encode(r.key.publicKey.rawRepresentation)]
                },
            ],
            "draft": Self.json(inputs.draft),
            "expected": [
                "fileSize": bytes.count,
                "headerLength": header.encoded().count,
                "header": Hex.encode(header.encoded()),
                "headerHash": Hex.encode(Array(SHA256.hash(data: front))),
                "recipientOrder": header.recipients.map(\.site.hex),
                "wrappedKeys": header.wrappedKeys.map { Hex.encode($0) },
                "totalChanges": header.totalChanges,
                "frameCount": header.frameCount,
                "frames": frames,
                "digest": Hex.encode(verified.digest),
                "signature": Hex.encode(Array(bytes.suffix(64))),
            ] as VectorJSON.Object,
            "records": inputs.changes.map(VectorJSON.change),
        ]
        try VectorJSON.write(small, to: smallJSON)
        try VectorJSON.write(Self.invalidVectors(bytes: bytes, header: header, firstFrame: frames[0]), to: invalidJSON)
    }

    // MARK: - Inputs of v1-small

    struct SmallVectorInputs {
        static func seq(_ start: UInt8) -> [UInt8] { (0..<32).map { start &+ UInt8($0) } }

        let signing = try! SigningPrivateKey(rawRepresentation: seq(0x01))
        let randomness = BundleRandomness(bundleID: BundleID(hex: "0f5b1d2c3a4e5f60718293a4b5c6d7e8")!,
                                          contentKey: seq(0x61), ephemeralKey: try! AgreementPrivateKey(rawRepresentation: seq(0x41)))
        let hub = SiteID(hex: "00000000000000000000000000000001")!
        let archive = SiteID(hex: "63012200000000000000000000000002")!
        let station = SiteID(hex: "630122101000000000000000000000aa")!
        let frameTarget = 600
        var recipients: [(site: SiteID, key: AgreementPrivateKey)] {
            [(hub, try! AgreementPrivateKey(rawRepresentation: Self.seq(0x21))),
             (archive, try! AgreementPrivateKey(rawRepresentation: Self.seq(0x81)))]
        }

        var changes: [Change] {
            var out: [Change] = []
            var seq: UInt64 = 0
            func stamp(_ i: UInt64) -> HybridTimestamp { HybridTimestamp(millis: 1_795_920_000_000 + i * 1000, counter: UInt16(i % 3)) }
            func set(_ table: String, _ row: String, _ column: String, _ value: Value, base: CellVersion? = nil) {
                seq += 1
                out.append(.set(table, row, column, value, stamp: stamp(seq), origin: station, sequence: seq, base: base))
            }
            set("household", "h-7f3a", "head_name", .text("卓玛"))
            set("household", "h-7f3a", "address", .text("西宁市湟中区鲁沙尔镇"))
            set("household", "h-7f3a", "head_name_bo", .text("སྒྲོལ་མ།"))
            set("household", "h-7f3a", "note", .text("Cafe\u{0301} / caf\u{00E9} stay different"))
            set("household", "h-7f3a", "members", .integer(4))
            set("household", "h-7f3a", "income_monthly", .real(1234.5),
                base: CellVersion(stamp: HybridTimestamp(millis: 1_795_000_000_000, counter: 1), site: hub))
            set("household", "h-7f3a", "category", .null)
            set("member", "m-0001", "min_int", .integer(.min))
            set("member", "m-0001", "max_int", .integer(.max))
            set("member", "m-0001", "zero", .integer(0))
            set("member", "m-0001", "neg_zero", .real(-0.0))
            set("member", "m-0001", "nan_payload", .real(Double(bitPattern: 0x7FF8_0000_0000_1234)))
            set("member", "m-0001", "infinity", .real(-.infinity))
            set("member", "m-0001", "tiny", .real(.leastNonzeroMagnitude))
            set("member", "m-0001", "photo", .blob([0x00, 0xFF, 0x10, 0x80]))
            set("member", "m-0001", "empty_blob", .blob([]))
            set("member", "m-0001", "empty_text", .text(""))
            set("visit", "v-0042", "summary", .text("入户走访：家中三人，需复核收入。བཀྲ་ཤིས་བདེ་ལེགས།"))
            set("visit", "v-0042", "visited_on", .integer(20_261_128))
            seq += 1
            out.append(.delete("member", "m-0002", stamp: stamp(seq), origin: station, sequence: seq))
            return out
        }

        var draft: BundleDraft {
            BundleDraft(kind: .stationToHub, sender: station, senderName: "鲁沙尔镇社工站",
                        created: HybridTimestamp(millis: 1_795_920_100_000, counter: 0),
                        schemaName: "fieldsync.casework", schemaVersion: 3,
                        schemaFingerprint: Array(SHA256.hash(data: Array("schema fieldsync.casework 3\n".utf8))),
                        recipients: recipients.map { BundleRecipient(site: $0.site, key: $0.key.publicKey) },
                        senderVector: VersionVector([station: 20, hub: 5]), assumedVector: VersionVector([hub: 5]),
                        acknowledgement: nil, tableCounts: Fixtures.counts(changes))
        }
    }

    static func json(_ d: BundleDraft) -> VectorJSON.Object {
        [
            "kind": Int(d.kind.rawValue), "sender": d.sender.hex, "senderName": d.senderName,
            "created": String(d.created.rawValue), "schemaName": d.schemaName, "schemaVersion": d.schemaVersion,
            "schemaFingerprint": Hex.encode(d.schemaFingerprint),
            "recipients": d.recipients.map { ["site": $0.site.hex, "agreementPublic": Hex.encode($0.key.rawRepresentation)] },
            "senderVector": VectorJSON.vector(d.senderVector), "assumedVector": VectorJSON.vector(d.assumedVector),
            "acknowledgement": d.acknowledgement.map(VectorJSON.vector) ?? NSNull(),
            "tableCounts": d.tableCounts,
        ]
    }

    static func draft(from json: VectorJSON.Object) throws -> BundleDraft {
        guard let d = json["draft"] as? VectorJSON.Object, let kindRaw = d["kind"] as? Int,
              let kind = BundleKind(rawValue: UInt8(kindRaw)), let senderName = d["senderName"] as? String,
              let schemaName = d["schemaName"] as? String, let schemaVersion = d["schemaVersion"] as? Int,
              let recipients = d["recipients"] as? [VectorJSON.Object], let tableCounts = d["tableCounts"] as? [String: Int]
        else { throw VectorJSON.Failure("draft fields missing") }
        return BundleDraft(
            kind: kind, sender: try VectorJSON.site(d["sender"]), senderName: senderName,
            created: HybridTimestamp(rawValue: try VectorJSON.parse(UInt64.self, d["created"])),
            schemaName: schemaName, schemaVersion: schemaVersion, schemaFingerprint: try VectorJSON.hex(d["schemaFingerprint"]),
            recipients: try recipients.map { BundleRecipient(site: try VectorJSON.site($0["site"]),
                                                            key: try AgreementPublicKey(rawRepresentation: try VectorJSON.hex($0["agreementPublic"]))) },
            senderVector: try VectorJSON.vector(from: d["senderVector"]), assumedVector: try VectorJSON.vector(from: d["assumedVector"]),
            acknowledgement: d["acknowledgement"] is NSNull ? nil : try VectorJSON.vector(from: d["acknowledgement"]),
            tableCounts: tableCounts)
    }

    private func checkDraftFields(_ header: BundleHeader, _ json: VectorJSON.Object) throws {
        let d = try Self.draft(from: json)
        XCTAssertEqual(header.kind, d.kind)
        XCTAssertEqual(header.sender, d.sender)
        XCTAssertEqual(Array(header.senderName.utf8), Array(d.senderName.utf8))
        XCTAssertEqual(header.created, d.created)
        XCTAssertEqual(header.schemaName, d.schemaName)
        XCTAssertEqual(header.schemaVersion, d.schemaVersion)
        XCTAssertEqual(header.schemaFingerprint, d.schemaFingerprint)
        XCTAssertEqual(Set(header.recipients.map(\.site)), Set(d.recipients.map(\.site)))
        XCTAssertEqual(header.senderVector, d.senderVector)
        XCTAssertEqual(header.assumedVector, d.assumedVector)
        XCTAssertEqual(header.acknowledgement, d.acknowledgement)
        XCTAssertEqual(header.tableCounts, d.tableCounts)
    }

    // MARK: - Invalid vectors

    /// Applies a mutation of `v1-invalid.json` to the bytes of `v1-small.fsb`.
    static func apply(_ m: VectorJSON.Object, to original: [UInt8], signing: SigningPrivateKey) throws -> [UInt8] {
        var bytes = original
        if let offset = m["offset"] as? Int, let xor = m["xor"] as? Int { bytes[offset] ^= UInt8(xor) }
        if let length = m["truncateTo"] as? Int { bytes = Array(bytes.prefix(length)) }
        if let append = m["append"] as? String { bytes += Hex.decode(append) ?? [] }
        if m["resign"] as? Bool == true { bytes = try BundleCrafter.resigned(bytes, with: signing) }
        return bytes
    }

    static func invalidVectors(bytes: [UInt8], header: BundleHeader, firstFrame: VectorJSON.Object) -> VectorJSON.Object {
        let size = bytes.count
        let hlen = header.encoded().count
        let kindAt = 48 + 16
        let nameLength = header.senderName.utf8.count
        let createdAt = kindAt + 1 + 16 + 2 + nameLength
        let recipientCountAt = createdAt + 8 + 2 + header.schemaName.utf8.count + 4 + 32
        let recipient0 = recipientCountAt + 1
        let frame0 = firstFrame["offset"] as! Int
        let endMarker = size - 96 - 4
        var tests: [VectorJSON.Object] = []
        func add(_ rule: String, _ comment: String, _ mutation: VectorJSON.Object, _ error: String) {
            tests.append(["tcId": tests.count + 1, "comment": comment, "rule": rule, "mutation": mutation,
                          "result": "invalid", "error": error])
        }
        func flip(_ offset: Int, _ xor: Int = 1, resign: Bool = false) -> VectorJSON.Object {
            resign ? ["offset": offset, "xor": xor, "resign": true] : ["offset": offset, "xor": xor]
        }
        add("B1", "magic changed", flip(0), "notABundle")
        add("B2", "format version 1 -> 0", flip(9), "unsupportedVersion")
        add("B2", "format version 1 -> 3", flip(9, 2), "unsupportedVersion")
        add("B3", "unknown flag set", flip(11), "unsupportedFlags")
        add("B5", "sender key changed (the key is covered by the digest)", flip(12), "digestMismatch")
        add("B5", "header length changed", flip(47), "digestMismatch")
        add("B5", "header kind changed", flip(kindAt), "digestMismatch")
        add("B5", "first frame length changed", flip(frame0 + 3), "digestMismatch")
        add("B5", "first frame ciphertext changed", flip(frame0 + 10), "digestMismatch")
        add("B5", "end marker changed", flip(endMarker + 3), "digestMismatch")
        add("B5", "stored digest changed", flip(size - 96), "digestMismatch")
        add("B6", "signature first byte changed", flip(size - 64), "signatureInvalid")
        add("B6", "signature last byte changed", flip(size - 1, 0x80), "signatureInvalid")
        add("B4", "empty file", ["truncateTo": 0], "truncated")
        add("B4", "only part of the magic", ["truncateTo": 7], "truncated")
        add("B4", "preamble cut short", ["truncateTo": 47], "truncated")
        add("B4", "preamble only", ["truncateTo": 48], "truncated")
        add("B5", "cut inside the header", ["truncateTo": 48 + hlen / 2], "digestMismatch")
        add("B5", "cut inside the first frame", ["truncateTo": frame0 + 20], "digestMismatch")
        add("B5", "trailer missing", ["truncateTo": size - 96], "digestMismatch")
        add("B5", "last byte missing", ["truncateTo": size - 1], "digestMismatch")
        add("B5", "a byte appended", ["append": "00"], "digestMismatch")
        add("B6", "signed by another key than the preamble names",
            ["offset": 12, "xor": 1, "resign": true, "note": "re-signed with the original key after changing the preamble key"],
            "signatureInvalid")
        add("B9", "re-signed: kind 1 -> 0", flip(kindAt, 1, resign: true), "headerInvalid")
        add("B11", "re-signed: recipient count 2 -> 0", flip(recipientCountAt, 2, resign: true), "headerInvalid")
        add("B8", "re-signed: header length + 1 (a byte left over) or - 1 (header cut)", flip(47, 1, resign: true), "headerInvalid")
        add("B20", "re-signed: first recipient's site changed", flip(recipient0 + 15, 1, resign: true), "notARecipient")
        add("B21", "re-signed: first recipient's public key changed", flip(recipient0 + 16, 1, resign: true), "keyMismatch")
        add("B22", "re-signed: first recipient's wrapped key changed", flip(recipient0 + 48, 1, resign: true), "keyUnwrapFailed")
        add("B18", "re-signed: created stamp changed (frames authenticate the header)", flip(createdAt + 7, 1, resign: true),
            "frameAuthenticationFailed")
        add("B18", "re-signed: first frame ciphertext changed", flip(frame0 + 10, 1, resign: true), "frameAuthenticationFailed")
        add("B18", "re-signed: first frame tag changed", flip(frame0 + 4 + (firstFrame["sealedLength"] as! Int) - 1, 1, resign: true),
            "frameAuthenticationFailed")
        add("B16", "re-signed: first frame declares 16 MiB more", flip(frame0, 1, resign: true), "tooLarge")
        add("B23", "re-signed: end marker is not zero", flip(endMarker + 3, 1, resign: true), "bodyInvalid")
        // The sender vector's first entry: its sequence's top bit set (above 2^63 − 1).
        var senderVector = ByteWriter()
        BundleHeader.encode(header.senderVector, into: &senderVector)
        if let at = header.encoded().firstRange(of: senderVector.bytes)?.lowerBound {
            add("B12", "re-signed: first sender vector entry above 2^63 - 1", flip(48 + at + 4 + 16, 0x80, resign: true), "headerInvalid")
        }
        return [
            "algorithm": "FieldSync bundle v1",
            "source": "v1-small.fsb",
            "schema": "Wycheproof-shaped: each test mutates v1-small.fsb and must be rejected with `error` (a BundleError case name).",
            "notes": [
                "offset/xor": "XOR the byte at `offset` (0-based) with `xor`.",
                "truncateTo": "Keep only the first `truncateTo` bytes.",
                "append": "Append these hex bytes.",
                "resign": "After the mutation, replace the last 96 bytes with SHA-256 of all preceding bytes and an Ed25519 signature by keys.senderSigningPrivate of v1-small.json (over \"FieldSync bundle v1 signature\" ‖ digest): the test then reaches the checks behind the signature.",
                "reading": "Read as v1-small.json keys.recipients[0]: open, verify, open(as:), then read every batch. No batch may be delivered.",
            ] as VectorJSON.Object,
            "numberOfTests": tests.count,
            "testGroups": [["type": "BundleMutation", "tests": tests] as VectorJSON.Object],
        ]
    }
}
