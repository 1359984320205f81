import FieldSyncCore
import XCTest

/// Names and row ids shown to people may hold no control character (Unicode category Cc).
final class ControlCharacterTests: XCTestCase {
    func testEveryC0AndC1ControlAndDeleteIsFoundAnywhereInTheText() {
        let controls = Array(0x00...0x1F) + Array(0x7F...0x9F)
        for code in controls {
            let c = String(UnicodeScalar(UInt8(code)))
            for text in [c, "站\(c)", "\(c)h1", "h\(c)1", "鲁沙尔镇社工站\(c)"] {
                XCTAssertTrue(text.holdsControlCharacter, "U+\(String(code, radix: 16)) in \(text.unicodeScalars.map(\.value))")
            }
        }
    }

    func testEscapingShowsEachControlAsItsCodeAndLeavesOtherTextAlone() {
        XCTAssertEqual("鲁沙尔镇社工站".escapingControlCharacters, "鲁沙尔镇社工站")
        XCTAssertEqual("站\n合并完成\u{1B}[2K\u{85}\u{0}".escapingControlCharacters, "站\\u{A}合并完成\\u{1B}[2K\\u{85}\\u{0}")
        XCTAssertFalse("a\u{7F}\tb".escapingControlCharacters.holdsControlCharacter)
        XCTAssertEqual("\u{A0}é".escapingControlCharacters, "\u{A0}é")
    }

    func testPrintableTextAndTheNeighboursOfTheControlsAreNot() {
        // U+00A0 (no-break space) and U+0100 follow the C1 block; their UTF-8 starts 0xC2 / 0xC4.
        for text in ["", "h-1", "630122101-00042", "鲁沙尔镇社工站", "湟中区民政局 (县中心)", " ~", "\u{A0}", "\u{A0}\u{BF}\u{100}",
                     "é", "😀", "\u{2028}"] {
            XCTAssertFalse(text.holdsControlCharacter, "\(text.unicodeScalars.map(\.value))")
        }
    }
}
