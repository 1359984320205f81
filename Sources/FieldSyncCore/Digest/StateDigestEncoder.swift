/// The canonical byte stream of a replica's visible data, which the store hashes with
/// SHA-256 to give the state digest.
///
/// Two replicas holding the same visible rows produce the same bytes, whatever order the
/// changes arrived in. The stream is: for each table in name order, `T` and the table name;
/// for each visible (not deleted) row in row-id byte order, `R` and the row id; for each
/// column in name order, the column name and the canonical value encoding. Metadata
/// (clocks, logs, conflicts) is not part of it: the digest compares case data only.
///
/// The encoder hands bytes to `sink` in pieces so that a large replica never has to sit
/// in memory at once.
public struct StateDigestEncoder {
    private var buffer = ByteWriter(capacity: 1 << 16)
    private let sink: ([UInt8]) -> Void

    public init(sink: @escaping ([UInt8]) -> Void) {
        self.sink = sink
        buffer.raw(Array("fieldsync-state-v1\n".utf8))
    }

    public mutating func beginTable(_ name: String) {
        buffer.u8(UInt8(ascii: "T"))
        buffer.shortString(name)
    }

    public mutating func beginRow(_ rowID: String) {
        buffer.u8(UInt8(ascii: "R"))
        buffer.shortString(rowID)
        if buffer.bytes.count >= 1 << 16 { flush() }
    }

    public mutating func cell(_ column: String, _ value: Value) {
        buffer.shortString(column)
        value.encode(into: &buffer)
    }

    /// Hands any buffered bytes to the sink; call once at the end.
    public mutating func flush() {
        if !buffer.bytes.isEmpty {
            sink(buffer.bytes)
            buffer.removeAll()
        }
    }
}
