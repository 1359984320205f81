/// The version of one write: its stamp, with the writing site as the tie-break.
///
/// Versions are totally ordered: by stamp, then by site id. Every replica therefore picks
/// the same winner between two writes, whatever order they arrive in.
public struct CellVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var stamp: HybridTimestamp
    public var site: SiteID

    public init(stamp: HybridTimestamp, site: SiteID) {
        self.stamp = stamp
        self.site = site
    }

    public static func < (lhs: CellVersion, rhs: CellVersion) -> Bool {
        lhs.stamp != rhs.stamp ? lhs.stamp < rhs.stamp : lhs.site < rhs.site
    }

    public var description: String { "\(stamp)@\(site.short)" }
}
