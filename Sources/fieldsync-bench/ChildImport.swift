import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// Imports a bundle in a separate process, so that its peak memory (max RSS) is the
/// import's alone and not the benchmark's workload held in the parent.
enum ChildImport {
    struct Result { let seconds: Double; let maxRSSMB: Double }

    static func spawn(bundle: String, keys: BenchKeys, dir: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--child-import", bundle, Hex.encode(keys.hubAgreement.rawRepresentation), dir + "/child.sqlite"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard process.terminationStatus == 0, fields.count == 2 else {
            throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "child import failed"])
        }
        return Result(seconds: fields[0], maxRSSMB: fields[1] / 1024)
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
}
