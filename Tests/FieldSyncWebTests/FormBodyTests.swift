import FieldSyncWeb
import XCTest

final class FormBodyTests: XCTestCase {
    func testAFormDecodesPlusAndPercentEscapesAsUTF8() throws {
        let form = try XCTUnwrap(FormBody(urlEncoded: Array("head_name=%E9%A9%AC%E6%98%8E&village=Lu+sha+er&empty=&flag".utf8)))
        XCTAssertEqual(form["head_name"], "马明")
        XCTAssertEqual(form["village"], "Lu sha er")
        XCTAssertNil(form.text("empty"))
        XCTAssertTrue(form.flag("flag"))
        XCTAssertFalse(form.flag("other"))
    }

    func testABrokenEscapeOrBytesThatAreNotUTF8MakeTheFormUnreadable() {
        XCTAssertNil(FormBody(urlEncoded: Array("a=%E9%A9".utf8)))
        XCTAssertNil(FormBody(urlEncoded: Array("a=%zz".utf8)))
        XCTAssertNil(FormBody(urlEncoded: Array("a=%".utf8)))
    }

    func testAFieldGivenTwiceKeepsBothValuesInOrder() throws {
        let form = try XCTUnwrap(FormBody(urlEncoded: Array("k=1&k=2".utf8)))
        XCTAssertEqual(form["k"], "1")
        XCTAssertEqual(form.values("k"), ["1", "2"])
    }
}
