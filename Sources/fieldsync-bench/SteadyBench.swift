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

        let hub = try holdingRows(of: base, at: dir + "/steady-hub.sqlite")
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

        // End to end: the same edits in per-station bundles, merged by a separate process
        // into another hub holding the same rows (set up, not timed).
        let keys = BenchKeys()
        let bundles = dir + "/steady-bundles"
        let bundleCount = try SteadyBundles.write(steady, keys: keys, schemaFingerprint: hub.schemaFingerprint, to: bundles)
        let bundleBytes = try SteadyBundles.paths(in: bundles).reduce(0) {
            $0 + ((try FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
        }
        let e2eHub = dir + "/steady-e2e-hub.sqlite"
        _ = try holdingRows(of: base, at: e2eHub) // closed again before the child opens it
        let child = try ChildImport.spawnSteady(bundles: bundles, hub: e2eHub, keys: keys)
        precondition(child.extra.count == 3 && Int(child.extra[0]) == steady.edits.count, "end to end merged \(child.extra)")
        let (e2eConflicts, committing) = (Int(child.extra[1]), child.extra[2])
        // Merged in another order, into the same rows: the same replica (convergence), or the
        // end-to-end figure is not of the same work.
        let e2eDigest = try Replica.open(at: e2eHub, schema: schema, wallClock: base.wallClock).digest()
        let oneImportDigest = try hub.digest()
        precondition(e2eDigest == oneImportDigest, "the hub merging the bundles ended unlike the one-import hub")
        let e2eRate = cells / child.seconds
        say(String(format: "bundle merge end to end:  %8.2f s  %10.0f edits/s  %d bundles (%.1f bytes/edit), %d conflicts recorded",
                   child.seconds, e2eRate, bundleCount, Double(bundleBytes) / cells, e2eConflicts))
        say(String(format: "  of which committing %.2f s (%.0f%%): the held rows written, the WAL pages written and synced", committing,
                   100 * committing / child.seconds))
        say(String(format: "  end to end / changeset apply %.2f   import peak memory %.1f MB", e2eRate / peerRate, child.maxRSSMB))

        if json {
            let result: [String: Any] = [
                "workload": "steady", "edits": steady.edits.count, "rows": base.rows, "stations": steady.origins.count,
                "concurrentEdits": steady.concurrentEdits, "conflicts": report.conflicts,
                "changesetApplySeconds": peer.seconds, "changesetApplyEditsPerSecond": peerRate, "changesetBytes": peer.changesetBytes,
                "mergeSeconds": merge, "mergeEditsPerSecond": mergeRate, "mergeRatioToChangesetApply": mergeRate / peerRate,
                "bundles": bundleCount, "bundleBytes": bundleBytes, "endToEndSeconds": child.seconds,
                "endToEndEditsPerSecond": e2eRate, "endToEndRatioToChangesetApply": e2eRate / peerRate,
                "endToEndConflicts": e2eConflicts, "endToEndCommitSeconds": committing, "importPeakMB": child.maxRSSMB,
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// A hub replica at `path` holding the rows of `base`, merged as one station's bundle.
    private func holdingRows(of base: Workload, at path: String) throws -> Replica {
        let hub = try Replica.create(at: path, schema: schema, siteID: SiteID(bytes: Array(repeating: 0xAA, count: 16))!,
                                     name: "bench hub", role: .hub, wallClock: base.wallClock)
            .ranked(by: CaseworkPrecedence())
            .scoped(by: CaseworkScope(), township: nil)
        _ = try hub.importChanges { tx in
            tx.mergeGuard = Workload.stationGuard
            for batch in base.batches(of: 4_096) { try tx.apply(batch) }
        }
        return hub
    }
}
