@testable import FieldSyncBundle
import FieldSyncCore
import FieldSyncTestSupport
import Foundation
import XCTest

/// Keys, drafts, changes and temporary folders shared by the bundle tests.
enum Fixtures {
    static let hubSite = SiteID(hex: "00000000000000000000000000000001")!
    static let stationSite = SiteID(hex: "630122101000000000000000000000aa")!
    static let otherStationSite = SiteID(hex: "630122102000000000000000000000bb")!

    static func key(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 31) + [byte &+ 1] }

    static let stationSigning = try! SigningPrivateKey(rawRepresentation: key(0x11))
    static let hubAgreement = try! AgreementPrivateKey(rawRepresentation: key(0x22))
    static let otherAgreement = try! AgreementPrivateKey(rawRepresentation: key(0x33))

    static func randomness(_ seed: UInt8 = 0x44) -> BundleRandomness {
        BundleRandomness(bundleID: BundleID(bytes: [UInt8](repeating: seed, count: 16))!,
                         contentKey: [UInt8](repeating: seed &+ 1, count: 32),
                         ephemeralKey: try! AgreementPrivateKey(rawRepresentation: key(seed &+ 2)))
    }

    static func counts(_ changes: [Change]) -> [String: Int] {
        changes.reduce(into: [:]) { $0[$1.table, default: 0] += 1 }
    }

    static func draft(for changes: [Change], recipients: [BundleRecipient]? = nil,
                      acknowledgement: VersionVector? = nil) -> BundleDraft {
        BundleDraft(kind: .stationToHub, sender: stationSite, senderName: "鲁沙尔镇社工站",
                    created: HybridTimestamp(millis: 1_795_920_000_000, counter: 3),
                    schemaName: "fieldsync.casework", schemaVersion: 4,
                    schemaFingerprint: (0..<32).map { UInt8($0) },
                    recipients: recipients ?? [BundleRecipient(site: hubSite, key: hubAgreement.publicKey)],
                    senderVector: VersionVector([stationSite: UInt64(changes.count), hubSite: 12]),
                    assumedVector: VersionVector([hubSite: 12]),
                    acknowledgement: acknowledgement, tableCounts: counts(changes))
    }

    /// Every value kind, including the awkward ones.
    static let awkwardValues: [Value] = [
        .null, .integer(.min), .integer(.max), .integer(0), .integer(-1),
        .real(-0.0), .real(0.0), .real(.infinity), .real(-.infinity), .real(.leastNonzeroMagnitude),
        .real(Double(bitPattern: 0x7FF8_0000_0000_1234)), .real(Double(bitPattern: 0xFFF0_0000_0000_0001)),
        .text(""), .text("西宁市湟中区鲁沙尔镇"), .text("བཀྲ་ཤིས་བདེ་ལེགས།"), .text("e\u{0301}"), .text("\u{00E9}"),
        .blob([]), .blob([0, 255, 1]),
    ]

    /// `count` changes from a seeded generator, cycling through every value kind, with
    /// some deletes and some reviewed-column bases.
    static func changes(count: Int, seed: UInt64 = 7, blobSize: Int = 64) -> [Change] {
        var g = SeededGenerator(seed: seed)
        let tables = ["household", "member", "visit", "application"]
        return (0..<count).map { i in
            let table = tables[i % tables.count]
            let stamp = HybridTimestamp(millis: 1_795_920_000_000 + UInt64(i), counter: UInt16(i % 5))
            if i % 97 == 13 {
                return .delete(table, "row-\(i / 3)", stamp: stamp, origin: stationSite, sequence: UInt64(i + 1))
            }
            let value: Value
            switch i % 6 {
            case 0: value = awkwardValues[i / 6 % awkwardValues.count]
            case 1: value = .integer(Int64(bitPattern: g.next()))
            case 2: value = .real(Double(bitPattern: g.next()))
            case 3: value = .text("户主\(i) བཀྲ་ཤིས \(g.next())")
            case 4: value = .blob((0..<blobSize).map { _ in UInt8.random(in: 0...255, using: &g) })
            default: value = .null
            }
            let base = i % 11 == 5 ? CellVersion(stamp: HybridTimestamp(rawValue: g.next() >> 1), site: hubSite) : nil
            return .set(table, "row-\(i / 3)", "col_\(i % 7)", value, stamp: stamp, origin: stationSite,
                        sequence: UInt64(i + 1), base: base)
        }
    }
}

/// A fresh temporary folder, removed when the test ends.
final class TemporaryFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "fsb-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? [] }
}

extension XCTestCase {
    /// Writes `changes` to a bundle in `folder` and returns its path.
    @discardableResult
    func writeBundle(_ changes: [Change], in folder: TemporaryFolder, name: String = "b.fsb",
                     draft: BundleDraft? = nil, randomness: BundleRandomness = Fixtures.randomness(),
                     frameTarget: Int = BundleFormat.defaultFrameTarget) throws -> String {
        let path = folder.file(name)
        let writer = try BundleWriter(path: path, draft: draft ?? Fixtures.draft(for: changes),
                                      signingKey: Fixtures.stationSigning, randomness: randomness, frameTarget: frameTarget)
        try writer.append(contentsOf: changes)
        _ = try writer.finish()
        return path
    }

    /// Opens, verifies, opens for `site` and reads every batch.
    func readAll(_ path: String, as site: SiteID = Fixtures.hubSite,
                 key: AgreementPrivateKey = Fixtures.hubAgreement) throws -> (BundleHeader, [[Change]]) {
        let verified = try UnverifiedBundle.open(path: path).verify()
        let readable = try verified.open(as: site, key: key)
        var batches: [[Change]] = []
        try readable.forEachBatch { batches.append($0) }
        return (readable.header, batches)
    }
}
