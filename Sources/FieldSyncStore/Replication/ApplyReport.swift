/// What an import did with the changes it was given.
public struct ApplyReport: Sendable, Equatable {
    /// New log entries whose write became visible.
    public var applied: Int
    /// New log entries that lost: an older write, any write to a deleted row, a second
    /// delete, or an ignored overwrite of an append-only cell. They stay in the log.
    public var stale: Int
    /// Changes already in the log (same origin and sequence): nothing was done.
    public var duplicate: Int
    /// Conflict records created.
    public var conflicts: Int
    /// Changes held back unapplied by the import's ``MergeGuard/withheldOrigin``.
    public var withheld: Int

    public init(applied: Int = 0, stale: Int = 0, duplicate: Int = 0, conflicts: Int = 0, withheld: Int = 0) {
        self.applied = applied
        self.stale = stale
        self.duplicate = duplicate
        self.conflicts = conflicts
        self.withheld = withheld
    }

    public static func + (lhs: ApplyReport, rhs: ApplyReport) -> ApplyReport {
        ApplyReport(applied: lhs.applied + rhs.applied, stale: lhs.stale + rhs.stale,
                    duplicate: lhs.duplicate + rhs.duplicate, conflicts: lhs.conflicts + rhs.conflicts,
                    withheld: lhs.withheld + rhs.withheld)
    }
}
