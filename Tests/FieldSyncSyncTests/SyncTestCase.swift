import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import XCTest

/// A county in a temporary folder with a manual clock, for the sync tests.
class SyncTestCase: XCTestCase {
    var folder: TemporaryFolder!
    var clock: ManualClock!

    override func setUp() {
        TestLogging.bootstrap()
        folder = TemporaryFolder()
        clock = ManualClock()
    }

    override func tearDown() { folder.cleanUp() }

    func makeCounty(stations: Int = 2, offsets: [Int64]? = nil, at name: String = "county") throws -> County {
        try County.create(at: folder.sub(name), hubName: "湟中区民政局",
                          stations: (0..<stations).map { .init(name: "社工站\($0)", township: "63010610\($0)") },
                          wallClock: clock.wallClock(),
                          stationClocks: (offsets ?? Array(repeating: 0, count: stations)).map { clock.wallClock(offset: $0) })
    }

    /// Everything about a replica that an import may touch.
    struct Snapshot: Equatable {
        let digest: String
        let vector: VersionVector
        let logSize: Int
        let imported: [BundleRecord]
        let peers: [Peer]
        let conflicts: [ConflictRecord]
    }

    /// A copy of a station's folder taken while nothing writes (database, WAL, keys): a backup.
    func backup(_ station: Station, to name: String) throws -> String {
        let target = folder.sub(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: station.folder.path) {
            try FileManager.default.copyItem(atPath: (station.folder.path as NSString).appendingPathComponent(file),
                                             toPath: (target as NSString).appendingPathComponent(file))
        }
        return target
    }

    func snapshot(_ replica: Replica) throws -> Snapshot {
        Snapshot(digest: try replica.digest(), vector: try replica.vector(), logSize: try replica.changeCount(since: .empty),
                 imported: try replica.importedBundles(limit: 1000), peers: try replica.peers().sorted { $0.site < $1.site },
                 conflicts: try replica.conflicts(includeResolved: true))
    }

    @discardableResult
    func addHouseholds(_ station: Station, count: Int) throws -> [String] {
        try (0..<count).map { i in
            try station.record(table: "household", values: [
                "township": .text(station.identity.township ?? ""), "village": .text("阳坡村"),
                "address": .text("阳坡村\(i % 9 + 1)社\(i)号"), "head_name": .text("卓玛\(i)"), "hukou": .text("rural"),
                "monthly_income": .integer(Int64(800 + i)), "category": .text("dibao"), "status": .text("active"),
                "next_review": .text("2027-11-29"),
            ]).rowID
        }
    }

    /// Every station's replica equals the hub's replica of its township's scope (P1).
    func assertEachStationMatchesTheHubForItsTownship(_ county: County, file: StaticString = #filePath, line: UInt = #line) throws {
        for station in county.stations {
            let township = try XCTUnwrap(station.identity.township)
            XCTAssertEqual(try station.replica.digest(), try county.hub.replica.digest(township: township), township, file: file, line: line)
        }
        XCTAssertTrue(try county.isQuiet(), "nothing owed", file: file, line: line)
    }
}
