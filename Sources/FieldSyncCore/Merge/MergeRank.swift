/// Where a write ranks before its version is compared: rule M7 ("precedence") of
/// `Protocol/sync-protocol.md`. A cell's winner is the write with the greatest
/// `(rank, version)`; for a column without precedence every write has rank ``zero`` and
/// the rule is plain last-writer-wins (M1).
///
/// Why a rank and not "did the writer see the current value": a rule on `base` is not
/// order-independent once three writers race (one settles a status, one stale writer
/// reopens it with a later stamp, one saw the settled value). A rank is a function of the
/// write alone (its value and its origin), so `max` by `(rank, version)` is still a
/// semilattice join and every replica converges whatever order changes arrive in.
public struct MergeRank: Sendable, Hashable, Comparable {
    /// 1 when the write's origin is a county hub and the column ranks county first, else 0.
    public var authority: Int8
    /// The value's stage in the column's declared order (0 when the column has none).
    public var stage: Int16

    public init(authority: Int8, stage: Int16) {
        self.authority = authority
        self.stage = stage
    }

    /// The rank of every write to a column without precedence.
    public static let zero = MergeRank(authority: 0, stage: 0)

    public static func < (lhs: MergeRank, rhs: MergeRank) -> Bool {
        lhs.authority != rhs.authority ? lhs.authority < rhs.authority : lhs.stage < rhs.stage
    }
}

/// Why a conflict was recorded for a person to look at (`fs_conflicts.kind`).
public enum ConflictKind: String, Sendable, CaseIterable {
    /// Two concurrent, different writes to a reviewed cell (M4), or a second write to an
    /// append-only cell: the greater version holds the cell.
    case concurrent
    /// A write with the greater version lost to a write of greater rank (M7): a stale edit
    /// that would have moved a settled status back, or a station's write against the
    /// county's. The cell holds the ranked-higher value.
    case overruled
    /// A write to a reviewed column lost to a concurrent delete of its row (M2): the
    /// writer had not seen the delete. The winner is the delete, recorded with value null.
    case lostToDelete
}
