import FieldSyncCore
import FieldSyncDomain
@testable import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import GRDB
import XCTest

/// Each station holds only its township's cases (P1–P8 of the sync protocol).
final class ScopeTests: SyncTestCase {
    func testEachStationHoldsOnlyItsOwnTownshipsCasesAndItsDigestEqualsTheHubsForItsTownship() throws {
        let county = try makeCounty(stations: 3)
        for station in county.stations { try addHouseholds(station, count: 3) }
        try county.hub.replica.write(table: "rule_parameter", rowID: "param:dibaoUrbanMonthly:2026-01-01", values: [
            "name": .text("dibaoUrbanMonthly"), "effective_from": .text("2026-01-01"), "value": .text("820")])
        try county.syncUntilQuiet(stick: folder.sub("stick"))
        for station in county.stations {
            let township = try XCTUnwrap(station.identity.township)
            XCTAssertEqual(try station.replica.rowIDs(table: "household", limit: nil).count, 3, township)
            XCTAssertNotNil(try station.replica.row(table: "rule_parameter", rowID: "param:dibaoUrbanMonthly:2026-01-01"), "county-wide")
            XCTAssertEqual(try station.replica.digest(), try county.hub.replica.digest(township: township), township)
            XCTAssertEqual(try station.replica.digest(township: township), try station.replica.digest())
        }
        XCTAssertEqual(try county.hub.replica.rowIDs(table: "household", limit: nil).count, 9)
        XCTAssertTrue(try county.isQuiet(), "nothing owed means nothing owed")
    }

    func testAStationCannotRegisterAHouseholdForAnotherTownship() throws {
        let county = try makeCounty(stations: 2)
        XCTAssertThrowsError(try county.stations[0].record(table: "household", values: [
            "township": .text(county.stations[1].identity.township!), "hukou": .text("rural")])) { error in
            XCTAssertTrue("\(error)".contains("that township's station"), "\(error)")
            XCTAssertTrue("\(error)".contains("fieldsync hub transfer"), "\(error)")
        }
    }

