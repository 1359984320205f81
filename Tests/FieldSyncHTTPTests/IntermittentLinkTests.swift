import FieldSyncCore
import FieldSyncFlakyLink
import FieldSyncHTTP
import FieldSyncStore
import FieldSyncSync
import FieldSyncTestSupport
import Foundation
import XCTest

/// Whole `station sync` rounds against a live hub, directly and through a link that drops.
final class IntermittentLinkTests: HTTPTestCase {
    static let chunk = 2048

    /// The link of the property: most connections are cut (at a random byte within 6 KiB,
    /// either way) or stall up to 1.5 s, at most six faults a round so that every round can end.
    static let dropping = FlakyLink.RandomFaults(cutChance: 0.6, cutWithin: 6 * 1024, stallChance: 0.5,
                                                 stallSeconds: 0.2...1.5, maxFaults: 6)

    /// Options for a loopback link: small chunks (so a bundle is many), short timeouts (so a
    /// stall becomes a retry quickly), quick backoff.
    func options(total: Duration = .seconds(30)) -> SyncOptions {
        SyncOptions(chunkBytes: Self.chunk, requestTimeout: .milliseconds(800), totalTimeout: total,
                    backoffBase: .milliseconds(20), backoffCap: .milliseconds(250))
    }

    func testARoundOverAGoodLinkMergesImportsAndLeavesNothingOwed() async throws {
        try addHouseholds(station, count: 30)
        try addHouseholds(county.stations[1], count: 4)
        try county.hub.merge(bundleAt: county.stations[1].export(to: folder.sub("usb") + "/").path)
        let service = makeService(limits: .init(chunkBytes: Self.chunk))
        let station = self.station
        let options = self.options()
        let report = try await service.servingOnLoopback { port in
            try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(port)", options: options).run()
        }
        try await service.worker.shutdown()
        XCTAssertEqual(report.merge.outcome, "applied")
        XCTAssertEqual(report.merge.changes, 30 * 9, "nine columns a household")
        XCTAssertEqual(report.chunkBytesSent, report.uploadBytes)
        XCTAssertEqual(report.interruptions, 0)
        XCTAssertEqual(try station.status().changesOwed, 0)
        XCTAssertEqual(try station.replica.digest(), try hub.replica.digest(township: "630106100"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: station.folder.path + "/sync"), "a completed round leaves no state")
    }

