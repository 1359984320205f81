import FieldSyncCore

/// A bundle opened for one recipient: its changes can be read. From
/// ``VerifiedBundle/open(as:key:)`` it is proven sound from end to end; from
/// ``VerifiedBundle/openInOnePass(as:key:)`` the same proof is made while it is read.
public struct ReadableBundle: Sendable {
    public var header: BundleHeader
    let path: String
    let fileSize: Int
    let digest: [UInt8]
    let headerHash: [UInt8]
    let bodyOffset: Int
    let contentKey: [UInt8]

    /// Streams the frames, authenticating each, and hands `body` one frame's records at a
    /// time; memory stays bounded by one frame (≤ 1 MiB of records). The records are
    /// tallied against the header's counts (B24) as they pass.
    ///
    /// The file is re-hashed on the way; should it have been replaced since it was
    /// verified, this throws ``BundleError/digestMismatch`` after the last batch, so a
    /// caller applying batches inside one transaction must roll back when this throws.
    /// A bundle opened with ``VerifiedBundle/openInOnePass(as:key:)`` had no first pass:
    /// any error of B16–B24 can then come after some batches.
    public func forEachBatch(_ body: ([Change]) throws -> Void) throws {
        var cursor = try FrameCursor(bundle: self)
        var tally = RecordTally(header: header)
        while let records = try cursor.next() {
            try tally.count(records)
            try body(records)
        }
        try tally.finish()
    }

    /// Reads every frame once, discarding records, and checks per-table counts (B24).
    func validate() throws(BundleError) {
        var cursor = try FrameCursor(bundle: self)
        var tally = RecordTally(header: header)
        while let records = try cursor.next() { try tally.count(records) }
        try tally.finish()
    }
}

/// The records read so far per table, checked against the header's counts (B24): a table
/// past its count as soon as its records pass it, every table's count and the total at
/// the end. The same checks, and so the same errors, on the first pass and on delivery.
struct RecordTally {
    let header: BundleHeader
    private var counts: [String: Int] = [:]
    private var total = 0

    init(header: BundleHeader) { self.header = header }

    /// Counts one frame's records. Records come in runs of one table, so the table's
    /// name is hashed once per run rather than once per record.
    mutating func count(_ records: [Change]) throws(BundleError) {
        total += records.count
        var start = records.startIndex
        while start < records.endIndex {
            let table = records[start].table
            var end = start + 1
            while end < records.endIndex, records[end].table == table { end += 1 }
            let expected = header.tableCounts[table, default: 0]
            let n = counts[table, default: 0] + (end - start)
            // The first record past the count is the one reported, as a count one by one would.
            guard n <= expected else { throw .countMismatch(table: table, expected: expected, actual: expected + 1) }
            counts[table] = n
            start = end
        }
    }

    /// After the last frame: every table and the total number exactly what the header says.
    func finish() throws(BundleError) {
        for (table, expected) in header.tableCounts where counts[table, default: 0] != expected {
            throw .countMismatch(table: table, expected: expected, actual: counts[table, default: 0])
        }
        guard total == header.totalChanges else { throw .countMismatch(table: nil, expected: header.totalChanges, actual: total) }
    }
}
