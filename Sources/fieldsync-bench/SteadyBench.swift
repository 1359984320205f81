import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// `--workload steady`: the hub's steady state (``SteadyWorkload``) against the peer, in one
/// run: N single-cell edits over the N/10 rows of the default workload, which the hub and
/// the peer's database already hold (set up, not timed).
extension Bench {
    func runSteady() throws {
        let base = Workload(schema: schema, changes: changes - changes % 10) // whole rows
        let steady = SteadyWorkload(base: base, edits: changes)
        say("steady workload: \(steady.edits.count) single-cell edits over \(base.rows) existing household rows from "
            + "\(steady.origins.count) stations, \(steady.concurrentEdits) of them concurrent edits of reviewed columns")
        let cells = Double(steady.edits.count)

        let peer = try ChangesetBaseline.measure(steady, dir: dir)
        let peerRate = cells / peer.seconds
        say(String(format: "changeset apply:          %8.2f s  %10.0f edits/s  (net change per row: changeset of %.1f MB built untimed)",
                   peer.seconds, peerRate, Double(peer.changesetBytes) / 1e6))

        let hub = try Replica.create(at: dir + "/steady-hub.sqlite", schema: schema, siteID: SiteID(bytes: Array(repeating: 0xAA, count: 16))!,
                                     name: "bench hub", role: .hub, wallClock: base.wallClock)
            .ranked(by: CaseworkPrecedence())
            .scoped(by: CaseworkScope(), township: nil)
        _ = try hub.importChanges { tx in
            tx.mergeGuard = Workload.stationGuard
            for batch in base.batches(of: 4_096) { try tx.apply(batch) }
        }
        let batches = steady.batches(of: 4_096)
        var report = ApplyReport()
        let merge = try FieldSyncBench.measure {
            (_, report) = try hub.importChanges { tx in
                tx.mergeGuard = SteadyWorkload.anyStationGuard
                for batch in batches { try tx.apply(batch) }
            }
        }
        precondition(report.applied == steady.edits.count, "merge applied \(report.applied)")
        let mergeRate = cells / merge
        say(String(format: "replica merge (apply):    %8.2f s  %10.0f edits/s  %d conflicts recorded", merge, mergeRate, report.conflicts))
        say(String(format: "  merge / changeset apply %.2f", mergeRate / peerRate))

        if json {
            let result: [String: Any] = [
                "workload": "steady", "edits": steady.edits.count, "rows": base.rows, "stations": steady.origins.count,
                "concurrentEdits": steady.concurrentEdits, "conflicts": report.conflicts,
                "changesetApplySeconds": peer.seconds, "changesetApplyEditsPerSecond": peerRate, "changesetBytes": peer.changesetBytes,
                "mergeSeconds": merge, "mergeEditsPerSecond": mergeRate, "mergeRatioToChangesetApply": mergeRate / peerRate,
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
