import FieldSyncTestSupport
import Foundation
import XCTest

/// The passphrase that seals a folder's private keys, as a caseworker or a script meets it:
/// each place it may come from, a wrong one, a careless passphrase file, folders written
/// without one, and `fieldsync key protect` / `change-passphrase`.
final class PassphraseCommandLineTests: CLITestCase {
    /// A passphrase file with `mode`, holding `text`.
    func passphraseFile(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = folder.sub(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func identity(_ dir: String) throws -> [String: Any] {
        try json(String(decoding: FileManager.default.contents(atPath: dir + "/identity.json") ?? Data(), as: UTF8.self))
    }

    let noPassphrase = ["FIELDSYNC_PASSPHRASE", "FIELDSYNC_PASSPHRASE_FILE"]

    func testInitSealsTheKeysAndEveryCommandOpensThemWithThePassphrase() throws {
        let (hub, station) = try enrolledPair(protected: true)
        XCTAssertEqual(try identity(hub)["format"] as? String, "fieldsync-identity-v2")
        XCTAssertEqual(try identity(station)["format"] as? String, "fieldsync-identity-v2")
        XCTAssertNil(try identity(station)["signingKey"], "no private key field in a sealed file")
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        try ok(["station", "export", station, "--out", folder.sub("usb") + "/"])
        try ok(["hub", "merge", hub, folder.sub("usb")])
    }

    func testPassphraseComesFromTheOptionThenTheFileVariableThenThePassphraseVariable() throws {
        let (hub, _) = try enrolledPair(protected: true)
        let right = try passphraseFile("right.txt", Self.passphrase + "\n")
        let wrong = try passphraseFile("wrong.txt", "not it\n")
        try ok(["hub", "status", hub, "--passphrase-file", right], unset: noPassphrase)
        try ok(["hub", "status", hub], environment: ["FIELDSYNC_PASSPHRASE_FILE": right], unset: ["FIELDSYNC_PASSPHRASE"])
        try ok(["hub", "status", hub])
        // The option wins over both variables, the file variable over the passphrase variable.
        XCTAssertEqual(try run(["hub", "status", hub, "--passphrase-file", wrong], environment: ["FIELDSYNC_PASSPHRASE_FILE": right]).status, 1)
        XCTAssertEqual(try run(["hub", "status", hub], environment: ["FIELDSYNC_PASSPHRASE_FILE": wrong]).status, 1)
        try ok(["hub", "status", hub, "--passphrase-file", right], environment: ["FIELDSYNC_PASSPHRASE_FILE": wrong, "FIELDSYNC_PASSPHRASE": "not it"])
    }

    func testWithoutAnyPassphraseSourceOrTerminalTheErrorSaysHowToGiveOne() throws {
        let (_, station) = try enrolledPair(protected: true)
        let result = try run(["station", "status", station], unset: noPassphrase)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("--passphrase-file"), result.stderr)
        XCTAssertTrue(result.stderr.contains("FIELDSYNC_PASSPHRASE_FILE"), result.stderr)
        XCTAssertTrue(result.stderr.contains("需要口令"), result.stderr)
    }

    func testWrongPassphraseIsRefusedNamingIdentityJsonAndChangesNothing() throws {
        let (_, station) = try enrolledPair(protected: true)
        let before = try ok(["digest", station]).stdout
        let result = try run(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"],
                             environment: ["FIELDSYNC_PASSPHRASE": "not it"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("the passphrase does not open identity.json"), result.stderr)
        XCTAssertTrue(result.stderr.contains("口令无法打开 identity.json"), result.stderr)
        XCTAssertFalse(result.stderr.contains("not it"), "the passphrase is never repeated")
        XCTAssertEqual(try ok(["digest", station], unset: noPassphrase).stdout, before, "digest reads no private key and needs no passphrase")
    }

    func testInitWithoutPassphraseOrTerminalRefusesUnlessUnprotectedKeyIsAsked() throws {
        let hub = folder.sub("hub")
        let refused = try run(["hub", "init", hub, "--name", "湟中区民政局"], unset: noPassphrase)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--unprotected-key"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: hub), "nothing is created")
        let made = try ok(["hub", "init", hub, "--name", "湟中区民政局", "--unprotected-key"], unset: noPassphrase)
        XCTAssertTrue(made.stderr.contains("NOT protected"), made.stderr)
        XCTAssertEqual(try identity(hub)["format"] as? String, "fieldsync-identity-v1")
        let opened = try ok(["hub", "status", hub], unset: noPassphrase)
        XCTAssertTrue(opened.fullStderr.contains(Run.unprotectedKeyWarning), "every command says the keys are open: \(opened.fullStderr)")
    }

    /// A folder restored from a copy taken before `key protect` opens without a
    /// passphrase; nothing in it can tell, so every command says so.
    func testKeysRestoredFromAnUnprotectedCopyAreNamedOnEveryCommand() throws {
        let station = folder.sub("station")
        try ok(["station", "init", station, "--name", "鲁沙尔镇社工站", "--township", "630106100", "--request", folder.sub("req.json"),
                "--unprotected-key"])
        let copy = try XCTUnwrap(FileManager.default.contents(atPath: station + "/identity.json"))
        try ok(["key", "protect", station])
        XCTAssertFalse(try ok(["station", "status", station]).fullStderr.contains(Run.unprotectedKeyWarning))
        try copy.write(to: URL(fileURLWithPath: station + "/identity.json"))
        let restored = try ok(["station", "status", station, "--json"], unset: noPassphrase)
        XCTAssertTrue(restored.fullStderr.contains(Run.unprotectedKeyWarning), restored.fullStderr)
        XCTAssertTrue(restored.fullStderr.contains("fieldsync key protect \(station)"), restored.fullStderr)
        XCTAssertNoThrow(try json(restored.stdout), "the warning stays off standard output")
    }

    func testANewPassphraseTooShortOrTooPlainIsRefusedAndChangesNothing() throws {
        let hub = folder.sub("hub")
        for weak in ["1", "1234", "qinghai1", "1111111111", "abababababab"] {
            let refused = try run(["hub", "init", hub, "--name", "湟中区民政局"], environment: ["FIELDSYNC_PASSPHRASE": weak])
            XCTAssertEqual(refused.status, 1, weak)
            XCTAssertTrue(refused.stderr.contains("too weak") && refused.stderr.contains("口令太弱"), refused.stderr)
            if weak.count >= 4 { XCTAssertFalse(refused.stderr.contains(weak), "the passphrase is never repeated") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: hub + "/identity.json"), "no keys written for \(weak)")
        }
        try ok(["hub", "init", hub, "--name", "湟中区民政局"], environment: ["FIELDSYNC_PASSPHRASE": "青海湟中 2026 春"])
        let weakNew = try run(["key", "change-passphrase", hub], environment: ["FIELDSYNC_PASSPHRASE": "青海湟中 2026 春",
                                                                               "FIELDSYNC_NEW_PASSPHRASE": "short"])
        XCTAssertEqual(weakNew.status, 1)
        XCTAssertTrue(weakNew.stderr.contains("too weak"), weakNew.stderr)
        try ok(["hub", "status", hub], environment: ["FIELDSYNC_PASSPHRASE": "青海湟中 2026 春"])
    }

    func testPassphraseFileOthersMayReadIsRefusedAndItsFinalNewlineIsDropped() throws {
        let (hub, _) = try enrolledPair(protected: true)
        let open = try passphraseFile("open.txt", Self.passphrase + "\n", mode: 0o644)
        let refused = try run(["hub", "status", hub, "--passphrase-file", open])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("chmod 600"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("mode 644"), refused.stderr)
        try ok(["hub", "status", hub, "--passphrase-file", try passphraseFile("crlf.txt", Self.passphrase + "\r\n")], unset: noPassphrase)
        let doubled = try passphraseFile("doubled.txt", Self.passphrase + "\n\n")
        XCTAssertEqual(try run(["hub", "status", hub, "--passphrase-file", doubled], unset: noPassphrase).status, 1, "only one final newline is dropped")
    }

    func testKeyProtectSealsAnUnprotectedFolderAndLeavesNoPrivateKeyBytesInTheClear() throws {
        let station = folder.sub("station")
        try ok(["station", "init", station, "--name", "鲁沙尔镇社工站", "--township", "630106100", "--request", folder.sub("req.json"),
                "--unprotected-key"])
        let plain = try identity(station)
        let secrets = try ["signingKey", "agreementKey"].map { try XCTUnwrap(Data(base64Encoded: XCTUnwrap(plain[$0] as? String))) }
        try ok(["key", "protect", station])
        let sealed = try XCTUnwrap(FileManager.default.contents(atPath: station + "/identity.json"))
        let text = String(decoding: sealed, as: UTF8.self)
        XCTAssertTrue(text.contains("fieldsync-identity-v2"))
        for secret in secrets {
            XCTAssertNil(sealed.range(of: secret), "raw private key bytes")
            XCTAssertFalse(text.contains(secret.base64EncodedString()), "private key in base64")
            XCTAssertFalse(text.lowercased().contains(secret.map { String(format: "%02x", $0) }.joined()), "private key in hex")
        }
        try ok(["station", "status", station])
        XCTAssertEqual(try run(["station", "status", station], unset: noPassphrase).status, 1)
        let again = try run(["key", "protect", station])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already protected"), again.stderr)
    }

    func testChangePassphraseSealsTheSameKeysUnderTheNewOne() throws {
        let (hub, _) = try enrolledPair(protected: true)
        let signingKey = try XCTUnwrap(identity(hub)["signingPublicKey"] as? String)
        try ok(["key", "change-passphrase", hub], environment: ["FIELDSYNC_NEW_PASSPHRASE": "新的 new one"])
        XCTAssertEqual(try run(["hub", "status", hub]).status, 1, "the old passphrase no longer opens it")
        try ok(["hub", "status", hub], environment: ["FIELDSYNC_PASSPHRASE": "新的 new one"])
        XCTAssertEqual(try identity(hub)["signingPublicKey"] as? String, signingKey, "the keys are the same")
        let noNew = try run(["key", "change-passphrase", hub], environment: ["FIELDSYNC_PASSPHRASE": "新的 new one"])
        XCTAssertEqual(noNew.status, 1)
        XCTAssertTrue(noNew.stderr.contains("--new-passphrase-file"), noNew.stderr)
    }
}
