import Foundation

/// A row of one table, compared as SQLite compares keys: by their UTF-8 bytes.
///
/// Swift's `String ==` treats canonically equivalent text as equal ("é" as one code point
/// or as "e" and a combining accent), but a table's `"id" TEXT PRIMARY KEY` holds both as
/// two rows. A key that merged them would merge one row's changes into the other.
struct RowKey: Hashable {
    let table: String
    let rowID: String

    static func == (a: RowKey, b: RowKey) -> Bool {
        a.rowID.isSameRowID(as: b.rowID) && a.table.isSameRowID(as: b.table)
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
    ///
    /// Compared with `memcmp` where both strings' bytes are contiguous (every native
    /// string): `elementsEqual` over the UTF-8 views walks them an index at a time, and a
    /// bulk import compares a row id or a case id for every change.
    func isSameRowID(as other: String) -> Bool {
        let contiguous = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in
                a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            }
        }
        if let contiguous = contiguous ?? nil { return contiguous }
        return utf8.elementsEqual(other.utf8)
    }
}
