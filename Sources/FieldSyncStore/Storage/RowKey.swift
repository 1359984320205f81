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
        Self.combine(table, into: &hasher)
        Self.combine(rowID, into: &hasher)
    }

    /// Hashes `text`'s UTF-8 bytes and a byte no UTF-8 text holds, which ends it.
    static func combine(_ text: String, into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(0xFF as UInt8)
    }
}

/// A case (a household's row id), compared by its UTF-8 bytes for the same reason as
/// ``RowKey``: `fs_case` keys cases by their bytes, and a cache that merged two cases
/// whose ids are equal as Swift strings would file one case's rows under the other's
/// township.
struct CaseKey: Hashable {
    let id: String

    init(_ id: String) { self.id = id }

    static func == (a: CaseKey, b: CaseKey) -> Bool { a.id.isSameRowID(as: b.id) }

    func hash(into hasher: inout Hasher) { RowKey.combine(id, into: &hasher) }
}

extension String {
    /// Whether two row ids are the same row (their UTF-8 bytes are equal), as SQLite sees them.
    func isSameRowID(as other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
