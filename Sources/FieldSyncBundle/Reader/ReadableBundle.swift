import FieldSyncCore

/// A bundle proven sound from end to end for one recipient: its changes can be read.
public struct ReadableBundle: Sendable {
    public var header: BundleHeader
    let path: String
    let fileSize: Int
    let digest: [UInt8]
    let headerHash: [UInt8]
    let bodyOffset: Int
    let contentKey: [UInt8]

    /// Streams the frames again, re-authenticating each, and hands `body` one frame's
    /// records at a time; memory stays bounded by one frame (≤ 1 MiB of records).
    ///
    /// The file is re-hashed on the way; should it have been replaced since it was
    /// verified, this throws ``BundleError/digestMismatch`` after the last batch, so a
    /// caller applying batches inside one transaction must roll back when this throws.
    public func forEachBatch(_ body: ([Change]) throws -> Void) throws {
        var cursor = try FrameCursor(bundle: self)
        while let records = try cursor.next() { try body(records) }
    }

    /// Reads every frame once, discarding records, and checks per-table counts (B24).
    func validate() throws(BundleError) {
        var cursor = try FrameCursor(bundle: self)
        var counts: [String: Int] = [:]
        var total = 0
        while let records = try cursor.next() {
            total += records.count
            for change in records {
                let n = counts[change.table, default: 0] + 1
                guard n <= header.tableCounts[change.table, default: 0] else {
                    throw .countMismatch(table: change.table, expected: header.tableCounts[change.table, default: 0], actual: n)
                }
                counts[change.table] = n
            }
        }
        for (table, expected) in header.tableCounts where counts[table, default: 0] != expected {
            throw .countMismatch(table: table, expected: expected, actual: counts[table, default: 0])
        }
        guard total == header.totalChanges else { throw .countMismatch(table: nil, expected: header.totalChanges, actual: total) }
    }
}
