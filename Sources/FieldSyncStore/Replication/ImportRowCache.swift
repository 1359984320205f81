import FieldSyncCore
import GRDB

/// The rows one import merged more than once, held merged in memory and written to the
/// database once (issue 10).
///
/// Why: a hub's steady state is single-cell edits spread over rows it already holds, so a
/// bundle from fifteen stations touches each row about ten times, one edit at a time, and
/// merging each edit read and wrote the row's merge state and user row again: four
/// statements on random pages per edit. Holding the rows an import touches again lets it
/// read each row once and write it once, sorted by key, at the end.
///
/// What it keeps true:
/// - **Only rows touched a second time are held.** A row's first merge in the import is
///   written through as before, and only a hash of its key is remembered: a bulk import of
///   new rows (each row merged once) holds nothing, and its memory grows by 16 bytes a row
///   at most (``mergedOnceLimit``).
/// - **Everything that reads rows by SQL sees the held ones.** ``ImportTransaction/db``
///   writes them back before handing out the connection; the merge itself reads through
///   ``state(of:)``, and so does the filer's look-up of another row (``FeedFiler/lookUp``).
/// - **A batch that fails leaves the held rows as they were before it.** ``ImportTransaction/apply(_:)``
///   runs each batch in a savepoint; the cache records the state each key had before the
///   batch first changed it and puts it back when the savepoint rolls back.
/// - **Memory is bounded.** Held rows take at most about ``budget`` bytes; past it a row is
///   written through, and the next batch starts by writing every held row back.
final class ImportRowCache {
    /// Memory the held rows may take by default. A held row costs its encoding (about 450
    /// bytes for a ten-column household row) plus ``overheadPerRow``: 64 MiB holds about
    /// 100,000 such rows, the households of a county.
    static let defaultBudget = 64 << 20
    /// What a held row costs besides its encoding: its slot in the table, its key, and its
    /// hash among the rows merged once.
    static let overheadPerRow = 256

    let budget: Int
    /// The merged state of each held row (``RowState/heldEncoding``), changed since it was
    /// read: its flags say what to write. Encoded, because a decoded state takes three
    /// times the memory (measured: 1.6 KB a household row against about 0.6 KB).
    private var held: [RowKey: [UInt8]] = [:]
    private var heldBytes = 0
    /// Hashes of the keys merged and written through once in this import (16 bytes a row).
    /// A collision, or a key whose batch rolled back, only holds a row on its first touch:
    /// that is correct too, as the row was read from the database, just slower to write.
    /// Emptied past ``mergedOnceLimit`` keys (16 MB): an import of more new rows than that
    /// then writes a row merged again through once more before holding it.
    private var mergedOnce: Set<Int> = []
    static let mergedOnceLimit = 1 << 20
    /// For each key the current batch changed: what ``held`` had for it before (nil: absent).
    private var beforeBatch: [RowKey: [UInt8]?] = [:]
    private var inBatch = false

    init(budget: Int) {
        precondition(budget >= 0)
        self.budget = budget
    }

    var isFull: Bool { heldBytes >= budget }

    /// The held state of `key` (a row of `table`), nil when it is not held.
    func state(of key: RowKey, in table: TableCatalog) throws -> RowState? {
        guard let bytes = held[key] else { return nil }
        return try RowState(heldEncoding: bytes, columns: table.schema.columns.count)
    }

    /// Whether a row read from the database and just merged should be held rather than
    /// written through: it was merged once before in this import, and there is room.
    func holdsAfterMerge(_ key: RowKey) -> Bool {
        guard budget > 0 else { return false }
        if mergedOnce.count >= Self.mergedOnceLimit { mergedOnce.removeAll() }
        if mergedOnce.insert(key.hashValue).inserted { return false }
        return !isFull
    }

    /// Holds `state` for `key`, to be written back later. Only inside a batch.
    ///
    /// The held state reads back as saving the row and loading it again would (see
    /// ``RowState/heldEncoding``): the next merge of the row must start from the same state
    /// whether the row was held or written through.
    func hold(_ state: RowState, for key: RowKey) {
        precondition(inBatch, "rows are held only by a batch's merge")
        let bytes = state.heldEncoding
        let previous = held.updateValue(bytes, forKey: key)
        if beforeBatch[key] == nil { beforeBatch[key] = .some(previous) }
        heldBytes += Self.cost(bytes) - Self.cost(previous)
    }

