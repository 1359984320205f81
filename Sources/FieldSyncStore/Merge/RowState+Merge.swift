import FieldSyncCore

/// A conflict a merge found, for ``RowStore/recordConflict(table:rowID:column:kind:winner:loser:atMillis:)``.
struct FoundConflict {
    var kind: ConflictKind
    var column: String
    /// The write that holds the cell (for ``ConflictKind/lostToDelete``: the delete, value null).
    var winner: CellState
    var loser: CellState
}

/// What merging one change into a row's state did.
struct RowMergeOutcome {
    /// Whether the change became visible (a cell's value, or the row's deletion).
    var applied: Bool
    /// What goes to the review queue: a concurrent different write of a reviewed (or
    /// append-only) cell, a greater version overruled by rank (M7), or edits of reviewed
    /// cells a concurrent delete removed.
    var conflicts: [FoundConflict] = []
}

extension RowState {
    /// Merges one logged change into the row's state by the rules of ``MergeRules``
    /// (remove-wins tombstones keeping the greatest delete version, last-writer-wins or
    /// first-writer-wins cells, ranked cells by `(rank, version)` (M7), reviewed columns'
    /// conflicts).
    ///
    /// `rankings` are the table's column rankings (nil when none is ranked) and
    /// `hubSites` the county hub sites this replica knows (``MergeRanking``).
    ///
    /// The result does not depend on the order changes are merged in, except for which
    /// conflicts are detected: so an import (``ImportTransaction``) and a rebuild of the
    /// merge state from the whole log (``Replica/rewriteOwnChanges(after:lowerClockTo:_:)``)
    /// share this one function, and only the import records conflicts.
    ///
    /// An edit lost to a delete is found in both arrival orders: when the delete arrives,
    /// from the reviewed cells the row still holds; when the edit arrives, from the
    /// tombstone. It counts only when the edit's origin is not the delete's and its stamp
    /// is after the delete's (its writer cannot have seen the delete: a replica refuses
    /// local writes to a deleted row).
    mutating func merge(_ change: Change, siteNo: Int64, baseSiteNo: Int64, table: TableCatalog,
                        rankings: [ColumnRanking?]?, hubSites: Set<SiteID>, sites: SiteDirectory) throws -> RowMergeOutcome {
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
            var conflicts: [FoundConflict] = []
            for (i, entry) in cells.enumerated() {
                guard let entry, entry.siteNo != siteNo, entry.stamp > change.stamp.rawValue,
                      table.schema.columns[i].policy == .reviewed else { continue }
                conflicts.append(FoundConflict(kind: .lostToDelete, column: table.schema.columns[i].name,
                                               winner: CellState(version: change.version, value: .null),
                                               loser: CellState(version: try entry.version(sites), value: values[i],
                                                                base: try entry.base(sites))))
            }
            tombStamp = change.stamp.rawValue
            tombSiteNo = siteNo
            tombstoneChanged = true
            for i in cells.indices { cells[i] = nil }
            return RowMergeOutcome(applied: true, conflicts: conflicts)
        case .set:
            let index = table.columnIndex[change.column]!
            let column = table.schema.columns[index]
            if let tomb = tombStamp {
                guard column.policy == .reviewed, siteNo != tombSiteNo, change.stamp.rawValue > tomb else {
                    return RowMergeOutcome(applied: false)
                }
                let delete = CellVersion(stamp: HybridTimestamp(rawValue: tomb), site: try sites.site(tombSiteNo))
                return RowMergeOutcome(applied: false, conflicts: [
                    FoundConflict(kind: .lostToDelete, column: column.name, winner: CellState(version: delete, value: .null),
                                  loser: CellState(version: change.version, value: change.value, base: change.base)),
                ])
            }
            let ranking = rankings?[index]
            let current = try cells[index].map {
                CellState(version: try $0.version(sites), value: values[index], base: try $0.base(sites))
            }
            var rank = MergeRank.zero, currentRank = MergeRank.zero
            if let ranking {
                rank = ranking.rank(of: change.value, fromHub: hubSites.contains(change.origin))
                if let current { currentRank = ranking.rank(of: current.value, fromHub: hubSites.contains(current.version.site)) }
            }
            let outcome = MergeRules.merge(incoming: change.version, value: change.value, base: change.base, rank: rank,
                                           into: current, currentRank: currentRank,
                                           policy: column.policy, tableKind: table.schema.kind)
            var conflicts: [FoundConflict] = []
            if let kind = outcome.conflict, let current {
                let incoming = CellState(version: change.version, value: change.value, base: change.base)
                let (winner, loser) = outcome.wins ? (incoming, current) : (current, incoming)
                conflicts.append(FoundConflict(kind: kind, column: column.name, winner: winner, loser: loser))
            }
            guard outcome.wins else { return RowMergeOutcome(applied: false, conflicts: conflicts) }
            cells[index] = CellEntry(stamp: change.stamp.rawValue, siteNo: siteNo, baseSiteNo: baseSiteNo,
                                     baseStamp: change.base?.stamp.rawValue ?? 0, exactReal: change.value.exactRealBits)
            values[index] = change.value
            cellsChanged = true
            valuesChanged = true
            return RowMergeOutcome(applied: true, conflicts: conflicts)
        }
    }
}
