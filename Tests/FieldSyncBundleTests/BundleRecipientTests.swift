@testable import FieldSyncBundle
import FieldSyncCore
import Foundation
import XCTest

/// Rules B20–B22: only the stations a bundle is addressed to can read it.
final class BundleRecipientTests: XCTestCase {
    func testBundleForTwoRecipientsIsReadableByEachAndByNobodyElse_B20() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 300)
        let recipients = [BundleRecipient(site: Fixtures.hubSite, key: Fixtures.hubAgreement.publicKey),
                          BundleRecipient(site: Fixtures.otherStationSite, key: Fixtures.otherAgreement.publicKey)]
        let path = try writeBundle(changes, in: folder, draft: Fixtures.draft(for: changes, recipients: recipients))

        XCTAssertEqual(try readAll(path, as: Fixtures.hubSite, key: Fixtures.hubAgreement).1.flatMap { $0 }, changes)
        XCTAssertEqual(try readAll(path, as: Fixtures.otherStationSite, key: Fixtures.otherAgreement).1.flatMap { $0 }, changes)

        let verified = try UnverifiedBundle.open(path: path).verify()
        let stranger = SiteID(hex: "ffffffffffffffffffffffffffffffff")!
        XCTAssertThrowsError(try verified.open(as: stranger, key: AgreementPrivateKey())) {
            XCTAssertEqual($0 as? BundleError, .notARecipient(stranger))
        }
    }

    func testRecipientWithAnotherKeyIsToldTheKeyDiffers_B21() throws {
        let folder = TemporaryFolder()
        let path = try writeBundle(Fixtures.changes(count: 5), in: folder)
        let verified = try UnverifiedBundle.open(path: path).verify()
        XCTAssertThrowsError(try verified.open(as: Fixtures.hubSite, key: Fixtures.otherAgreement)) {
            XCTAssertEqual($0 as? BundleError, .keyMismatch(Fixtures.hubSite))
        }
    }

    func testWrongRecipientNeverSeesABatch_B20() throws {
        let folder = TemporaryFolder()
        let path = try writeBundle(Fixtures.changes(count: 5), in: folder)
        XCTAssertThrowsError(try readAll(path, as: Fixtures.otherStationSite, key: Fixtures.otherAgreement)) {
            XCTAssertEqual($0 as? BundleError, .notARecipient(Fixtures.otherStationSite))
            XCTAssertTrue("\($0)".contains("not addressed to 63012210"))
        }
    }

    func testWrappedKeyForOneRecipientDoesNotOpenForAnother_B22() throws {
        // Swap the two recipients' wrapped keys and re-sign: each unwrap must fail.
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 3)
        let recipients = [BundleRecipient(site: Fixtures.hubSite, key: Fixtures.hubAgreement.publicKey),
                          BundleRecipient(site: Fixtures.otherStationSite, key: Fixtures.otherAgreement.publicKey)]
        var crafter = try BundleCrafter(headerFor: [])
        let writer = try BundleWriter(path: folder.file("w.fsb"), draft: Fixtures.draft(for: changes, recipients: recipients),
                                      signingKey: Fixtures.stationSigning, randomness: Fixtures.randomness())
        try writer.append(contentsOf: changes)
        crafter.header = try writer.finish()
        crafter.header.wrappedKeys.swapAt(0, 1)
        let bytes = try crafter.bytes([.block(BundleCrafter.block(changes))])
        XCTAssertEqual(readingError(bytes, in: folder), .keyUnwrapFailed)
    }

    func testHeaderIsReadableWithoutARecipientKey() throws {
        let folder = TemporaryFolder()
        let path = try writeBundle(Fixtures.changes(count: 5), in: folder)
        let unverified = try UnverifiedBundle.open(path: path)
        XCTAssertEqual(unverified.signerKey, Fixtures.stationSigning.publicKey)
        let header = try unverified.verify().header
        XCTAssertEqual(header.totalChanges, 5)
        XCTAssertEqual(header.recipients.map(\.site), [Fixtures.hubSite])
    }

    func testLowOrderRecipientKeyIsRefusedByTheWriter() throws {
        let folder = TemporaryFolder()
        let zero = try AgreementPublicKey(rawRepresentation: [UInt8](repeating: 0, count: 32))
        let draft = Fixtures.draft(for: [], recipients: [BundleRecipient(site: Fixtures.hubSite, key: zero)])
        XCTAssertThrowsError(try BundleWriter(path: folder.file("x.fsb"), draft: draft, signingKey: Fixtures.stationSigning)) {
            XCTAssertEqual(($0 as? BundleError)?.code, "invalidKey")
        }
        XCTAssertEqual(folder.contents, [])
    }
}
