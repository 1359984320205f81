import FieldSyncBundle
import XCTest

final class BundleFileNameTests: XCTestCase {
    // 2026-11-29T00:00:00Z
    let millis: UInt64 = 1_795_910_400_000

    func testStationToHubNameNamesStationSequenceAndDate() {
        XCTAssertEqual(BundleFileName.make(senderCode: "630122101", kind: .stationToHub, sequence: 7, createdMillis: millis),
                       "630122101-to-hub-0007-20261129.fsb")
    }

    func testHubToStationNameNamesDestination() {
        XCTAssertEqual(BundleFileName.make(senderCode: "630122101", kind: .hubToStation, sequence: 3, createdMillis: millis),
                       "hub-to-630122101-0003-20261129.fsb")
    }

    func testUnsafeCharactersInTheCodeAreReplaced() {
        XCTAssertEqual(BundleFileName.make(senderCode: "../鲁沙尔", kind: .stationToHub, sequence: 12345, createdMillis: millis),
                       "______-to-hub-12345-20261129.fsb")
    }
}
