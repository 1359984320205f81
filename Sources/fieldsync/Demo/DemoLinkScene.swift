import FieldSyncCore
import FieldSyncFlakyLink
import FieldSyncHTTP
import FieldSyncSync
import Foundation

/// Scene ⑨ of `fieldsync demo`: the first station registers more households offline, then
/// syncs them over HTTP, as `fieldsync station sync` does, with the hub serving on a
/// loopback port as `fieldsync hub serve` does, through a ``FlakyLink`` that cuts the
/// connection three times and stalls it once. The round completes, re-sends no more than
/// the chunk in flight at each cut, and the hub merges the bundle once. A second round on
/// the same link tells the hub that the station holds its return bundle, as the next
/// `station sync` would: then nothing is owed either way, which the demo's result checks.
///
/// Here, in the command, because the demo's other scenes live in FieldSyncSync, which
/// knows no HTTP (the layers point one way: Sync ← HTTP ← CLI), and because FieldSyncHTTP
/// carries no fault injection.
///
/// The faults are scheduled at offsets of the bytes going up, drawn from the demo's seed:
/// the same cuts hit the same bytes of the same exchange every run, so what the scene
/// prints is the same for the same seed; only how long it takes differs.
struct DemoLinkScene {
    static let households = 10
    static let chunkBytes = 1024
    static let cuts = 3
    static let stallSeconds = 0.4
    /// The faults fall within the first this-many bytes up: well inside the first round's
    /// upload (its bundle is some 13 KB, its requests' heads as much again), so every fault
    /// hits a chunk, a nonce or an offset query of that upload.
    static let faultWindow: Int64 = 8 * 1024
    /// Short waits, because the link is loopback; a request timeout well above the stall, so
    /// the stall is waited out, not retried (a retry's timing would make the output vary).
    static let options = SyncOptions(chunkBytes: chunkBytes, requestTimeout: .seconds(5), totalTimeout: .seconds(60),
                                     backoffBase: .milliseconds(20), backoffCap: .milliseconds(200))

    let scenario: DemoScenario
    let say: @Sendable (String) -> Void

    /// What the scene did, for the result and `--json`.
    struct Check: Sendable, Encodable {
        let station: String
        let households: Int
        let bundle: String
        let bundleBytes: Int64
        let chunkBytes: Int
        let cuts: Int
        let stalls: Int
        /// Requests that failed on the link and were tried again.
        let retries: Int
        /// Chunk bytes sent beyond the bundle's size: what the cuts cost.
        let bytesResent: Int64
        let mergedChanges: Int
        /// The hub merged the bundle (not "already imported") and its import log holds it once.
        let mergedOnce: Bool
        /// Every household the station registered for the scene is at the hub.
        let reachedHub: Bool
        /// Changes of the second round's bundle: the acknowledgement carries none.
        let secondRoundChanges: Int

        var held: Bool { mergedOnce && reachedHub }
    }

    /// Why the scene could not finish: the round, or the link, failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The link's faults for `seed`: one cut in each third of the window, a stall anywhere in it.
    static func schedule(seed: UInt64) -> [FlakyLink.Fault] {
        var rng = SeededGenerator(seed: seed &+ 0xF1A4)
        let third = faultWindow / Int64(cuts)
        var faults: [FlakyLink.Fault] = (0..<Int64(cuts)).map { .cut(atUpByte: $0 * third + Int64.random(in: 0..<third, using: &rng)) }
        faults.append(.stall(atUpByte: Int64.random(in: 0..<faultWindow, using: &rng), seconds: stallSeconds))
        return faults
    }

    func run(after played: DemoScenario.Played) throws -> Check {
        let station = played.county.stations[0], hub = played.county.hub, name = station.identity.name
        let ids = try scenario.registerMoreHouseholds(Self.households, atStation: 0, of: played)
        say("⑨ 断续链路 \(name) registers \(ids.count) more households offline, then syncs over HTTP (fieldsync station sync) through a link that drops")
        let faults = Self.schedule(seed: scenario.seed)
        let cutsAt = faults.compactMap { if case let .cut(at) = $0 { at } else { nil } }
        let stallAt = faults.compactMap { if case let .stall(at, _) = $0 { at } else { nil } }
        say("   the hub serves on a loopback port (fieldsync hub serve); between them a proxy cuts the link at up-bytes "
            + cutsAt.map(String.init).joined(separator: ", ") + " and stalls it \(Self.stallSeconds) s at byte \(stallAt.map(String.init).joined())")
        let service = HubHTTPService(worker: HubWorker(hub: hub), limits: .init(chunkBytes: Self.chunkBytes))
        let outcome = Result { () throws -> (SyncRoundReport, SyncRoundReport, FlakyLink.Counts) in
            try runBlocking {
                try await service.servingOnLoopback { port in
                    let link = try FlakyLink(upstreamPort: port, faults: .scheduled(faults))
                    defer { link.stop() }
                    let hubURL = "http://127.0.0.1:\(link.port)"
                    let report = try await StationSyncRound(station: station, hub: hubURL, options: Self.options).run()
                    let acknowledgement = try await StationSyncRound(station: station, hub: hubURL, options: Self.options).run()
                    return (report, acknowledgement, link.snapshot)
                }
            }
        }
        try runBlocking { try await service.worker.shutdown() }
        let (report, acknowledgement, counts): (SyncRoundReport, SyncRoundReport, FlakyLink.Counts)
        do { (report, acknowledgement, counts) = try outcome.get() } catch {
            throw Failure(description: "演示的 HTTP 同步未完成 / the demo's HTTP sync did not complete: \(error)")
        }
        let imported = try SyncError.catching { try hub.replica.importedBundles(from: station.identity.site, limit: 1000) }
        let check = Check(station: name, households: ids.count, bundle: report.uploadName, bundleBytes: report.uploadBytes,
                          chunkBytes: Self.chunkBytes, cuts: counts.cuts, stalls: counts.stalls, retries: report.interruptions,
                          bytesResent: report.chunkBytesSent - report.uploadBytes, mergedChanges: report.merge.changes,
                          mergedOnce: report.merge.outcome == "applied"
                              && imported.filter { Hex.encode($0.bundleID) == report.merge.bundleID }.count == 1,
                          reachedHub: try SyncError.catching { try ids.allSatisfy { try hub.replica.row(table: "household", rowID: $0) != nil } },
                          secondRoundChanges: acknowledgement.merge.changes)
        say("   \(check.bundle) (\(check.bundleBytes) bytes) went up in \(check.chunkBytes)-byte chunks: the link was cut \(check.cuts) times and stalled \(check.stalls == 1 ? "once" : "\(check.stalls) times"); \(check.retries) requests were tried again")
        say("   re-sent after the cuts: \(check.bytesResent) chunk bytes (at most one chunk per cut: \(check.cuts * check.chunkBytes))")
        say("   the hub merged it \(check.mergedOnce ? "once" : "NOT exactly once") (\(report.merge.outcome), \(check.mergedChanges) changes); the station imported its return bundle")
        let quiet = try played.county.isQuiet()
        say("   the next round (\(acknowledgement.uploadName), \(check.secondRoundChanges) changes) tells the hub the station holds it: "
            + (quiet ? "nothing is owed either way" : "something is STILL owed"))
        return check
    }
}
