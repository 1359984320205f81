import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// Keys for the benchmark's bundles: a sending station and the receiving hub.
struct BenchKeys {
    var signing = SigningPrivateKey()
    var hubAgreement = AgreementPrivateKey()
    var stationAgreement = AgreementPrivateKey()
    let hubSite = SiteID(bytes: Array(repeating: 0xBB, count: 16))!
    let stationSite = SiteID(bytes: Array(repeating: 0x11, count: 16))!

    func draft(counts: [String: Int], vector: VersionVector, schemaFingerprint: [UInt8], sender: SiteID? = nil) -> BundleDraft {
        BundleDraft(kind: .stationToHub, sender: sender ?? stationSite, senderName: "bench station",
                    created: HybridTimestamp(millis: Workload.baseMillis, counter: 0),
                    schemaName: CaseworkSchema.schema.name, schemaVersion: CaseworkSchema.schema.version,
                    schemaFingerprint: schemaFingerprint,
                    recipients: [try! BundleRecipient(site: hubSite, key: AgreementPublicKey(rawRepresentation: hubAgreement.publicKey.rawRepresentation)),
                                 BundleRecipient(site: stationSite, key: stationAgreement.publicKey)],
                    senderVector: vector, assumedVector: .empty, acknowledgement: nil, tableCounts: counts)
    }

    func writeBundle(of workload: Workload, replica: Replica, to path: String) throws {
        let writer = try BundleWriter(path: path, draft: draft(counts: workload.tableCounts,
                                                               vector: VersionVector([workload.origin: UInt64(workload.changes.count)]),
                                                               schemaFingerprint: replica.schemaFingerprint),
                                      signingKey: signing)
        for batch in workload.batches(of: 4_096) { try writer.append(contentsOf: batch) }
        _ = try writer.finish()
    }
}

/// Export latency: 1,000 new local changes, then a bundle of exactly those to a peer that
/// holds everything else.
enum ExportLatency {
    static func measure(replica: Replica, keys: BenchKeys, dir: String, workload: Workload, runs: Int = 7) throws -> [Double] {
        let peer = keys.stationSite
        var stamp = HybridTimestamp(millis: Workload.baseMillis, counter: 1)
        var times: [Double] = []
        for run in 0..<runs {
            // The peer holds everything the replica holds now.
            let vector = try replica.vector()
            _ = try replica.importChanges { tx in try tx.adoptKnownVector(vector, of: peer, asOf: stamp) }
            stamp = HybridTimestamp(rawValue: stamp.rawValue + 1)
            for row in 0..<100 {
                var values: [String: Value] = [:]
                for (i, column) in workload.columns.enumerated() {
                    values[column.name] = Workload.value(for: column, row: run * 1_000 + row * 10 + i + 1)
                }
                try replica.write(table: "household", rowID: "export-\(run)-\(row)", values: values)
            }
            let path = dir + "/export-\(run).fsb"
            var exported = 0
            times.append(try FieldSyncBench.measure {
                let since = try replica.knownVector(of: peer)
                try replica.exportSnapshot { snapshot in
                    let counts = try snapshot.counts(since: since)
                    let writer = try BundleWriter(path: path, draft: keys.draft(counts: counts, vector: try snapshot.vector(),
                                                                                schemaFingerprint: replica.schemaFingerprint),
                                                  signingKey: keys.signing)
                    try snapshot.forEachBatch(since: since, batchSize: 4_096) { try writer.append(contentsOf: $0); exported += $0.count }
                    _ = try writer.finish()
                }
            })
            precondition(exported == workload.columns.count * 100, "exported \(exported)")
        }
        return times
    }
}
