import FieldSyncBundle
import FieldSyncCore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// `identity.json` sealed under a passphrase (format v2) and in the clear (v1, still read).
final class IdentityFileTests: SyncTestCase {
    func identity(rotations: Int = 0) -> NodeIdentity {
        var rng = SystemRandomNumberGenerator()
        var id = NodeIdentity.make(name: "湟中区民政局", role: .hub, township: nil, using: &rng)
        for i in 0..<rotations { id = id.rotated(atMillis: 1_000 + UInt64(i), using: &rng) }
        return id
    }

    func testSealedFileOpensWithItsPassphraseWithEveryRetiredKeyPair() throws {
        let id = identity(rotations: 2)
        let path = folder.sub("identity.json")
        try id.save(to: path, protectedBy: Passphrase("正确 right", source: "test"))
        let back = try NodeIdentity.load(from: path, passphrase: Passphrase("正确 right", source: "test"))
        XCTAssertEqual(back.signingKey.rawRepresentation, id.signingKey.rawRepresentation)
        XCTAssertEqual(back.agreementKey.rawRepresentation, id.agreementKey.rawRepresentation)
        XCTAssertEqual(back.retired.map(\.signingKey.rawRepresentation), id.retired.map(\.signingKey.rawRepresentation))
        XCTAssertEqual(back.retired.map(\.agreementKey.rawRepresentation), id.retired.map(\.agreementKey.rawRepresentation))
        XCTAssertEqual(back.retired.map(\.retiredAtMillis), [1_000, 1_001])
        let card = try NodeIdentity.card(at: path)
        XCTAssertTrue(card.isProtected)
        XCTAssertEqual(card.signingKey, id.signingKey.publicKey)
        XCTAssertEqual(card.name, id.name)
    }

    func testWrongOrMissingPassphraseIsATypedErrorNamingTheFile() throws {
        let path = folder.sub("identity.json")
        try identity().save(to: path, protectedBy: Passphrase("right", source: "test"))
        XCTAssertThrowsError(try NodeIdentity.load(from: path, passphrase: Passphrase("wrong", source: "test"))) { error in
            guard case SyncError.key(.wrongPassphrase(path)) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("the passphrase does not open identity.json"))
        }
        XCTAssertThrowsError(try NodeIdentity.load(from: path)) { error in
            guard case SyncError.key(.passphraseNeeded(path)) = error else { return XCTFail("\(error)") }
        }
    }

    func testChangingAClearFieldOfASealedFileMakesItNotOpen() throws {
        let path = folder.sub("identity.json")
        try identity().save(to: path, protectedBy: Passphrase("right", source: "test"))
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "湟中区民政局", with: "假冒的中心")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NodeIdentity.load(from: path, passphrase: Passphrase("right", source: "test"))) { error in
            guard case SyncError.key(.wrongPassphrase) = error else { return XCTFail("\(error)") }
        }
    }

    func testSealAskingForScryptParametersBeyondTheLimitIsRefusedBeforeDerivingAnything() throws {
        let path = folder.sub("identity.json")
        try identity().save(to: path, protectedBy: Passphrase("right", source: "test"))
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"logN\" : 15", with: "\"logN\" : 30")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NodeIdentity.load(from: path, passphrase: Passphrase("right", source: "test"))) { error in
            guard case SyncError.key(.sealDamaged) = error else { return XCTFail("\(error)") }
        }
    }

    func testUnprotectedFileOfAnEarlierReleaseStillOpensWithoutAPassphrase() throws {
        let id = identity()
        let path = folder.sub("identity.json")
        let v1 = """
            {"format": "fieldsync-identity-v1", "site": "\(id.site.hex)", "name": "\(id.name)", "role": "hub",
             "signingKey": "\(Data(id.signingKey.rawRepresentation).base64EncodedString())",
             "agreementKey": "\(Data(id.agreementKey.rawRepresentation).base64EncodedString())"}
            """
        try v1.write(toFile: path, atomically: true, encoding: .utf8)
        let back = try NodeIdentity.load(from: path, passphrase: Passphrase("ignored", source: "test"))
        XCTAssertEqual(back.signingKey.publicKey, id.signingKey.publicKey)
        XCTAssertFalse(try NodeIdentity.card(at: path).isProtected)
        try NodeFolder(folder.path).protectIdentity(with: Passphrase("now", source: "test"))
        XCTAssertEqual(try NodeIdentity.load(from: path, passphrase: Passphrase("now", source: "test")).agreementKey.publicKey, id.agreementKey.publicKey)
    }

    func testEmptyPassphraseIsRefused() {
        XCTAssertThrowsError(try Passphrase("", source: "FIELDSYNC_PASSPHRASE")) { error in
            XCTAssertEqual(error as? KeyError, .passphraseEmpty(source: "FIELDSYNC_PASSPHRASE"))
        }
    }
}
