@testable import FieldSyncHTTP
import FieldSyncSync
import Foundation
import XCTest

/// A station's sync rounds share their state (`sync/`): a round started while another runs
/// (the workbench's page in a second tab, `station sync` in a terminal) is refused at once,
/// touching nothing, and runs once the other has ended.
final class SyncRoundLockTests: HTTPTestCase {
    func testASecondRoundOfOneStationIsRefusedWhileTheFirstRuns() async throws {
        let station = self.station
        try addHouseholds(station, count: 3)
        let held = try SyncRoundLock.acquire(station: station.folder.path)
        let service = self.service!
        let refused = try await service.servingOnLoopback { port -> StationSyncError? in
            do {
                _ = try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(port)").run()
                return nil
            } catch let error as StationSyncError { return error }
        }
        guard case .roundRunning? = refused else { return XCTFail(String(describing: refused)) }
        XCTAssertTrue(refused!.description.contains("another sync round"), refused!.description)
        XCTAssertFalse(FileManager.default.fileExists(atPath: station.folder.path + "/sync"), "nothing of a round was started")
        XCTAssertGreaterThan(try station.status().changesOwed, 0)
        held.release()
        let report = try await service.servingOnLoopback { port in
            try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(port)").run()
        }
        XCTAssertEqual(report.merge.outcome, "applied")
        XCTAssertEqual(try station.status().changesOwed, 0)
    }
}
