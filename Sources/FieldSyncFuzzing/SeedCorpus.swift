import CZlib
import Crypto
import FieldSyncBundle
import FieldSyncCore
import FieldSyncSync
import Foundation

/// One starting input of a fuzz target, named for what it is.
public struct Seed: Sendable {
    public var target: FuzzTarget
    public var name: String
    public var bytes: [UInt8]
}

/// The seed corpora (`Fuzz/corpus/<target>/`), made from the test vectors and from files the
/// program itself writes with the fixed keys, so that each seed starts deep: a bundle seed
/// reads through to delivery, a file seed is accepted, and the fuzzer mutates from there.
///
/// Regenerate with `swift run fieldsync-fuzz seed Fuzz/corpus`; the output is the same on
/// every run (fixed keys, fixed randomness, fixed clock values).
public enum SeedCorpus {
    public static func make(vectors: String) throws -> [Seed] {
        try bundleSeeds(vectors: vectors) + enrollmentSeeds() + httpSeeds()
    }

    // MARK: - bundle

    static func bundleSeeds(vectors: String) throws -> [Seed] {
        var seeds: [Seed] = []
        let small = try [UInt8](Data(contentsOf: URL(fileURLWithPath: vectors + "/v1-small.fsb")))
        seeds += try layouts(of: small, named: "v1-small")
        for (name, file) in try writtenBundles() { seeds += try layouts(of: file, named: name) }
        for (id, mutated) in try invalidVectors(small, vectors: vectors) {
            seeds.append(Seed(target: .bundle, name: "v1-invalid-\(id).raw", bytes: rawLayout(of: mutated)))
        }
        return seeds
    }

    /// A written bundle in the three ways ``BundleAssembler`` reads input: the raw header
    /// and body; the header and each frame's zlib stream; the header and each frame's
    /// record block.
    static func layouts(of file: [UInt8], named name: String) throws -> [Seed] {
        let (header, streams) = try openFrames(file)
        let sealed = [BundleAssembler.Layout.sealed.rawValue] + .u32(header.count) + header
        return [
            Seed(target: .bundle, name: "\(name).raw", bytes: rawLayout(of: file)),
            Seed(target: .bundle, name: "\(name).zlib", bytes: streams.reduce(sealed) { $0 + [0] + .u32($1.count) + $1 }),
            Seed(target: .bundle, name: "\(name).blocks",
                 bytes: try streams.reduce(sealed) { $0 + [BundleAssembler.compressOption] + .u32(try inflate($1).count) + (try inflate($1)) }),
        ]
    }

    static func rawLayout(of file: [UInt8]) -> [UInt8] {
        let headerLength = file[44..<48].reduce(0) { $0 << 8 | Int($1) }
        return [BundleAssembler.Layout.raw.rawValue] + .u32(headerLength) + file[48..<max(48, file.count - BundleFormat.trailerSize)]
    }

    /// The header of a bundle sealed under the vector's content key, and the zlib stream of
    /// each of its frames.
    static func openFrames(_ file: [UInt8]) throws -> (header: [UInt8], streams: [[UInt8]]) {
        let headerLength = file[44..<48].reduce(0) { $0 << 8 | Int($1) }
        let header = Array(file[48..<48 + headerLength])
        let headerHash = Array(SHA256.hash(data: file[0..<48 + headerLength]))
        let frameCount = header.suffix(4).reduce(0) { $0 << 8 | Int($1) }
        let key = SymmetricKey(data: FuzzKeys.contentKey)
        var offset = 48 + headerLength
        var streams: [[UInt8]] = []
        for index in 0..<frameCount {
            let length = file[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let sealed = file[offset + 4..<offset + 4 + length]
            let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: [0, 0, 0, 0] + .u64(UInt64(index))),
                                               ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
            streams.append(Array(try ChaChaPoly.open(box, using: key,
                                                     authenticating: headerHash + .u32(index) + [index == frameCount - 1 ? 1 : 0])))
            offset += 4 + length
        }
        return (header, streams)
    }

    struct SeedError: Error, CustomStringConvertible {
        var description: String
    }

