import FieldSyncCore

/// What merging one change into a row's state did.
struct RowMergeOutcome {
    /// Whether the change became visible (a cell's value, or the row's deletion).
    var applied: Bool
    /// For a concurrent different write of a reviewed (or append-only) cell: both writes,
    /// the one that now holds the cell first.
    var conflict: (winner: CellState, loser: CellState)? = nil
}

extension RowState {
    /// Merges one logged change into the row's state by the rules of ``MergeRules``
    /// (remove-wins tombstones keeping the greatest delete version, last-writer-wins or
    /// first-writer-wins cells, reviewed columns' conflicts).
    ///
    /// The result does not depend on the order changes are merged in, except for which
    /// conflicts are detected: so an import (``ImportTransaction``) and a rebuild of the
    /// merge state from the whole log (``Replica/rewriteOwnChanges(after:lowerClockTo:_:)``)
    /// share this one function, and only the import records conflicts.
    mutating func merge(_ change: Change, siteNo: Int64, baseSiteNo: Int64, table: TableCatalog,
                        sites: SiteDirectory) throws -> RowMergeOutcome {
        switch change.kind {
        case .delete:
            if let tomb = tombStamp {
                // Remove-wins: the row stays deleted; keep the greatest tombstone version so
                // that every replica stores the same one.
                let current = CellVersion(stamp: HybridTimestamp(rawValue: tomb), site: try sites.site(tombSiteNo))
                if change.version > current {
                    tombStamp = change.stamp.rawValue
                    tombSiteNo = siteNo
                    tombstoneChanged = true
                }
                return RowMergeOutcome(applied: false)
            }
            tombStamp = change.stamp.rawValue
            tombSiteNo = siteNo
            tombstoneChanged = true
            for i in cells.indices { cells[i] = nil }
            return RowMergeOutcome(applied: true)
        case .set:
            if isDeleted { return RowMergeOutcome(applied: false) }
            let index = table.columnIndex[change.column]!
            let column = table.schema.columns[index]
            let current = try cells[index].map {
                CellState(version: try $0.version(sites), value: values[index], base: try $0.base(sites))
            }
            let outcome = MergeRules.merge(incoming: change.version, value: change.value, base: change.base,
                                           into: current, policy: column.policy, tableKind: table.schema.kind)
            var conflict: (winner: CellState, loser: CellState)? = nil
            if outcome.isConflict, let current {
                let incoming = CellState(version: change.version, value: change.value, base: change.base)
                conflict = outcome.wins ? (incoming, current) : (current, incoming)
            }
            guard outcome.wins else { return RowMergeOutcome(applied: false, conflict: conflict) }
            cells[index] = CellEntry(stamp: change.stamp.rawValue, siteNo: siteNo, baseSiteNo: baseSiteNo,
                                     baseStamp: change.base?.stamp.rawValue ?? 0, exactReal: change.value.exactRealBits)
            values[index] = change.value
            cellsChanged = true
            valuesChanged = true
            return RowMergeOutcome(applied: true, conflict: conflict)
        }
    }
}
