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
}
