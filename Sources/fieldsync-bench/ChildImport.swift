import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation

/// Imports a bundle in a separate process, so that its peak memory (max RSS) is the
/// import's alone and not the benchmark's workload held in the parent.
enum ChildImport {
    struct Result {
        let seconds: Double
        let maxRSSMB: Double
        /// What the child printed besides (the steady import: changes merged, conflicts
        /// recorded, seconds spent committing).
        var extra: [Double] = []
    }

    static func spawn(bundle: String, keys: BenchKeys, dir: String) throws -> Result {
        try spawn(["--child-import", bundle, Hex.encode(keys.hubAgreement.rawRepresentation), dir + "/child.sqlite"])
    }

    /// The steady state end to end: the child opens `hub` (a replica already holding the
    /// rows) and merges every bundle in `bundles` (``SteadyBundles``) in name order.
    static func spawnSteady(bundles: String, hub: String, keys: BenchKeys) throws -> Result {
        try spawn(["--child-import-steady", bundles, Hex.encode(keys.hubAgreement.rawRepresentation), hub])
    }

    private static func spawn(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard process.terminationStatus == 0, fields.count >= 2 else {
            throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "child import failed"])
        }
        return Result(seconds: fields[0], maxRSSMB: fields[1] / 1024, extra: Array(fields.dropFirst(2)))
    }

    /// The peak resident set of this process in KiB (`VmHWM`). Read by the child itself:
    /// `getrusage(RUSAGE_CHILDREN)` in the parent would count the parent's own pages,
    /// which a child spawned with a shared address space inherits until `exec`.
    static func peakRSSKiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
        return Double(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// In the child: verify, decrypt, apply into a fresh hub replica; print the seconds
    /// and the peak memory.
    static func run(_ args: [String]) throws {
        let (bundle, keyHex, dbPath) = (args[0], args[1], args[2])
        let key = try AgreementPrivateKey(rawRepresentation: Hex.decode(keyHex)!)
        let hubSite = SiteID(bytes: Array(repeating: 0xBB, count: 16))!
        let replica = try Replica.create(at: dbPath, schema: CaseworkSchema.schema, siteID: hubSite, name: "bench child",
                                         role: .hub, wallClock: { Workload.baseMillis + 3_600_000 })
            .ranked(by: CaseworkPrecedence()) // as a real hub merges (M7)
            .scoped(by: CaseworkScope(), township: nil) // and files every change into its township's feed (P2)
        let seconds = try FieldSyncBench.measure {
            // As the hub's import opens it: checked while applied, in the one transaction.
            let readable = try UnverifiedBundle.open(path: bundle).verify().openInOnePass(as: hubSite, key: key)
            _ = try replica.importChanges { tx in
                tx.mergeGuard = Workload.stationGuard
                try readable.forEachBatch { try tx.apply($0) }
            }
        }
        print(seconds, peakRSSKiB())
    }

    /// In the child: merge each station bundle of `dir` into the hub replica at `dbPath`,
    /// one import (a savepoint) per bundle and one transaction per batch of bundles, as a
    /// hub's intake does (``Hub/merge(paths:progress:skipped:)``, ``Hub/batchSeconds``),
    /// each checked for its station's origin and against the casework authority; print the
    /// seconds, the peak memory, the changes merged, the conflicts recorded and the
    /// seconds committing.
    ///
    /// Less than `hub merge` does, so a lower bound of its time: no scope check (the
    /// workload's stations edit rows of every township, which a real station cannot), no A2
    /// bound on the numbers, and none of the bookkeeping (the bundle's record, the known
    /// vector, the audit).
    static func runSteady(_ args: [String]) throws {
        let (dir, keyHex, dbPath) = (args[0], args[1], args[2])
        let key = try AgreementPrivateKey(rawRepresentation: Hex.decode(keyHex)!)
        let hubSite = SiteID(bytes: Array(repeating: 0xBB, count: 16))!
        let replica = try Replica.open(at: dbPath, schema: CaseworkSchema.schema, wallClock: { Workload.baseMillis + 3_600_000 })
            .ranked(by: CaseworkPrecedence())
            .scoped(by: CaseworkScope(), township: nil)
        let paths = try SteadyBundles.paths(in: dir)
        var (merged, conflicts) = (0, 0)
        // From the end of each bundle's last batch to its import's return (the held rows
        // written, the counters saved), and from the end of a batch of bundles to its
        // transaction's commit (the WAL pages written and synced).
        var committing = 0.0
        func since(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let seconds = try FieldSyncBench.measure {
            var next = 0
            while next < paths.count {
                let started = DispatchTime.now()
                var ended = started
                try replica.inOneTransaction {
                    repeat {
                        let readable = try UnverifiedBundle.open(path: paths[next]).verify().openInOnePass(as: hubSite, key: key)
                        next += 1
                        var lastBatch = DispatchTime.now()
                        let (_, report) = try replica.importChanges { tx in
                            tx.mergeGuard = MergeGuard(onlyOrigin: readable.header.sender, authority: CaseworkAuthority(), writer: .station)
                            try readable.forEachBatch { try tx.apply($0) }
                            lastBatch = DispatchTime.now()
                        }
                        committing += since(lastBatch)
                        merged += report.applied + report.stale
                        conflicts += report.conflicts
                    } while next < paths.count && since(started) < Hub.batchSeconds
                    ended = DispatchTime.now()
                }
                committing += since(ended)
            }
        }
        print(seconds, peakRSSKiB(), merged, conflicts, committing)
    }
}
