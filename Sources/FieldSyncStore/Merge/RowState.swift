import FieldSyncCore

/// The version of one cell as stored in its user row's `fs_cells`: stamp, origin site number, base.
struct CellEntry: Equatable {
    var stamp: UInt64
    var siteNo: Int64
    /// 0 when the write carried no base (site numbers start at 1).
    var baseSiteNo: Int64
    var baseStamp: UInt64
    /// The exact bits of a real SQLite would not give back (NaN, -0.0); nil otherwise.
    var exactReal: UInt64?
}

/// The merge state of one user row: a version per cell (the row's `fs_cells` column,
/// ``TableCatalog/cellsColumn``) or, once deleted, its tombstone (`fs_tombstones`), plus the
/// row's current values (the user row's other columns).
///
/// Why a blob per row rather than a row per cell: a merge touches the cells of one row
/// together, so one record costs one B-tree lookup and one write per row instead of one
/// per cell, and the record is small (about 21 bytes a cell, no per-cell key overhead).
///
/// Blob layout, per set cell: u16 column index (schema order), u64 stamp, u32 site number,
/// u8 flags (bit 0: base follows, bit 1: exact real follows), [u64 base stamp, u32 base
/// site number], [u64 real bits]. Big-endian, cells in column order.
struct RowState {
    /// Whether the replica holds the row or its tombstone.
    var stored = false
    var tombStamp: UInt64?
    var tombSiteNo: Int64 = 0
    var cells: [CellEntry?]
    var values: [Value]
    var cellsChanged = false
    var valuesChanged = false
    var tombstoneChanged = false

    init(columnCount: Int) {
        cells = Array(repeating: nil, count: columnCount)
        values = Array(repeating: .null, count: columnCount)
    }

    var isDeleted: Bool { tombStamp != nil }
    var hasCells: Bool { cells.contains { $0 != nil } }

    func encodeCells() -> [UInt8] {
        var w = ByteWriter(capacity: cells.count * 21)
        encodeCells(into: &w)
        return w.bytes
    }

    /// Appends each set cell in the blob layout.
    func encodeCells(into w: inout ByteWriter) {
        for (index, entry) in cells.enumerated() {
            guard let entry else { continue }
            w.u16(UInt16(index))
            w.u64(entry.stamp)
            w.u32(UInt32(truncatingIfNeeded: entry.siteNo))
            let hasBase = entry.baseSiteNo != 0
            w.u8((hasBase ? 1 : 0) | (entry.exactReal != nil ? 2 : 0))
            if hasBase {
                w.u64(entry.baseStamp)
                w.u32(UInt32(truncatingIfNeeded: entry.baseSiteNo))
            }
            if let bits = entry.exactReal { w.u64(bits) }
        }
    }

    /// Decodes the cells blob into `cells`.
    static func decodeCells(_ bytes: [UInt8], into cells: inout [CellEntry?]) throws {
        var r = ByteReader(bytes)
        do {
            while r.remaining > 0 { try decodeCell(from: &r, into: &cells) }
        } catch let error as DecodingError {
            throw StoreError.corrupt(reason: "cell state: \(error)")
        }
    }

    /// Decodes one cell of the blob layout into `cells`.
    static func decodeCell(from r: inout ByteReader, into cells: inout [CellEntry?]) throws {
        let index = Int(try r.u16("cell column"))
        let stamp = try r.u64("cell stamp")
        let siteNo = Int64(try r.u32("cell site"))
        let flags = try r.u8("cell flags")
        var entry = CellEntry(stamp: stamp, siteNo: siteNo, baseSiteNo: 0, baseStamp: 0, exactReal: nil)
        if flags & 1 != 0 {
            entry.baseStamp = try r.u64("cell base stamp")
            entry.baseSiteNo = Int64(try r.u32("cell base site"))
        }
        if flags & 2 != 0 { entry.exactReal = try r.u64("cell real") }
        guard index < cells.count else { throw StoreError.corrupt(reason: "cell state names column \(index) of a table with \(cells.count) columns") }
        cells[index] = entry
    }
}
