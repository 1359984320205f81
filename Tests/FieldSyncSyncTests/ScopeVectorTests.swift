import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
@testable import FieldSyncSync
import Foundation
import XCTest

/// `Protocol/vectors/sync-v2-scope.json`: the feed sites of P6 and the places of P1, so a
/// second implementation can check its derivation and its placement of rows against ours
/// (`Protocol/vectors/check_vectors.py` checks the feed sites).
///
/// Regenerate with `FIELDSYNC_WRITE_VECTORS=1 swift test --filter ScopeVectorTests`.
final class ScopeVectorTests: XCTestCase {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors/sync-v2-scope.json")

    struct Vectors: Codable, Equatable {
        struct Feed: Codable, Equatable { let hubSite: String, township: String, feedSite: String }
        struct Placement: Codable, Equatable {
            let table: String, rowID: String, values: [String: String]
            /// Other rows' `household_id`, by "table/rowID", that the placement may read.
            let others: [String: String]
            let place: String
        }
        let comment: String
        let feedSites: [Feed]
        let placements: [Placement]
    }

    static func make() -> Vectors {
        let hubs = ["00000000000000000000000000000000", "0123456789abcdeffedcba9876543210", "ffffffffffffffffffffffffffffffff"]
        let townships = ["630106100", "630122101"]
        let feeds = hubs.flatMap { hub in townships.map { township in
            Vectors.Feed(hubSite: hub, township: township, feedSite: FeedSite.of(hub: SiteID(hex: hub)!, township: township).hex)
        } }
        typealias P = Vectors.Placement
        let placements = [
            P(table: "household", rowID: "h1", values: ["township": "630106100"], others: [:], place: "household h1"),
            P(table: "member", rowID: "m1", values: ["household_id": "h1"], others: [:], place: "household h1"),
            P(table: "economic_check", rowID: "c1", values: ["application_id": "a1"], others: ["application/a1": "h2"], place: "household h2"),
            P(table: "economic_check", rowID: "c2", values: ["household_id": "h3", "application_id": "a1"], others: ["application/a1": "h2"], place: "household h3"),
            P(table: "referral_feedback", rowID: "f1", values: ["referral_id": "r1"], others: ["referral/r1": "h4"], place: "household h4"),
            P(table: "referral_feedback", rowID: "f2", values: ["referral_id": "r9"], others: [:], place: "unknown"),
            P(table: "notice", rowID: "n1", values: ["township": "630122101", "household_id": "h1"], others: [:], place: "township 630122101"),
            P(table: "case_release", rowID: "x1", values: ["township": "630106100", "household_id": "h1"], others: [:], place: "township 630106100"),
            P(table: "rule_parameter", rowID: "param:x:2027-01-01", values: [:], others: [:], place: "county"),
            P(table: "visit", rowID: "v1", values: [:], others: [:], place: "unknown"),
        ]
        return Vectors(comment: "FieldSync sync protocol v2 (Protocol/sync-protocol.md §4b): feed sites (P6) and row places (P1). "
                       + "Regenerate with FIELDSYNC_WRITE_VECTORS=1 swift test --filter ScopeVectorTests.",
                       feedSites: feeds, placements: placements)
    }

    func testFeedSitesAndPlacesAgreeWithTheCommittedVectors() throws {
        let made = Self.make()
        if ProcessInfo.processInfo.environment["FIELDSYNC_WRITE_VECTORS"] != nil {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try (encoder.encode(made) + Data("\n".utf8)).write(to: Self.path)
        }
        let committed = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: Self.path))
        XCTAssertEqual(committed, made, "the vectors no longer match the code: a protocol change needs a new version")
        for vector in committed.placements {
            let place = CaseworkScope().scope(of: vector.table, rowID: vector.rowID,
                                              value: { vector.values[$0].map(Value.text) },
                                              lookUp: { table, id, column in
                column == "household_id" ? vector.others["\(table)/\(id)"].map(Value.text) : nil
            })
            XCTAssertEqual(place.description, vector.place, "\(vector.table)/\(vector.rowID)")
        }
    }
}
