@testable import FieldSyncBundle
import FieldSyncCore
import Foundation
import XCTest

/// The limits a replica enforces on local writes (`Change.maxWritableValueLength`,
/// `Change.maxNameLength`) are exactly what the bundle writer can carry, and the writer's
/// hidden partial files are cleaned up only once their writer is gone.
final class WritableLimitTests: XCTestCase {
    func testTheLargestChangeAReplicaAcceptsIsWrittenAndReadBack() throws {
        XCTAssertEqual(Change.maxRecordSize, BundleFormat.writerBlockLimit - 4)
        let folder = TemporaryFolder()
        let name = String(repeating: "n", count: Change.maxNameLength)
        let largest = Change.set(name, name, name, .blob([UInt8](repeating: 0xA5, count: Change.maxWritableValueLength)),
                                 stamp: HybridTimestamp(rawValue: UInt64.max), origin: Fixtures.stationSite, sequence: UInt64.max,
                                 base: CellVersion(stamp: HybridTimestamp(rawValue: 1), site: Fixtures.hubSite))
        var record = ByteWriter()
        largest.encode(into: &record)
        XCTAssertEqual(record.bytes.count, Change.maxRecordSize, "the limit leaves no byte unused and none short")
        // Header table names are identifiers of at most 64 bytes (schema tables all are).
        var carried = largest
        carried.table = String(repeating: "t", count: 64)
        let path = try writeBundle([carried], in: folder)
        let (_, batches) = try readAll(path)
        XCTAssertEqual(batches.flatMap { $0 }, [carried])
    }

    func testStalePartialFilesAreRemovedAndALiveWritersAreKept() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 100)
        let live = try BundleWriter(path: folder.file("live.fsb"), draft: Fixtures.draft(for: changes), signingKey: Fixtures.stationSigning)
        try live.append(contentsOf: changes)
        let stale = [".630122101-to-hub-0002-20261129.fsb.0123456789ab.partial", ".630122101-to-hub-0002-20261129.fsb.0123456789ab.body.partial"]
        for name in stale { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder.file(name))) }
        try Data([1]).write(to: URL(fileURLWithPath: folder.file(".someone-else.partial")))
        XCTAssertEqual(BundleWriter.removeStalePartialFiles(in: folder.path), stale.sorted())
        XCTAssertTrue(folder.contents.contains(".someone-else.partial"), "only this program's partial files are touched")
        XCTAssertEqual(folder.contents.filter { $0.hasPrefix(".live.fsb.") }.count, 1, "the live writer's spool is kept")
        _ = try live.finish()
        XCTAssertEqual(folder.contents, [".someone-else.partial", "live.fsb"])
    }
}