    static func inflate(_ stream: [UInt8]) throws -> [UInt8] {
        var size = uLong(BundleFormat.maxBlockSize)
        var out = [UInt8](repeating: 0, count: Int(size))
        let rc = out.withUnsafeMutableBufferPointer { o in
            stream.withUnsafeBufferPointer { uncompress(o.baseAddress, &size, $0.baseAddress, uLong(stream.count)) }
        }
        guard rc == Z_OK else { throw SeedError(description: "a seed frame does not inflate (zlib \(rc))") }
        return Array(out.prefix(Int(size)))
    }

    /// Bundles the program's writer makes with the fixed keys: empty, one frame, several
    /// frames of a return bundle with an acknowledgement, and many tables.
    static func writtenBundles() throws -> [(String, [UInt8])] {
        let station = SiteID(hex: "630106100000000000000000000000aa")!
        let recipients = [BundleRecipient(site: FuzzKeys.recipientSite, key: FuzzKeys.recipientAgreement.publicKey),
                          BundleRecipient(site: FuzzKeys.otherSite, key: FuzzKeys.otherAgreement.publicKey)]
        func change(_ i: Int, table: String, value: Value) -> Change {
            let stamp = HybridTimestamp(millis: 1_795_920_000_000 + UInt64(i), counter: UInt16(i % 3))
            if i % 9 == 8 { return .delete(table, "row-\(i / 4)", stamp: stamp, origin: station, sequence: UInt64(i + 1)) }
            let base = i % 5 == 2 ? CellVersion(stamp: HybridTimestamp(millis: 1_795_000_000_000, counter: 0), site: FuzzKeys.recipientSite) : nil
            return .set(table, "row-\(i / 4)", "col_\(i % 6)", value, stamp: stamp, origin: station, sequence: UInt64(i + 1), base: base)
        }
        let values: [Value] = [.null, .integer(.min), .integer(42), .real(-0.0), .real(.nan), .text("鲁沙尔镇 བཀྲ་ཤིས"),
                               .text(""), .blob([0, 255, 7]), .integer(.max)]
        let oneFrame = (0..<18).map { change($0, table: $0 % 2 == 0 ? "household" : "member", value: values[$0 % values.count]) }
        let manyFrames = (0..<60).map { change($0, table: "visit", value: .text(String(repeating: "访", count: $0 % 40))) }
        let manyTables = (0..<24).map { change($0, table: "t\($0 % 12)", value: values[$0 % values.count]) }

        func write(_ changes: [Change], kind: BundleKind, acknowledgement: VersionVector? = nil,
                   frameTarget: Int = BundleFormat.defaultFrameTarget) throws -> [UInt8] {
            let draft = BundleDraft(kind: kind, sender: station, senderName: "鲁沙尔镇社工站",
                                    created: HybridTimestamp(millis: 1_795_920_000_000, counter: 1),
                                    schemaName: "fieldsync.casework", schemaVersion: 4,
                                    schemaFingerprint: (0..<32).map { UInt8($0) }, recipients: recipients,
                                    senderVector: VersionVector([station: UInt64(changes.count)]),
                                    assumedVector: VersionVector([FuzzKeys.recipientSite: 3]),
                                    acknowledgement: acknowledgement,
                                    tableCounts: changes.reduce(into: [:]) { $0[$1.table, default: 0] += 1 })
            let path = ScratchFolder.shared.fresh("seed.fsb")
            let writer = try BundleWriter(path: path, draft: draft, signingKey: FuzzKeys.senderSigning,
                                          randomness: FuzzKeys.randomness, frameTarget: frameTarget)
            try writer.append(contentsOf: changes)
            _ = try writer.finish()
            return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return [
            ("written-empty", try write([], kind: .stationToHub)),
            ("written-one-frame", try write(oneFrame, kind: .stationToHub)),
            ("written-return-frames", try write(manyFrames, kind: .hubToStation,
                                                acknowledgement: VersionVector([station: 60, FuzzKeys.recipientSite: 9]),
                                                frameTarget: 512)),
            ("written-many-tables", try write(manyTables, kind: .stationToHub)),
        ]
    }

    /// `v1-small.fsb` mutated as each negative vector of `v1-invalid.json` says (offset and
    /// xor, truncate, append), where the mutation lies in the header or body.
    static func invalidVectors(_ small: [UInt8], vectors: String) throws -> [(Int, [UInt8])] {
        let data = try Data(contentsOf: URL(fileURLWithPath: vectors + "/v1-invalid.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let groups = root["testGroups"] as? [[String: Any]]
        else { throw SeedError(description: "v1-invalid.json has no testGroups") }
        var out: [(Int, [UInt8])] = []
        for test in groups.flatMap({ $0["tests"] as? [[String: Any]] ?? [] }) {
            guard let id = test["tcId"] as? Int, let mutation = test["mutation"] as? [String: Any] else { continue }
            var file = small
            if let offset = mutation["offset"] as? Int, let xor = mutation["xor"] as? Int, offset < file.count {
                file[offset] ^= UInt8(truncatingIfNeeded: xor)
            }
            if let length = mutation["truncateTo"] as? Int { file = Array(file.prefix(length)) }
            if let hex = mutation["append"] as? String, let extra = Hex.decode(hex) { file += extra }
            // The harness writes its own preamble and trailer: only mutations of the header
            // and body survive it.
            if file.count >= 48 + BundleFormat.trailerSize, rawLayout(of: file) != rawLayout(of: small) { out.append((id, file)) }
        }
        return out
    }

    // MARK: - enrollment

    static func enrollmentSeeds() throws -> [Seed] {
        func seed(_ form: EnrollmentHarness.Form, _ name: String, _ bytes: [UInt8]) -> Seed {
            Seed(target: .enrollment, name: name, bytes: [form.rawValue] + bytes)
        }
        func file(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }
        let station = NodeIdentity(site: FuzzKeys.recipientSite, name: "鲁沙尔镇社工站", role: .station, township: "630106100",
                                   signingKey: FuzzKeys.senderSigning, agreementKey: FuzzKeys.recipientAgreement)
        let hubIdentity = NodeIdentity(site: FuzzKeys.otherSite, name: "湟中区民政局", role: .hub, township: nil,
                                       signingKey: try SigningPrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32)),
                                       agreementKey: FuzzKeys.otherAgreement)
        let scratch = ScratchFolder.shared
        let request = scratch.fresh("seed-request.json")
        try EnrollmentRequest.write(for: station, atMillis: 1_795_920_000_000, schemaVersion: 4, to: request)
        let countyRequest = scratch.fresh("seed-county-request.json")
        try EnrollmentRequest.write(for: hubIdentity, atMillis: 1_795_920_000_000, county: "630122", to: countyRequest)
        let hub = try Hub.initialize(at: scratch.fresh("seed-hub"), name: hubIdentity.name,
                                     wallClock: { 1_795_920_000_000 }, identity: hubIdentity)
        let enrollment = scratch.fresh("seed-enrollment.json")
        try hub.enroll(EnrollmentRequest.read(from: request), out: enrollment)
        let stationKeys = scratch.fresh("seed-station-identity.json")
        try station.save(to: stationKeys)
        let hubKeys = scratch.fresh("seed-hub-identity.json")
        try hubIdentity.save(to: hubKeys)

        func text(_ s: String) -> [UInt8] { .u16(s.utf8.count) + Array(s.utf8) }
        return [
            seed(.requestFile, "request-station.json", try file(request)),
            seed(.requestFile, "request-county-hub.json", try file(countyRequest)),
            seed(.enrollmentFile, "enrollment.json", try file(enrollment)),
            seed(.identityFile, "identity-station.json", try file(stationKeys)),
            seed(.identityFile, "identity-hub.json", try file(hubKeys)),
            seed(.signedRequest, "signed-request-station", text("鲁沙尔镇社工站") + text("630106100") + [2] + .u32(4) + .u64(1_795_920_000_000)),
            seed(.signedRequest, "signed-request-county-hub", text("湟中区民政局") + text("630122") + [1] + .u64(1_795_920_000_000)),
            seed(.savedIdentity, "saved-identity-station", text("田家寨镇社工站") + [2] + text("630106101")),
            seed(.savedIdentity, "saved-identity-hub", text("湟中区民政局") + [1]),
        ]
    }
}
