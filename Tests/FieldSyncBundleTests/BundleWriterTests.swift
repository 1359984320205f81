@testable import FieldSyncBundle
import FieldSyncCore
import Foundation
import XCTest

final class BundleWriterTests: XCTestCase {
    func testAbandonedWriterLeavesNoFileAndNoPartialFile() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 2000, blobSize: 500)
        do {
            let writer = try BundleWriter(path: folder.file("x.fsb"), draft: Fixtures.draft(for: changes),
                                          signingKey: Fixtures.stationSigning, frameTarget: 16 * 1024)
            try writer.append(contentsOf: Array(changes.prefix(1500)))
            XCTAssertFalse(folder.contents.isEmpty, "the spool should exist while writing")
            XCTAssertTrue(folder.contents.allSatisfy { $0.hasPrefix(".") && $0.hasSuffix(".partial") })
        }
        XCTAssertEqual(folder.contents, [])
    }

    func testWriterThatFailsOnCountMismatchLeavesNothing() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 100)
        var draft = Fixtures.draft(for: changes)
        draft.tableCounts["household"]! += 1
        let writer = try BundleWriter(path: folder.file("x.fsb"), draft: draft, signingKey: Fixtures.stationSigning)
        try writer.append(contentsOf: changes)
        XCTAssertThrowsError(try writer.finish()) { error in
            XCTAssertEqual(error as? BundleError,
                           .countMismatch(table: "household", expected: draft.tableCounts["household"]!,
                                          actual: draft.tableCounts["household"]! - 1))
        }
        XCTAssertEqual(folder.contents, [])
        XCTAssertThrowsError(try writer.finish()) { XCTAssertEqual($0 as? BundleError, .writerClosed) }
    }

    func testAppendingMoreChangesThanAnnouncedFailsAtOnce() throws {
        let folder = TemporaryFolder()
        let changes = Fixtures.changes(count: 10)
        let writer = try BundleWriter(path: folder.file("x.fsb"), draft: Fixtures.draft(for: Array(changes.prefix(9))),
                                      signingKey: Fixtures.stationSigning)
        try writer.append(contentsOf: Array(changes.prefix(9)))
        XCTAssertThrowsError(try writer.append(changes[9])) { error in
            guard case .countMismatch(table: changes[9].table, _, _)? = error as? BundleError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(folder.contents, [])
    }

    func testUnannouncedTableIsRefused() throws {
        let folder = TemporaryFolder()
        let writer = try BundleWriter(path: folder.file("x.fsb"), draft: Fixtures.draft(for: []), signingKey: Fixtures.stationSigning)
        let change = Change.delete("household", "h1", stamp: .zero, origin: Fixtures.stationSite, sequence: 1)
        XCTAssertThrowsError(try writer.append(change)) {
            XCTAssertEqual($0 as? BundleError, .countMismatch(table: "household", expected: 0, actual: 1))
        }
    }

    func testRecordLargerThanAFrameIsRefusedWithoutItsValueInTheMessage() throws {
        let folder = TemporaryFolder()
        let big = Change.set("member", "m1", "photo", .blob([UInt8](repeating: 7, count: 2 << 20)),
                             stamp: .zero, origin: Fixtures.stationSite, sequence: 1)
        let writer = try BundleWriter(path: folder.file("x.fsb"), draft: Fixtures.draft(for: [big]), signingKey: Fixtures.stationSigning)
        XCTAssertThrowsError(try writer.append(big)) { error in
            guard case .tooLarge? = error as? BundleError else { return XCTFail("\(error)") }
            XCTAssertFalse("\(error)".contains("m1"))
        }
        XCTAssertEqual(folder.contents, [])
    }

    func testFinishedWriterLeavesExactlyTheBundle() throws {
        let folder = TemporaryFolder()
        try writeBundle(Fixtures.changes(count: 500), in: folder, name: "630122101-to-hub-0001-20261129.fsb", frameTarget: 4096)
        XCTAssertEqual(folder.contents, ["630122101-to-hub-0001-20261129.fsb"])
    }

    func testDraftsThatCannotBeWrittenAreRefused() throws {
        let folder = TemporaryFolder()
        func refuses(_ change: (inout BundleDraft) -> Void) {
            var draft = Fixtures.draft(for: [])
            change(&draft)
            XCTAssertThrowsError(try BundleWriter(path: folder.file("x.fsb"), draft: draft, signingKey: Fixtures.stationSigning))
        }
        refuses { $0.recipients = [] }
        refuses { d in d.recipients = (0..<17).map { i in
            BundleRecipient(site: SiteID(bytes: [UInt8](repeating: UInt8(i), count: 16))!, key: Fixtures.hubAgreement.publicKey) } }
        refuses { $0.recipients.append($0.recipients[0]) }
        refuses { $0.schemaFingerprint = [1, 2] }
        refuses { $0.schemaName = "" }
        refuses { $0.senderName = String(repeating: "站", count: 100) }
        refuses { $0.tableCounts = ["Bad Name": 1] }
        refuses { $0.tableCounts = ["t": -1] }
        refuses { $0.tableCounts = ["t": BundleFormat.maxTotalChanges + 1] }
        refuses { d in d.tableCounts = Dictionary(uniqueKeysWithValues: (0...256).map { ("t\($0)", 1) }) }
        XCTAssertEqual(folder.contents, [])
    }

    func testRecipientsAreStoredInSiteOrder() throws {
        let folder = TemporaryFolder()
        let recipients = [BundleRecipient(site: Fixtures.otherStationSite, key: Fixtures.otherAgreement.publicKey),
                          BundleRecipient(site: Fixtures.hubSite, key: Fixtures.hubAgreement.publicKey)]
        let path = try writeBundle([], in: folder, draft: Fixtures.draft(for: [], recipients: recipients))
        let header = try UnverifiedBundle.open(path: path).verify().header
        XCTAssertEqual(header.recipients.map(\.site), [Fixtures.hubSite, Fixtures.otherStationSite])
    }
}
