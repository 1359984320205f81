import FieldSyncCore

extension ReadableBundle {
    /// Hands out the bundle's changes like ``forEachBatch(_:)`` but never ends a batch in
    /// the middle of a run of changes to one row: the run is held back and starts the next
    /// batch.
    ///
    /// A frame ends where its bytes run out, which can fall between two cells of a row a
    /// station created in one write. A merge that checks a new row's required fields (A4)
    /// per batch must see the whole row at once, or it refuses a sound bundle as soon as the
    /// bundle is larger than one frame.
    ///
    /// A run is held back only while it is at most one frame's worth of records (65,536),
    /// so a batch never holds more than two frames' worth. A row's creation is a few dozen
    /// cells; a run longer than that is repeated writes of one row, whose start (and so
    /// the creation) still reaches the merge in one batch. Without the bound, a signed
    /// bundle of one row written over and over made the reader hold the whole bundle in
    /// memory and copy it again for every frame (found by the fuzz harness, README
    /// "Fuzzing").
    public func forEachRowBatch(_ body: ([Change]) throws -> Void) throws {
        try forEachRowBatch(holdingBackAtMost: BundleFormat.maxRecordsPerFrame, body)
    }

    func forEachRowBatch(holdingBackAtMost limit: Int, _ body: ([Change]) throws -> Void) throws {
        var carried: [Change] = []
        try forEachBatch { records in
            var batch = carried + records
            guard let last = batch.last else { return }
            var cut = batch.endIndex
            while cut > batch.startIndex, batch[cut - 1].table == last.table, batch[cut - 1].rowID == last.rowID { cut -= 1 }
            if batch.endIndex - cut > limit { cut = batch.endIndex }
            carried = Array(batch[cut...])
            batch.removeSubrange(cut...)
            if !batch.isEmpty { try body(batch) }
        }
        if !carried.isEmpty { try body(carried) }
    }
}
