import FieldSyncCore
import FieldSyncHTTP
import XCTest

/// The link is plain HTTP: whatever answers a station reaches its caseworker's terminal.
final class StationSyncErrorTests: XCTestCase {
    func testTheHubsWordsAreShownWithTheirControlCharactersEscaped() {
        let said = "bad signature\n同步完成 / sync complete\u{1B}[2K\u{9B}"
        for error in [StationSyncError.hubAnswered(status: 403, said), .bundleRefused(said, returnBundleImported: true),
                      .gaveUp(at: .uploading(done: 1, total: 2), lastProblem: said)] {
            XCTAssertFalse(error.description.holdsControlCharacter, error.description)
            XCTAssertTrue(error.description.contains("bad signature\\u{A}同步完成 / sync complete\\u{1B}[2K\\u{9B}"), error.description)
        }
    }

    /// The station names the downloaded file by the answer's `id` and `name`: only what a hub
    /// writes is taken, never a path that leaves the station's folder.
    func testAReturnBundleDescriptionNamingAnythingButAPlainFileIsNotTaken() {
        let sha = String(repeating: "ab", count: 32)
        let good = ReturnBundleBody(id: String(sha.prefix(32)), size: 10, sha256: sha, name: "630122101-from-hub-0003-20261202.fsb")
        XCTAssertTrue(good.isWellFormed)
        for name in ["../../.profile.fsb", "/etc/cron.d/x.fsb", "a/b.fsb", "..\\x.fsb", ".hidden.fsb", "x.sh", "", "x\n.fsb", "x\u{1B}.fsb",
                     String(repeating: "n", count: 252) + ".fsb"] {
            var bad = good
            bad.name = name
            XCTAssertFalse(bad.isWellFormed, name)
        }
        for id in ["../x", String(repeating: "A", count: 32), String(sha.prefix(31)), String(sha.prefix(32)) + "/"] {
            var bad = good
            bad.id = id
            XCTAssertFalse(bad.isWellFormed, id)
        }
        var bad = good
        bad.sha256 = "zz" + String(sha.dropFirst(2))
        XCTAssertFalse(bad.isWellFormed)
    }
}
