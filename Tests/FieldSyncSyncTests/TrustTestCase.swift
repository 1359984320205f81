import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// A county whose first station's laptop gets lost: sticks, trips and the replacement laptop.
class TrustTestCase: SyncTestCase {
    var sticks = 0
    var households = 0

    /// The next file name on the stick.
    func stick(_ what: String) -> String {
        sticks += 1
        return folder.sub("stick/\(what)-\(sticks).fsb")
    }

    /// Registers `count` households with addresses unique in the test; returns their ids.
    @discardableResult
    func register(_ station: Station, _ count: Int) throws -> [String] {
        try (0..<count).map { _ in
            households += 1
            clock.advance(by: 1_000)
            return try station.record(table: "household", values: ["township": .text(station.identity.township!),
                                                                   "address": .text("阳坡村\(households)号")]).rowID
        }
    }

    func returnBundle(_ hub: Hub, for station: Station) throws -> String {
        let peer = try XCTUnwrap(hub.replica.peer(station.identity.site))
        return try hub.returnBundle(for: peer, to: stick("down")).path
    }

    /// Export, merge, return, import.
    func trip(_ county: County, _ station: Station) throws {
        try county.hub.merge(bundleAt: station.export(to: stick("up")).path)
        try station.importBundle(at: returnBundle(county.hub, for: station))
    }

    /// Makes the laptop replacing `lost` (revoked at the hub), enrolls and joins it.
    func replacementLaptop(for lost: Station, at hub: Hub, name: String = "replacement") throws -> Station {
        let request = folder.sub("\(name)-request.json")
        let laptop = try Station.initializeReplacement(at: folder.sub(name), name: lost.identity.name, township: lost.identity.township!,
                                                       replacing: lost.identity.site, requestPath: request,
                                                       wallClock: clock.wallClock())
        let enrollment = folder.sub("\(name)-enrollment.json")
        try hub.enroll(EnrollmentRequest.read(from: request), out: enrollment)
        try laptop.join(Enrollment.read(from: enrollment))
        return laptop
    }

    /// The trust refusal `body` throws.
    func trustError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> TrustError? {
        do {
            try body()
            XCTFail("no error", file: file, line: line)
        } catch let SyncError.trust(error) {
            return error
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return nil
    }
}
