/// What a replica holds for one cell: the winning write so far.
public struct CellState: Sendable, Hashable {
    public var version: CellVersion
    public var value: Value
    /// The base recorded with the winning write (reviewed columns only).
    public var base: CellVersion?

    public init(version: CellVersion, value: Value, base: CellVersion? = nil) {
        self.version = version
        self.value = value
        self.base = base
    }
}

/// The result of merging one incoming cell write into what a replica holds.
public struct CellMergeOutcome: Sendable, Equatable {
    /// Whether the incoming write becomes the cell's value.
    public var wins: Bool
    /// Why the two writes go to the review queue, if they do: concurrent and different on
    /// a reviewed column (or on an append-only row, which should never be written twice),
    /// or the greater version overruled by rank (M7).
    public var conflict: ConflictKind?

    public init(wins: Bool, conflict: ConflictKind?) {
        self.wins = wins
        self.conflict = conflict
    }

    public init(wins: Bool, isConflict: Bool) {
        self.init(wins: wins, conflict: isConflict ? .concurrent : nil)
    }

    /// Whether the two writes are recorded as a conflict of any kind.
    public var isConflict: Bool { conflict != nil }
}

/// The merge rules, as pure functions: the part every replica must evaluate identically.
///
/// - Mutable tables, per cell: the write with the greater ``CellVersion`` wins
///   (last-writer-wins on the hybrid clock, site id as tie-break). The result does not
///   depend on arrival order because `max` is commutative, associative and idempotent.
/// - Append-only tables, per cell: the *first* write wins (the smaller version). A row of
///   an append-only table is written once, so in practice there is nothing to choose; if a
///   faulty or hostile replica writes a cell twice, every replica still keeps the same,
///   original value and records the attempt as a conflict.
/// - Deletes are tombstones and win over every write to the row, earlier or later
///   (remove-wins). A delete and a concurrent edit therefore converge to "deleted" on
///   every replica in every order; the edit stays in the change log, not in the data.
///   Deletes are not accepted for append-only tables.
/// - Ranked columns of mutable tables (M7): the write with the greater
///   `(``MergeRank``, version)` wins, still a max over a total order. A write whose
///   greater version loses by rank is recorded as ``ConflictKind/overruled``.
public enum MergeRules {
    /// Merges an incoming write (version, value, base, rank) into the current state of a
    /// cell (whose write has rank `currentRank`).
    public static func merge(incoming version: CellVersion, value: Value, base: CellVersion?, rank: MergeRank = .zero,
                             into current: CellState?, currentRank: MergeRank = .zero,
                             policy: ColumnPolicy, tableKind: TableKind) -> CellMergeOutcome {
        guard let current else { return CellMergeOutcome(wins: true, isConflict: false) }
        if version == current.version { return CellMergeOutcome(wins: false, isConflict: false) }
        let differs = value != current.value
        switch tableKind {
        case .appendOnly:
            return CellMergeOutcome(wins: version < current.version, isConflict: differs)
        case .mutable:
            let newer = version > current.version
            let wins = rank != currentRank ? rank > currentRank : newer
            // The greater version lost by rank: a stale edit the rank keeps from taking effect.
            if wins != newer, differs { return CellMergeOutcome(wins: wins, conflict: .overruled) }
            guard policy == .reviewed, differs else { return CellMergeOutcome(wins: wins, isConflict: false) }
            // Sequential edits are not conflicts: the newer write was made on top of the older.
            let incomingSawCurrent = base == current.version
            let currentSawIncoming = current.base == version
            return CellMergeOutcome(wins: wins, isConflict: !(incomingSawCurrent || currentSawIncoming))
        }
    }
}
