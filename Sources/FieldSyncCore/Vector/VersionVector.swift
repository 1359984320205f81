/// For each origin site, the highest origin sequence number a replica holds *without gaps*.
///
/// Sequences are contiguous per origin (1, 2, 3, …), so an entry `n` means "every change
/// 1…n of that site is here". A replica that receives changes past a gap keeps them, but
/// its vector does not move past the gap; this is what makes an acknowledgement safe: the
/// hub only acknowledges what it durably holds, and the station keeps re-sending the rest.
public struct VersionVector: Sendable, Hashable, CustomStringConvertible {
    public private(set) var entries: [SiteID: UInt64]

    public init(_ entries: [SiteID: UInt64] = [:]) {
        self.entries = entries.filter { $0.value > 0 }
    }

    public static let empty = VersionVector()

    /// The highest contiguous sequence held from `site` (0 when none).
    public subscript(site: SiteID) -> UInt64 {
        get { entries[site] ?? 0 }
        set { entries[site] = newValue == 0 ? nil : newValue }
    }

    /// Entries sorted by site, the canonical order for encoding.
    public var sorted: [(site: SiteID, sequence: UInt64)] {
        entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// True when this vector holds at least everything `other` holds.
    public func covers(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { self[$0.key] >= $0.value }
    }

    /// True when this vector holds change `sequence` of `site`.
    public func covers(site: SiteID, sequence: UInt64) -> Bool { self[site] >= sequence }

    /// The entry-wise maximum of two vectors.
    public func merging(_ other: VersionVector) -> VersionVector {
        var result = self
        result.merge(other)
        return result
    }

    public mutating func merge(_ other: VersionVector) {
        for (site, seq) in other.entries where seq > self[site] { self[site] = seq }
    }

    /// How two vectors relate in the partial order of "has seen".
    public func compare(_ other: VersionVector) -> VectorOrdering {
        let a = covers(other), b = other.covers(self)
        switch (a, b) {
        case (true, true): return .equal
        case (true, false): return .after
        case (false, true): return .before
        case (false, false): return .concurrent
        }
    }

    /// Total changes counted by the vector (the sum of its entries).
    public var total: UInt64 { entries.values.reduce(0, +) }

    public var description: String {
        "{" + sorted.map { "\($0.site.short):\($0.sequence)" }.joined(separator: ", ") + "}"
    }
}

/// The partial order between two version vectors.
public enum VectorOrdering: Sendable, Equatable {
    case equal, before, after, concurrent
}