    func testARoundCutShortSaysWhatRemainsAndTheNextRunResumesWithoutResendingWhatTheHubHolds() async throws {
        try addHouseholds(station, count: 200)
        let service = makeService(limits: .init(chunkBytes: Self.chunk))
        let station = self.station
        let options = self.options(total: .seconds(2))
        let hubFolder = hub.folder.path
        let (first, held, second) = try await service.servingOnLoopback { port in
            // The link dies for good after 12 KB: a few chunks get through, then nothing until --timeout.
            let proxy = try FlakyLink(upstreamPort: port, faults: .scheduled([.dies(atUpByte: 12_000)]))
            defer { proxy.stop() }
            var failure: StationSyncError?
            do { _ = try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(proxy.port)", options: options).run() } catch {
                failure = error as? StationSyncError
            }
            // What the hub holds of the upload, which the first process left in the station folder.
            let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: station.folder.path + "/sync/state.json")))
            let id = try XCTUnwrap(((state as? [String: Any])?["upload"] as? [String: Any])?["id"] as? String)
            let held = PrivateFile.size("\(hubFolder)/uploads/\(id)/bundle.part") ?? 0
            let second = try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(port)", options: options).run()
            return (failure, held, second)
        }
        try await service.worker.shutdown()
        guard case let .gaveUp(.uploading(done, total), _)? = first else {
            return XCTFail("the cut round should give up uploading, got \(String(describing: first))")
        }
        XCTAssertEqual(total, second.uploadBytes)
        XCTAssertLessThanOrEqual(done, held, "it reports no more than the hub holds")
        XCTAssertTrue(first!.description.contains("run the same command again to resume"), first!.description)
        XCTAssertEqual(second.merge.outcome, "applied")
        XCTAssertEqual(second.merge.changes, 200 * 9)
        // The second process sent only what the hub lacked.
        XCTAssertGreaterThan(held, 0, "some of the bundle reached the hub before the round gave up")
        XCTAssertEqual(second.chunkBytesSent, second.uploadBytes - held)
        XCTAssertEqual(try hub.replica.importedBundles(from: station.identity.site, limit: 100).count, 1)
        XCTAssertEqual(try station.status().changesOwed, 0)
    }

    func testALinkWithScheduledFaultsCutsAndStallsOnceAtEachOffsetAndTheRoundStillMergesOnce() async throws {
        try addHouseholds(station, count: 60)
        let service = makeService(limits: .init(chunkBytes: Self.chunk))
        let station = self.station
        let options = self.options()
        let (report, counts) = try await service.servingOnLoopback { port in
            let link = try FlakyLink(upstreamPort: port, faults: .scheduled([.cut(atUpByte: 9_000), .stall(atUpByte: 5_000, seconds: 0.2),
                                                                             .cut(atUpByte: 3_000)]))
            defer { link.stop() }
            let report = try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(link.port)", options: options).run()
            return (report, link.snapshot)
        }
        try await service.worker.shutdown()
        XCTAssertEqual(counts.cuts, 2, "each scheduled cut once, whatever order it was given in")
        XCTAssertEqual(counts.stalls, 1)
        XCTAssertGreaterThan(counts.up, report.uploadBytes, "the whole bundle, its requests' heads and the re-sent bytes went up")
        XCTAssertEqual(report.merge.outcome, "applied")
        XCTAssertLessThanOrEqual(report.chunkBytesSent - report.uploadBytes, Int64(2 * Self.chunk))
        XCTAssertEqual(try hub.replica.importedBundles(from: station.identity.site, limit: 100).count, 1)
        XCTAssertEqual(try station.replica.digest(), try hub.replica.digest(township: "630106100"))
    }

    func testRoundsThroughALinkThatCutsAndStallsCompleteMergeOnceAndResendAtMostOneChunkPerFault() async throws {
        let runs = ProcessInfo.processInfo.environment["FIELDSYNC_HTTP_RUNS"].flatMap(Int.init) ?? 24
        let firstSeed = ProcessInfo.processInfo.environment["FIELDSYNC_SEED"].flatMap(UInt64.init) ?? 1
        let service = makeService(limits: .init(chunkBytes: Self.chunk))
        let station = self.station
        let options = self.options()
        let started = ContinuousClock.now
        let outcomes = try await service.servingOnLoopback { port in
            var outcomes: [(seed: UInt64, report: SyncRoundReport, counts: FlakyLink.Counts)] = []
            for run in 0..<runs {
                // Time-boxed: the suite stays well under a minute whatever the machine.
                if started.duration(to: .now) > .seconds(40) { break }
                let seed = firstSeed &+ UInt64(run)
                try Households.add(to: station, count: 60 + Int(seed % 60), from: run * 1000)
                let proxy = try FlakyLink(upstreamPort: port, faults: .random(Self.dropping, seed: seed))
                defer { proxy.stop() }
                let report = try await StationSyncRound(station: station, hub: "http://127.0.0.1:\(proxy.port)", options: options).run()
                outcomes.append((seed, report, proxy.snapshot))
            }
            return outcomes
        }
        try await service.worker.shutdown()
        XCTAssertGreaterThanOrEqual(outcomes.count, 10, "at least ten rounds in the time box")
        var resent: Int64 = 0, faults = 0, cuts = 0, upBytes: Int64 = 0, bundleBytes: Int64 = 0, downloadResent: Int64 = 0
        for (seed, report, counts) in outcomes {
            XCTAssertEqual(report.merge.outcome, "applied", "seed \(seed): merged once, not found already imported")
            let extra = report.chunkBytesSent - report.uploadBytes
            XCTAssertLessThanOrEqual(extra, Int64(Self.chunk * (counts.cuts + counts.stalls)),
                                     "seed \(seed): \(extra) bytes re-sent after \(counts.cuts) cuts and \(counts.stalls) stalls")
            XCTAssertLessThanOrEqual(report.downloadBytesReceived - report.downloadBytes, Int64(0), "seed \(seed): the download resumed")
            resent += extra
            faults += counts.cuts + counts.stalls
            cuts += counts.cuts
            upBytes += counts.up
            bundleBytes += report.uploadBytes
            downloadResent += report.downloadBytesReceived - report.downloadBytes
        }
        // Nothing merged twice: one import per round, each its own bundle.
        let imported = try hub.replica.importedBundles(from: station.identity.site, limit: 1000)
        XCTAssertEqual(imported.count, outcomes.count)
        XCTAssertEqual(Set(outcomes.map(\.report.merge.bundleID)).count, outcomes.count)
        XCTAssertEqual(try station.status().changesOwed, 0)
        XCTAssertEqual(try station.replica.digest(), try hub.replica.digest(township: "630106100"))
        XCTAssertGreaterThan(faults, 0, "the proxy cut or stalled something")
        print(String(format: "intermittent link: %d rounds, %d faults (%d cuts, the rest stalls), chunk %d B: re-sent %lld chunk bytes (%.0f B per fault, bound %d); "
                     + "download re-sent %lld B; bytes up through the proxy %lld for %lld bundle bytes (%.2fx)",
                     outcomes.count, faults, cuts, Self.chunk, resent, faults == 0 ? 0 : Double(resent) / Double(faults), Self.chunk,
                     downloadResent, upBytes, bundleBytes, Double(upBytes) / Double(max(bundleBytes, 1))))
    }
}
