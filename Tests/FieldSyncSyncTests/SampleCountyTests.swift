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
}
