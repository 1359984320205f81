import FieldSyncBundle
import FieldSyncDomain
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// The committed samples are what the generator makes: they cannot drift from the code.
final class SampleCountyTests: XCTestCase {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples/small-county")

    override func setUp() { TestLogging.bootstrap() }

    func testGeneratorReproducesTheCommittedSmallCounty() throws {
        let folder = TemporaryFolder("fieldsync-sample")
        defer { folder.cleanUp() }
        let manifest = try JSONDecoder().decode(SampleCounty.Summary.self,
                                                from: Data(contentsOf: Self.samples.appendingPathComponent("manifest.json")))
        let summary = try SampleCounty(root: folder.sub("county"),
                                       plan: .init(seed: manifest.seed, townships: manifest.townships,
                                                   householdsPerTownship: manifest.households / manifest.townships)).generate()
        XCTAssertEqual(summary, manifest, "regenerate Samples/small-county (see Samples/README.md) if the generator changed on purpose")
        XCTAssertTrue(summary.converged)
    }

    func testCommittedSampleBundlesVerifyAndOpenWithTheSampleHubKey() throws {
        let hub = try NodeIdentity.load(from: Self.samples.appendingPathComponent("hub/identity.json").path)
        let files = try BundleFiles.expand([Self.samples.appendingPathComponent("bundles").path])
        XCTAssertEqual(files.count, 3)
        for file in files {
            let inspection = try BundleInspector.inspect(path: file, identity: hub, recordLimit: 10_000)
            XCTAssertEqual(inspection.records?.count, inspection.header.totalChanges)
            XCTAssertEqual(inspection.header.schemaVersion, CaseworkSchema.schema.version)
        }
    }

    func testSameSeedSameCountyDifferentSeedDifferentCounty() throws {
        let folder = TemporaryFolder("fieldsync-sample")
        defer { folder.cleanUp() }
        let plan = SampleCounty.Plan(seed: 42, townships: 2, householdsPerTownship: 4)
        let a = try SampleCounty(root: folder.sub("a"), plan: plan).generate()
        let b = try SampleCounty(root: folder.sub("b"), plan: plan).generate()
        var other = plan
        other.seed = 43
        let c = try SampleCounty(root: folder.sub("c"), plan: other).generate()
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.digest, c.digest)
    }

    /// Each station holds only its township's cases (P1), and a station's own writes to
    /// another township's case are refused, so the generator works each station on its own.
    func testEachSampleStationHoldsOnlyItsOwnTownshipsHouseholdsAndMatchesTheHubForIt() throws {
        let folder = TemporaryFolder("fieldsync-sample")
        defer { folder.cleanUp() }
        let root = folder.sub("county")
        let summary = try SampleCounty(root: root, plan: .init(seed: 5, townships: 3, householdsPerTownship: 4)).generate()
        XCTAssertTrue(summary.converged)
        let hub = try Hub.open(at: (root as NSString).appendingPathComponent("hub"))
        XCTAssertEqual(try hub.replica.rowIDs(table: "household", limit: nil).count, 12)
        for town in SyntheticNames.townships.prefix(3) {
            let station = try Station.open(at: (root as NSString).appendingPathComponent("stations/\(town.code)"))
            let households = try station.replica.rowIDs(table: "household", limit: nil)
            XCTAssertEqual(households.count, 4, town.code)
            for id in households {
                XCTAssertEqual(try station.replica.row(table: "household", rowID: id)?["township"], .text(town.code))
            }
            XCTAssertEqual(try station.replica.digest(), try hub.replica.digest(township: town.code), town.code)
        }
    }
}
