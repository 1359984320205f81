import FieldSyncCore
import XCTest

final class VersionVectorTests: XCTestCase {
    let a = SiteID(bytes: Array(repeating: 1, count: 16))!
    let b = SiteID(bytes: Array(repeating: 2, count: 16))!

    func testMergeTakesTheEntrywiseMaximum() {
        let x = VersionVector([a: 3, b: 1])
        let y = VersionVector([a: 2, b: 5])
        XCTAssertEqual(x.merging(y), VersionVector([a: 3, b: 5]))
        XCTAssertEqual(x.merging(y), y.merging(x))
    }

    func testCompareDistinguishesBeforeAfterEqualAndConcurrent() {
        XCTAssertEqual(VersionVector([a: 1]).compare(VersionVector([a: 2])), .before)
        XCTAssertEqual(VersionVector([a: 2]).compare(VersionVector([a: 1])), .after)
        XCTAssertEqual(VersionVector([a: 2]).compare(VersionVector([a: 2, b: 0])), .equal)
        XCTAssertEqual(VersionVector([a: 2]).compare(VersionVector([b: 1])), .concurrent)
    }

    func testCoversIsTrueForEverythingAtOrBelowTheEntry() {
        let v = VersionVector([a: 4])
        XCTAssertTrue(v.covers(site: a, sequence: 4))
        XCTAssertFalse(v.covers(site: a, sequence: 5))
        XCTAssertFalse(v.covers(site: b, sequence: 1))
        XCTAssertTrue(v.covers(.empty))
    }
}
