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
        let split = SteadyBundles.split(steady)
        say("steady workload: \(steady.edits.count) single-cell edits over \(base.rows) existing household rows from "
            + "\(steady.origins.count) stations, \(steady.concurrentEdits) of them concurrent edits of reviewed columns")
        let cells = Double(steady.edits.count)
        func line(_ what: String, _ seconds: Double, _ note: String) {
            say(what.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " %8.2f s  %10.0f edits/s  ", seconds, cells / seconds) + note)
        }

        // The peers: one changeset of all the edits (what issue 10 names), and one changeset
        // per station bundle, each applied in its own transaction (as a hub of the peer's
        // kind would receive them).
        let peer = try ChangesetBaseline.measure(steady, dir: dir)
        let peerRate = cells / peer.seconds
        line("changeset apply:", peer.seconds, String(format: "(net change per row: changeset of %.1f MB built untimed)", Double(peer.changesetBytes) / 1e6))
        let bundlePeer = try ChangesetBaseline.measure(steady, bundles: split.map(\.edits), name: "steady-bundles", dir: dir)
        let bundlePeerRate = cells / bundlePeer.seconds
        line("changeset apply per bundle:", bundlePeer.seconds,
             String(format: "(%d changesets of %.1f MB, one transaction each)", split.count, Double(bundlePeer.changesetBytes) / 1e6))

        // One import of every edit, then the floor of what it wrote.
        let hub = try holdingRows(of: base, at: dir + "/steady-hub.sqlite")
        let oneFloorHub = dir + "/steady-floor-one.sqlite"
        _ = try holdingRows(of: base, at: oneFloorHub) // closed again: the file alone holds it
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
        line("replica merge (apply):", merge, "\(report.conflicts) conflicts recorded")
        say(String(format: "  merge / changeset apply %.2f", mergeRate / peerRate))
        let oneFloor = try FloorBaseline.replay(transactions: [steady.edits], table: "household", merged: dir + "/steady-hub.sqlite",
                                                path: oneFloorHub, warm: true)
        let oneFloorRate = cells / oneFloor.seconds
        line("floor, one transaction:", oneFloor.seconds, "(SQLite alone writing what the merge wrote)")
        say("  " + oneFloor.breakdown)
        say(String(format: "  floor / changeset apply %.2f   merge / floor %.2f", oneFloorRate / peerRate, mergeRate / oneFloorRate))

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
        // The floors' start: the same hub before the merge (its last connection closed, so
        // the file alone holds it).
        let bundleFloorHub = dir + "/steady-floor-bundles.sqlite", roundFloorHub = dir + "/steady-floor-rounds.sqlite"
        try FileManager.default.copyItem(atPath: e2eHub, toPath: bundleFloorHub)
        try FileManager.default.copyItem(atPath: e2eHub, toPath: roundFloorHub)
        let child = try ChildImport.spawnSteady(bundles: bundles, hub: e2eHub, keys: keys)
        precondition(child.extra.count == 3 && Int(child.extra[0]) == steady.edits.count, "end to end merged \(child.extra)")
        let (e2eConflicts, committing) = (Int(child.extra[1]), child.extra[2])
        // Merged in another order, into the same rows: the same replica (convergence), or the
        // end-to-end figure is not of the same work.
        let e2eDigest = try Replica.open(at: e2eHub, schema: schema, wallClock: base.wallClock).digest()
        let oneImportDigest = try hub.digest()
        precondition(e2eDigest == oneImportDigest, "the hub merging the bundles ended unlike the one-import hub")
        let e2eRate = cells / child.seconds
        line("bundle merge end to end:", child.seconds,
             String(format: "%d bundles (%.1f bytes/edit), %d conflicts recorded", bundleCount, Double(bundleBytes) / cells, e2eConflicts))
        say(String(format: "  of which committing %.2f s (%.0f%%): the held rows written, the WAL pages written and synced", committing,
                   100 * committing / child.seconds))
        say(String(format: "  end to end / changeset apply %.2f   end to end / changeset apply per bundle %.2f   import peak memory %.1f MB",
                   e2eRate / peerRate, e2eRate / bundlePeerRate, child.maxRSSMB))

        // The floor of what the bundles' merge wrote, one transaction per bundle (as a hub
        // merged them before batches), and one per round of bundles (an intake that commits
        // once per stick; `hub merge` commits a batch every `Hub.batchSeconds`).
        let bundleFloor = try FloorBaseline.replay(transactions: split.map(\.edits), table: "household", merged: e2eHub,
                                                   path: bundleFloorHub, warm: false)
        let bundleFloorRate = cells / bundleFloor.seconds
        line("floor, one transaction per bundle:", bundleFloor.seconds, "(SQLite alone writing what the merge wrote)")
        say("  " + bundleFloor.breakdown)
        say(String(format: "  floor / changeset apply %.2f   floor / changeset apply per bundle %.2f   end to end / floor %.2f",
                   bundleFloorRate / peerRate, bundleFloorRate / bundlePeerRate, e2eRate / bundleFloorRate))
        let rounds = Dictionary(grouping: split, by: \.round).sorted { $0.key < $1.key }.map { $0.value.flatMap(\.edits) }
        let roundFloor = try FloorBaseline.replay(transactions: rounds, table: "household", merged: e2eHub, path: roundFloorHub, warm: false)
        let roundFloorRate = cells / roundFloor.seconds
        line("floor, one transaction per round:", roundFloor.seconds, "(\(steady.origins.count) bundles a round)")
        say("  " + roundFloor.breakdown)
        say(String(format: "  floor / changeset apply %.2f   end to end / floor %.2f", roundFloorRate / peerRate, e2eRate / roundFloorRate))

        if json {
            let result: [String: Any] = [
                "workload": "steady", "edits": steady.edits.count, "rows": base.rows, "stations": steady.origins.count,
                "concurrentEdits": steady.concurrentEdits, "conflicts": report.conflicts,
                "changesetApplySeconds": peer.seconds, "changesetApplyEditsPerSecond": peerRate, "changesetBytes": peer.changesetBytes,
                "changesetApplyPerBundleSeconds": bundlePeer.seconds, "changesetPerBundleBytes": bundlePeer.changesetBytes,
                "mergeSeconds": merge, "mergeEditsPerSecond": mergeRate, "mergeRatioToChangesetApply": mergeRate / peerRate,
                "oneImportFloor": oneFloor.json, "mergeRatioToOneImportFloor": mergeRate / oneFloorRate,
                "oneImportFloorRatioToChangesetApply": oneFloorRate / peerRate,
                "bundles": bundleCount, "bundleBytes": bundleBytes, "endToEndSeconds": child.seconds,
                "endToEndEditsPerSecond": e2eRate, "endToEndRatioToChangesetApply": e2eRate / peerRate,
                "endToEndRatioToChangesetApplyPerBundle": e2eRate / bundlePeerRate,
                "endToEndConflicts": e2eConflicts, "endToEndCommitSeconds": committing, "importPeakMB": child.maxRSSMB,
                "bundleFloor": bundleFloor.json, "bundleFloorRatioToChangesetApply": bundleFloorRate / peerRate,
                "bundleFloorRatioToChangesetApplyPerBundle": bundleFloorRate / bundlePeerRate,
                "endToEndRatioToBundleFloor": e2eRate / bundleFloorRate,
                "roundFloor": roundFloor.json, "roundFloorRatioToChangesetApply": roundFloorRate / peerRate,
                "endToEndRatioToRoundFloor": e2eRate / roundFloorRate,
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
