/// A row of one table, compared as SQLite compares keys: by their UTF-8 bytes.
///
/// Swift's `String ==` treats canonically equivalent text as equal ("é" as one code point
/// or as "e" and a combining accent), but a table's `"id" TEXT PRIMARY KEY` holds both as
/// two rows. A key that merged them would merge one row's changes into the other.
struct RowKey: Hashable {
    let table: String
    let rowID: String

    static func == (a: RowKey, b: RowKey) -> Bool {
        a.rowID.utf8.elementsEqual(b.rowID.utf8) && a.table.utf8.elementsEqual(b.table.utf8)
    }

    func hash(into hasher: inout Hasher) {
        for part in [table, rowID] {
            var text = part
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(0xFF as UInt8) // not a UTF-8 byte: ends the part
        }
    }
}

extension String {
    /// Whether two row ids are the same row (their UTF-8 bytes are equal), as SQLite sees them.
    func isSameRowID(as other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