    /// What holding `bytes` counts against the budget (nothing when not held).
    private static func cost(_ bytes: [UInt8]?) -> Int { bytes.map { $0.count + overheadPerRow } ?? 0 }

    func beginBatch() {
        precondition(!inBatch && beforeBatch.isEmpty)
        inBatch = true
    }

    /// The batch committed: its changes to the held rows stay.
    func endBatch() {
        beforeBatch.removeAll(keepingCapacity: true)
        inBatch = false
    }

    /// The batch's savepoint rolled back: the held rows are put back as they were before it.
    func rollBackBatch() {
        for (key, before) in beforeBatch {
            heldBytes += Self.cost(before) - Self.cost(held[key])
            held[key] = before
        }
        beforeBatch.removeAll(keepingCapacity: true)
        inBatch = false
    }

    /// Writes every held row, sorted by key so the B-trees are written in order.
    ///
    /// Between batches the rows are then let go. During a batch (SQL run from inside a
    /// merge) they stay held as well: the batch's savepoint may still roll the writes
    /// back, and rows earlier batches merged must not be lost with them. Writing a held
    /// row again later is harmless: its state says everything it changed since it was read.
    func writeBack(with store: RowStore, _ catalog: Catalog) throws {
        guard !held.isEmpty else { return }
        let keys = held.keys.sorted { ($0.table, $0.rowID) < ($1.table, $1.rowID) }
        for key in keys {
            let table = try catalog.table(key.table)
            try store.save(table, key.rowID, try RowState(heldEncoding: held[key]!, columns: table.schema.columns.count))
        }
        if !inBatch {
            held.removeAll()
            heldBytes = 0
        }
    }
}

extension RowState {
    /// The whole state in one buffer, for ``ImportRowCache`` (memory only, never stored):
    /// u8 flags (bit 0 stored, 1 cells changed, 2 values changed, 3 tombstone changed,
    /// 4 tombstone follows), [u64 tombstone stamp, u64 its site number], the cells in the
    /// `fs_cells` blob layout after a u16 count, then each value in its canonical encoding.
    ///
    /// It is the state as ``RowStore/save(_:_:_:)`` then ``RowStore/load(_:_:)`` would leave
    /// it, with the flags of what is still to write: stored once it wrote a record, and no
    /// values unless the row is visible (a merged delete clears the cells, not the values).
    var heldEncoding: [UInt8] {
        var w = ByteWriter(capacity: 64 + cells.count * 40)
        let written = stored || cellsChanged || tombstoneChanged
        let flags = (written ? 1 : 0) | (cellsChanged ? 2 : 0) | (valuesChanged ? 4 : 0) | (tombstoneChanged ? 8 : 0)
            | (tombStamp != nil ? 16 : 0)
        w.u8(UInt8(flags))
        if let tombStamp {
            w.u64(tombStamp)
            w.u64(UInt64(bitPattern: tombSiteNo))
        }
        w.u16(UInt16(cells.lazy.filter { $0 != nil }.count))
        encodeCells(into: &w)
        let visible = tombStamp == nil && hasCells
        for value in values { (visible ? value : .null).encode(into: &w) }
        return w.bytes
    }

    init(heldEncoding bytes: [UInt8], columns: Int) throws {
        self.init(columnCount: columns)
        var r = ByteReader(bytes)
        let flags = try r.u8("held row")
        stored = flags & 1 != 0
        cellsChanged = flags & 2 != 0
        valuesChanged = flags & 4 != 0
        tombstoneChanged = flags & 8 != 0
        if flags & 16 != 0 {
            tombStamp = try r.u64("held tombstone")
            tombSiteNo = Int64(bitPattern: try r.u64("held tombstone site"))
        }
        for _ in 0..<(try r.u16("held cells")) { try Self.decodeCell(from: &r, into: &cells) }
        for i in values.indices { values[i] = try Value.decode(from: &r) }
    }
}
