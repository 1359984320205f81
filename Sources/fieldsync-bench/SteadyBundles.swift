import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// The steady workload as a hub receives it (issue 10, end to end): each station's edits
/// in its own signed, encrypted, compressed bundles, one per station per round of
/// synchronisation, the rounds in the order the edits were made.
///
/// Why rounds and not one bundle per station: an edit of a reviewed column names the
/// version it replaced, which may be another station's edit of the same cell made a little
/// earlier. A station has that version only once a round brought it back, so a hub that
/// merged one station's whole year before another's would record conflicts no county has.
/// Within a round a few such edits still arrive before the edit they replaced, and the
/// merge records them as conflicts: the report counts them.
enum SteadyBundles {
    /// Edits per round across all stations: about 6,700 per station bundle.
    static let editsPerRound = 100_000

    /// Writes the bundles into `dir`, named so that name order is delivery order; returns
    /// how many were written.
    static func write(_ steady: SteadyWorkload, keys: BenchKeys, schemaFingerprint: [UInt8], to dir: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var written = 0
        for bundle in split(steady) {
            let own = bundle.edits
            guard let last = own.last else { continue }
            let path = dir + String(format: "/round-%04d-station-%02d.fsb", bundle.round, bundle.station)
            let writer = try BundleWriter(path: path, draft: keys.draft(counts: ["household": own.count],
                                                                        vector: VersionVector([last.origin: last.sequence]),
                                                                        schemaFingerprint: schemaFingerprint, sender: last.origin),
                                          signingKey: keys.signing)
            for start in stride(from: 0, to: own.count, by: 4_096) {
                try writer.append(contentsOf: Array(own[start..<min(start + 4_096, own.count)]))
            }
            _ = try writer.finish()
            written += 1
        }
        return written
    }

    /// The edits of each bundle, in delivery order: per round, each station's edits of that
    /// round (the workload deals the edits to the stations in turn: edit i is station i mod 15).
    static func split(_ steady: SteadyWorkload) -> [(round: Int, station: Int, edits: [Change])] {
        var bundles: [(round: Int, station: Int, edits: [Change])] = []
        for (round, start) in stride(from: 0, to: steady.edits.count, by: editsPerRound).enumerated() {
            let edits = steady.edits[start..<min(start + editsPerRound, steady.edits.count)]
            for (station, origin) in steady.origins.enumerated() {
                let own = edits.filter { $0.origin == origin }
                if !own.isEmpty { bundles.append((round, station, own)) }
            }
        }
        return bundles
    }

    /// The bundles in `dir`, in delivery order.
    static func paths(in dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".fsb") }.sorted().map { dir + "/" + $0 }
    }
}