    func testATransferMovesTheWholeCaseAndTheGivingStationKeepsNothingOfIt() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let ids = try addHouseholds(giver, count: 2)
        try giver.record(table: "member", values: ["household_id": .text(ids[0]), "name": .text("马明")])
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        // The giver edits the case, not yet knowing it will move; the stick is still in its bag.
        try giver.record(table: "household", id: ids[0], values: ["village": .text("新村")])
        let late = try giver.export(to: folder.sub("late.fsb"))
        let moved = try county.hub.transfer(household: ids[0], to: taker.identity.township!, note: "迁居")
        XCTAssertEqual(moved.fromTownship, giver.identity.township)
        try county.deliverReturnBundles(via: folder.sub("d1"))
        XCTAssertNil(try giver.replica.row(table: "household", rowID: ids[0]), "evicted at the giving station")
        XCTAssertNotNil(try taker.replica.row(table: "household", rowID: ids[0]), "the whole case arrived")
        XCTAssertEqual(try taker.replica.rowIDs(table: "member", limit: nil).count, 1)
        // Writing to it now is refused with the township it went to, by the casework verbs too.
        XCTAssertThrowsError(try giver.record(table: "household", id: ids[0], values: ["village": .text("x")])) { error in
            XCTAssertTrue("\(error)".contains(taker.identity.township!), "\(error)")
        }
        var changes = HouseholdChanges()
        changes.village = "新村"
        XCTAssertThrowsError(try Casework(replica: giver.replica).editHousehold(ids[0], changes, at: Date())) { error in
            XCTAssertEqual(error as? CaseworkError, .transferred(household: ids[0], township: taker.identity.township!))
            XCTAssertTrue("\(error)".contains("已由县级中心移交至乡镇 \(taker.identity.township!)"), "\(error)")
        }
        // The edit made before the giver learned of the transfer still arrives.
        try county.hub.merge(bundleAt: late.path)
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        XCTAssertEqual(try taker.replica.row(table: "household", rowID: ids[0])?["village"], .text("新村"))
        for station in county.stations {
            XCTAssertEqual(try station.replica.digest(), try county.hub.replica.digest(township: station.identity.township!))
        }
        XCTAssertTrue(try county.isQuiet())
    }

    /// The filer caches each case's township for the transaction. A batch that fails part way
    /// rolls back its savepoint, and the cache with it: the case merged again afterwards in
    /// the same transaction must have its township recorded again (or rows hanging from it
    /// later would be filed under no township), and its history must still move whole.
    func testACaseFiledAgainAfterAFailedBatchInOneImportStillMovesWholeOnTransfer() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let household = try XCTUnwrap(addHouseholds(giver, count: 1).first)
        try giver.record(table: "member", values: ["household_id": .text(household), "name": .text("马明")])
        let changes = try giver.replica.ownChanges(after: 0).filter { $0.table == "household" || $0.table == "member" }
        // The member's last cell again, with other content: a number used twice (refused after
        // the household's row group was merged and filed in the same batch).
        var reused = try XCTUnwrap(changes.last)
        reused.value = .text("另一个名字")
        _ = try county.hub.replica.importChanges { tx in
            XCTAssertThrowsError(try tx.apply(changes + [reused])) { error in
                guard case .reusedSequence = error as? StoreError else { return XCTFail("\(error)") }
            }
            try tx.apply(changes)
        }
        XCTAssertNotNil(try county.hub.replica.row(table: "household", rowID: household))
        // Rows hanging from it later are placed by the case's township: recorded again too.
        XCTAssertEqual(try county.hub.replica.township(ofCase: household), giver.identity.township)
        try county.hub.transfer(household: household, to: taker.identity.township!)
        try county.deliverReturnBundles(via: folder.sub("d1"))
        XCTAssertNotNil(try taker.replica.row(table: "household", rowID: household), "the case's history went with it")
        XCTAssertEqual(try taker.replica.rowIDs(table: "member", limit: nil).count, 1)
    }

    /// A hub's import holds in memory the rows it merges more than once (issue 10), and
    /// writes them at the end. A row placed through another row (a decision through its
    /// application) must be placed by that row as merged so far, not as the database still
    /// has it: here the application was moved to another household earlier in the import.
    func testARowPlacedThroughARowTheImportHoldsIsFiledByTheHeldRowsValues() throws {
        let county = try makeCounty(stations: 2)
        let (first, second) = (county.stations[0], county.stations[1])
        let h1 = try XCTUnwrap(addHouseholds(first, count: 1).first)
        let h2 = try XCTUnwrap(addHouseholds(second, count: 1).first)
        let application = try first.record(table: "application", values: ["household_id": .text(h1), "category": .text("dibao")]).rowID
        let stationChanges = try first.replica.ownChanges(after: 0) + second.replica.ownChanges(after: 0)
        let later = HybridTimestamp(millis: (stationChanges.map(\.stamp).max()?.millis ?? 0) + 1_000, counter: 0)
        let writer = SiteID(bytes: Array(repeating: 0x5A, count: 16))!
        let moved = Change.set("application", application, "household_id", .text(h2), stamp: later, origin: writer, sequence: 1)
        let decision = Change.set("decision", "d-held-1", "application_id", .text(application), stamp: later, origin: writer, sequence: 2)
        _ = try county.hub.replica.importChanges { tx in
            try tx.apply(stationChanges)
            try tx.apply([moved]) // the application's second merge in this import: held
            try tx.apply([decision])
        }
        func decisions(of township: String) throws -> [String] {
            try county.hub.replica.exportSnapshot { snapshot in
                var rows: [String] = []
                try snapshot.forEachFeedBatch(township: township, after: 0, excluding: county.hub.replica.siteID, batchSize: 100) { batch in
                    rows += batch.filter { $0.table == "decision" }.map(\.rowID)
                }
                return rows
            }
        }
        XCTAssertEqual(try decisions(of: second.identity.township!), ["d-held-1"], "filed with the household the application names now")
        XCTAssertEqual(try decisions(of: first.identity.township!), [])
    }

    /// A household deleted and then moved concurrently (a county and its province, in
    /// tiers) is placed by the winning move, also when the import holds the deleted row in
    /// memory (issue 10: its second merge in the import). Found by review: the held row
    /// kept its old township, and the case stayed filed under it.
    func testADeletedHouseholdHeldByTheImportStillMovesWithAConcurrentMove() throws {
        let county = try makeCounty(stations: 2)
        let (first, second) = (county.stations[0], county.stations[1])
        let household = try XCTUnwrap(addHouseholds(first, count: 1).first)
        let member = try first.record(table: "member", values: ["household_id": .text(household), "name": .text("马明")]).rowID
        let stationChanges = try first.replica.ownChanges(after: 0)
        let later = (stationChanges.map(\.stamp).max()?.millis ?? 0) + 1_000
        let deleter = SiteID(bytes: Array(repeating: 0x5B, count: 16))!, mover = SiteID(bytes: Array(repeating: 0x5C, count: 16))!
        let delete = Change.delete("household", household, stamp: HybridTimestamp(millis: later, counter: 0), origin: deleter, sequence: 1)
        let move = Change.set("household", household, "township", .text(second.identity.township!),
                              stamp: HybridTimestamp(millis: later + 1, counter: 0), origin: mover, sequence: 1)
        _ = try county.hub.replica.importChanges { tx in
            try tx.apply(stationChanges)
            try tx.apply([delete]) // the household's second merge in this import: held
            try tx.apply([move])
        }
        XCTAssertEqual(try county.hub.replica.township(ofCase: household), second.identity.township)
        let members = try county.hub.replica.exportSnapshot { snapshot in
            var rows: [String] = []
            try snapshot.forEachFeedBatch(township: second.identity.township!, after: 0, excluding: county.hub.replica.siteID,
                                          batchSize: 100) { batch in rows += batch.filter { $0.table == "member" }.map(\.rowID) }
            return rows
        }
        XCTAssertEqual(Set(members), [member], "the case's history is filed under the township it moved to")
    }

    func testAnEditMadeAfterTheStationLearnedOfTheTransferIsRefusedByTheHub() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let ids = try addHouseholds(giver, count: 1)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try county.hub.transfer(household: ids[0], to: taker.identity.township!)
        try county.deliverReturnBundles(via: folder.sub("d1"))
        // A modified laptop writes to the case anyway, through the bare store.
        let bare = try Replica.open(at: giver.folder.replicaPath, schema: giver.replica.schema, wallClock: clock.wallClock())
        try bare.write(table: "household", rowID: ids[0], values: ["village": .text("x")])
        let forged = try giver.export(to: folder.sub("forged.fsb"))
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: forged.path)) { error in
            XCTAssertTrue("\(error)".contains(ids[0]), "names the case: \(error)")
            XCTAssertTrue("\(error)".contains(giver.identity.name), "names the station: \(error)")
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before, "nothing of the bundle applied")
    }

    /// P5 rests on the release a station writes when it learns of the transfer: its edits of
    /// the case numbered before that release were made while the case was its own. A second
    /// release of the same transfer, written after the edits, would make them look so; it
    /// raises nothing unless the hub saw the station restored since, or a new transfer.
    func testASecondReleaseOfTheSameTransferDoesNotOpenTheCaseAgain() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let ids = try addHouseholds(giver, count: 1)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let moved = try county.hub.transfer(household: ids[0], to: taker.identity.township!)
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        let path = try forged(giver) { bare in
            try bare.write(table: "household", rowID: ids[0], values: ["monthly_income": .integer(9999)])
            try bare.write(table: "case_release", rowID: RowIDGenerator.prefix(of: giver.identity.site) + "900001", values: [
                "household_id": .text(ids[0]), "transfer_id": .text(moved.transferID), "township": .text(giver.identity.township!),
                "released_at": .text("2026-11-30T09:00:00+08:00")])
        }
        try assertRefusedWhole(path, county, naming: ids[0])
        XCTAssertNotEqual(try county.hub.replica.row(table: "household", rowID: ids[0])?["monthly_income"], .integer(9999))
    }

    /// Before its first release a station's edits of a case transferred away are judged by the
    /// feed position it reports (whether it had received the transfer). Once it has reported
    /// a position past the transfer it cannot report a lower one to make an edit look older.
    func testAStationCannotTakeBackTheFeedPositionItReported() throws {
        let county = try makeCounty(stations: 2)
        let (giver, taker) = (county.stations[0], county.stations[1])
        let ids = try addHouseholds(giver, count: 1)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        try county.hub.transfer(household: ids[0], to: taker.identity.township!)
        let peer = try XCTUnwrap(county.hub.replica.peer(giver.identity.site))
        let feed = try XCTUnwrap(county.hub.feedSite(of: peer))
        let through = try county.hub.replica.lastArrival()
        // A modified laptop says it holds its feed past the transfer, and releases nothing.
        let said = try InsiderBundle.write(from: giver, changes: [], to: folder.sub("said.fsb")) { $0[feed] = through }
        try county.hub.merge(bundleAt: said)
        // Then it edits the case and says it never received the transfer.
        let (sequence, stamp) = try InsiderBundle.next(of: giver)
        let edit = try InsiderBundle.write(from: giver, changes: [.set("household", ids[0], "monthly_income", .integer(9999), stamp: stamp,
                                                                    origin: giver.identity.site, sequence: sequence)],
                                           to: folder.sub("edit.fsb")) { $0[feed] = 0 }
        try assertRefusedWhole(edit, county, naming: ids[0])
    }

    /// A modified laptop's bundle, written through the bare store (no station checks).
    private func forged(_ station: Station, _ writes: (Replica) throws -> Void) throws -> String {
        let bare = try Replica.open(at: station.folder.replicaPath, schema: station.replica.schema, wallClock: clock.wallClock())
        try writes(bare)
        return try station.export(to: folder.sub("forged-\(UUID().uuidString).fsb")).path
    }

    private func assertRefusedWhole(_ path: String, _ county: County, naming household: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try snapshot(county.hub.replica)
        XCTAssertThrowsError(try county.hub.merge(bundleAt: path), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(household), "names the case: \(error)", file: file, line: line)
        }
        XCTAssertEqual(try snapshot(county.hub.replica), before, "nothing of the bundle applied", file: file, line: line)
    }

    func testAReleaseOfACaseTheStationNeverHeldOpensNothing() throws {
        let county = try makeCounty(stations: 2)
        let theirs = try addHouseholds(county.stations[1], count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let path = try forged(county.stations[0]) { bare in
            try bare.write(table: "household", rowID: theirs, values: ["village": .text("X")])
            try bare.write(table: "case_release", rowID: RowIDGenerator.prefix(of: county.stations[0].identity.site) + "forged-release", values: [
                "household_id": .text(theirs), "transfer_id": .text("t"), "township": .text(county.stations[0].identity.township!),
                "released_at": .text("2026-11-30T09:00:00+08:00")])
        }
        try assertRefusedWhole(path, county, naming: theirs)
    }

    func testARowCannotBeMovedOutOfAnotherTownshipsCase() throws {
        let county = try makeCounty(stations: 2)
        let mine = try addHouseholds(county.stations[0], count: 1)[0]
        let theirs = try addHouseholds(county.stations[1], count: 1)[0]
        let member = try county.stations[1].record(table: "member", values: ["household_id": .text(theirs), "name": .text("马明")]).rowID
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let path = try forged(county.stations[0]) { bare in
            try bare.write(table: "member", rowID: member, values: ["household_id": .text(mine)])
        }
        try assertRefusedWhole(path, county, naming: theirs)
    }

    func testARowOfOneCaseCannotLinkToAnotherTownshipsApplication() throws {
        let county = try makeCounty(stations: 2)
        let mine = try addHouseholds(county.stations[0], count: 1)[0]
        let theirs = try addHouseholds(county.stations[1], count: 1)[0]
        let application = try county.stations[1].record(table: "application", values: [
            "household_id": .text(theirs), "category": .text("dibao"), "status": .text("received")]).rowID
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        let path = try forged(county.stations[0]) { bare in
            try bare.write(table: "decision", rowID: RowIDGenerator.prefix(of: county.stations[0].identity.site) + "forged-decision", values: [
                "household_id": .text(mine), "application_id": .text(application), "approve": .integer(1), "level": .text("township")])
        }
        try assertRefusedWhole(path, county, naming: theirs)
    }

    /// Each import and each local write reads the cases it files afresh: an edit of a known
    /// household must not write the case's township (`fs_case`) again. Both did, for every
    /// household edit (issue 10: a page more for each commit to write); a new household is
    /// still recorded, once at each replica.
    func testAnEditOfAKnownHouseholdDoesNotWriteItsTownshipAgain() throws {
        let county = try makeCounty(stations: 1)
        let station = county.stations[0]
        let households = try addHouseholds(station, count: 2)
        try county.syncUntilQuiet(stick: folder.sub("s1"))
        // Count every write to the case table from here on (a trigger in each replica's file).
        let files = [county.hub.folder.replicaPath, station.folder.replicaPath]
        for file in files {
            try DatabaseQueue(path: file).write { db in
                try db.execute(sql: """
                    CREATE TABLE test_case_writes(what TEXT NOT NULL);
                    CREATE TRIGGER test_case_insert AFTER INSERT ON fs_case BEGIN INSERT INTO test_case_writes VALUES ('insert ' || new.case_id); END;
                    CREATE TRIGGER test_case_update AFTER UPDATE ON fs_case BEGIN INSERT INTO test_case_writes VALUES ('update ' || new.case_id); END;
                    """)
            }
        }
        func caseWrites() throws -> [[String]] {
            try files.map { file in
                try DatabaseQueue(path: file).read { db in try String.fetchAll(db, sql: "SELECT what FROM test_case_writes ORDER BY rowid") }
            }
        }
        // One household edited at the station (the hub merges it), one at the hub (the station merges it).
        try station.replica.write(table: "household", rowID: households[0], values: ["address": .text("阳坡村9社99号")])
        try county.hub.replica.write(table: "household", rowID: households[1], values: ["address": .text("阳坡村8社88号")])
        try county.syncUntilQuiet(stick: folder.sub("s2"))
        XCTAssertEqual(try county.hub.replica.row(table: "household", rowID: households[0])?["address"], .text("阳坡村9社99号"))
        XCTAssertEqual(try station.replica.row(table: "household", rowID: households[1])?["address"], .text("阳坡村8社88号"))
        XCTAssertEqual(try caseWrites(), [[], []], "each township was already recorded")
        let added = try addHouseholds(station, count: 1)[0]
        try county.syncUntilQuiet(stick: folder.sub("s3"))
        XCTAssertEqual(try caseWrites(), [["insert \(added)"], ["insert \(added)"]], "recorded once at each: written, then merged")
        XCTAssertEqual(try county.hub.replica.township(ofCase: added), station.identity.township)
    }
    // MARK: The case cache carried from one import to the next (issue 10)

    /// A hub carries what it knows of each case's township from one import to the next, but
    /// only when nothing else wrote to the file in between. Here another process (its own
    /// connection) moves the case between two imports: a member's edit merged next is filed
    /// under the township the case is in now, not where the carried cache last saw it.
    func testACaseMovedByAnotherProcessBetweenTwoImportsHasItsNextEditFiledWhereItIsNow() throws {
        try assertNextEditFiledWhereTheCaseIsNow { county in
            try Replica.open(at: county.hub.folder.replicaPath, schema: CaseworkSchema.schema, wallClock: county.hub.replica.wallClock)
                .ranked(by: CaseworkPrecedence())
                .scoped(by: CaseworkScope(), township: nil)
        }
    }

    /// The same through another `Replica` value over the hub's own connection (its own
    /// carried cache): that import's writes count as a write between the first one's imports.
    func testACaseMovedThroughTheSameConnectionBetweenTwoImportsHasItsNextEditFiledWhereItIsNow() throws {
        try assertNextEditFiledWhereTheCaseIsNow { county in county.hub.replica.ranked(by: CaseworkPrecedence()) }
    }

    /// An import that fails part way takes the cache it was given with it: the case it
    /// moved before failing is where it was, in the file and for the next import.
    func testAnImportThatFailsLeavesNoCaseCacheForTheNext() throws {
        let (county, household, member) = try countyWithACaseAtTheHub()
        let second = county.stations[1].identity.township!
        struct Interrupted: Error {}
        XCTAssertThrowsError(try county.hub.replica.importChanges { tx in
            try tx.apply([move(household, to: second, county)])
            throw Interrupted()
        })
        try assertTheMoveLeftNothing(household, member, county)
    }

    /// An import inside a shared transaction (a hub's batch of bundles) leaves its cache
    /// to the next write of the batch; if the batch rolls back, the cache goes with it, though
    /// the file's marks cannot tell: the case it moved is where it was, for the next import too.
    func testAnImportOfABatchThatRollsBackLeavesNoCaseCacheForTheNext() throws {
        let (county, household, member) = try countyWithACaseAtTheHub()
        let second = county.stations[1].identity.township!
        struct Interrupted: Error {}
        XCTAssertThrowsError(try county.hub.replica.inOneTransaction {
            _ = try county.hub.replica.importChanges { tx in try tx.apply([move(household, to: second, county)]) }
            XCTAssertGreaterThanOrEqual(county.hub.replica.caseCaches.keptCases, 2, "kept for the batch's next write")
            throw Interrupted()
        })
        try assertTheMoveLeftNothing(household, member, county)
    }

    /// A setting written between two imports (a clock-skew note, the count of conflicts the
    /// stations were told of) touches no case: the cache is carried across it. A transfer made
    /// at the hub between two imports files through the carried cache and keeps it true: the
    /// next import files a member's edit under the township the case went to.
    func testASettingOrATransferBetweenTwoImportsKeepsTheCarriedCacheTrue() throws {
        let (county, household, member) = try countyWithACaseAtTheHub()
        let hub = county.hub.replica
        func carried() throws -> Bool { try hub.writer.writeWithoutTransaction { db in hub.caseCaches.carries(to: try WriteMark(db)) } }
        XCTAssertTrue(try carried())
        try hub.setSetting("test-note", "1")
        XCTAssertTrue(try carried(), "carried across a setting")
        let second = county.stations[1].identity.township!
        try county.hub.transfer(household: household, to: second)
        XCTAssertTrue(try carried(), "carried through the transfer's local transaction")
        XCTAssertGreaterThanOrEqual(hub.caseCaches.keptCases, 2, "the import's cache, not one the transfer began afresh")
        _ = try hub.importChanges { tx in try tx.apply([edit(member, county)]) }
        XCTAssertEqual(try rowsFiled(by: Self.editor, under: second, county), [member])
        XCTAssertEqual(try rowsFiled(by: Self.editor, under: county.stations[0].identity.township!, county), [])
        try hub.writer.write { db in try db.execute(sql: "INSERT INTO fs_settings(key, value) VALUES ('test-other', '1')") }
        XCTAssertFalse(try carried(), "not across a write it was not told of")
        try hub.setSetting("test-note", "2")
        XCTAssertFalse(try carried(), "nor across a setting written after such a write")
    }

    /// Two cases whose ids are equal as Swift strings but not as bytes ("é" as one code
    /// point, and as "e" with a combining accent) are two cases to SQLite: each one's rows
    /// are filed under its own township, in one import and across imports.
    func testTwoCasesWhoseIdsDifferOnlyInUnicodeFormAreFiledUnderTheirOwnTownships() throws {
        let county = try makeCounty(stations: 2)
        let (first, second) = (county.stations[0].identity.township!, county.stations[1].identity.township!)
        let (composed, decomposed) = ("h-caf\u{E9}", "h-cafe\u{301}")
        XCTAssertEqual(composed, decomposed, "equal as Swift strings")
        let writer = SiteID(bytes: Array(repeating: 0x5E, count: 16))!
        let stamp = HybridTimestamp(millis: county.hub.replica.wallClock() - 60_000, counter: 0)
        let households = [Change.set("household", composed, "township", .text(first), stamp: stamp, origin: writer, sequence: 1),
                          Change.set("household", decomposed, "township", .text(second), stamp: stamp, origin: writer, sequence: 2)]
        let members = [Change.set("member", "m-composed", "household_id", .text(composed), stamp: stamp, origin: writer, sequence: 3),
                       Change.set("member", "m-decomposed", "household_id", .text(decomposed), stamp: stamp, origin: writer, sequence: 4)]
        _ = try county.hub.replica.importChanges { tx in try tx.apply(households + members) }
        XCTAssertEqual(try rowsFiled(by: writer, under: first, county).filter { $0.hasPrefix("m-") }, ["m-composed"])
        XCTAssertEqual(try rowsFiled(by: writer, under: second, county).filter { $0.hasPrefix("m-") }, ["m-decomposed"])
        // And in the next import, from the carried cache.
        let later = [Change.set("member", "m-composed-2", "household_id", .text(composed), stamp: stamp, origin: writer, sequence: 5),
                     Change.set("member", "m-decomposed-2", "household_id", .text(decomposed), stamp: stamp, origin: writer, sequence: 6)]
        _ = try county.hub.replica.importChanges { tx in try tx.apply(later) }
        XCTAssertEqual(try rowsFiled(by: writer, under: first, county).filter { $0.hasPrefix("m-") }, ["m-composed", "m-composed-2"])
        XCTAssertEqual(try rowsFiled(by: writer, under: second, county).filter { $0.hasPrefix("m-") }, ["m-decomposed", "m-decomposed-2"])
    }

    /// The origins of the test's own changes (not stations of the county).
    private static let mover = SiteID(bytes: Array(repeating: 0x5C, count: 16))!
    private static let editor = SiteID(bytes: Array(repeating: 0x5D, count: 16))!

    /// A county whose hub merged two households of the first station, the first with a
    /// member, in one import that left its case cache to the next.
    private func countyWithACaseAtTheHub() throws -> (County, household: String, member: String) {
        let county = try makeCounty(stations: 2)
        let station = county.stations[0]
        let household = try XCTUnwrap(addHouseholds(station, count: 2).first)
        let member = try station.record(table: "member", values: ["household_id": .text(household), "name": .text("马明")]).rowID
        let changes = try station.replica.ownChanges(after: 0)
        latest = changes.map(\.stamp.millis).max() ?? 0
        _ = try county.hub.replica.importChanges { tx in try tx.apply(changes) }
        XCTAssertEqual(county.hub.replica.caseCaches.keptCases, 2, "the import leaves what it knows of the cases to the next")
        return (county, household, member)
    }

    /// The latest stamp of the station's changes: the test's own changes come after it.
    private var latest: UInt64 = 0

    private func move(_ household: String, to township: String, _ county: County) -> Change {
        Change.set("household", household, "township", .text(township),
                   stamp: HybridTimestamp(millis: latest + 1_000, counter: 0), origin: Self.mover, sequence: 1)
    }

    private func edit(_ member: String, _ county: County) -> Change {
        Change.set("member", member, "name", .text("马明明"),
                   stamp: HybridTimestamp(millis: latest + 2_000, counter: 0), origin: Self.editor, sequence: 1)
    }

    /// After a move of `household` that was rolled back: no cache is kept, the case is in
    /// the first station's township, and the next import files `member`'s edit there.
    private func assertTheMoveLeftNothing(_ household: String, _ member: String, _ county: County,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let (first, second) = (county.stations[0].identity.township!, county.stations[1].identity.township!)
        XCTAssertEqual(county.hub.replica.caseCaches.keptCases, 0, file: file, line: line)
        XCTAssertEqual(try county.hub.replica.township(ofCase: household), first, file: file, line: line)
        _ = try county.hub.replica.importChanges { tx in try tx.apply([edit(member, county)]) }
        XCTAssertEqual(try rowsFiled(by: Self.editor, under: first, county), [member], file: file, line: line)
        XCTAssertEqual(try rowsFiled(by: Self.editor, under: second, county), [], file: file, line: line)
    }

    private func assertNextEditFiledWhereTheCaseIsNow(movingThrough other: (County) throws -> Replica,
                                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let (county, household, member) = try countyWithACaseAtTheHub()
        let (first, second) = (county.stations[0].identity.township!, county.stations[1].identity.township!)
        _ = try other(county).importChanges { tx in try tx.apply([move(household, to: second, county)]) }
        XCTAssertEqual(try county.hub.replica.township(ofCase: household), second, file: file, line: line)
        _ = try county.hub.replica.importChanges { tx in try tx.apply([edit(member, county)]) }
        XCTAssertEqual(try rowsFiled(by: Self.editor, under: second, county), [member], "filed where the case is now", file: file, line: line)
        XCTAssertEqual(try rowsFiled(by: Self.editor, under: first, county), [], "not where the carried cache last saw it", file: file, line: line)
    }

    /// The rows of the changes of `origin` filed in `township`'s feed at the hub, in feed order.
    private func rowsFiled(by origin: SiteID, under township: String, _ county: County) throws -> [String] {
        try county.hub.replica.exportSnapshot { snapshot in
            var rows: [String] = []
            try snapshot.forEachFeedBatch(township: township, after: 0, excluding: county.hub.replica.siteID, batchSize: 100) { batch in
                rows += batch.filter { $0.origin == origin }.map(\.rowID)
            }
            return rows
        }
    }
}
