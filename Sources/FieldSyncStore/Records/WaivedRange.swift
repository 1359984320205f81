import FieldSyncCore

/// Numbers of one origin that this replica will never hold, and counts as held (K8).
///
/// A lost laptop's changes that never reached the hub leave a gap in the hub's contiguous
/// vector of its site (S5). Once no bundle of the old laptop waits in quarantine, nothing
/// can fill that gap, and a vector stopped at it would keep the replacement laptop's work
/// unacknowledged forever. The waiver is written down (when, which numbers, how many were
/// missing), so the loss stays visible and survives restarts, instead of the counter
/// silently jumping.
public struct WaivedRange: Sendable, Equatable {
    /// The first and last number waived; numbers in between that the log holds stay held.
    public let numbers: ClosedRange<UInt64>
    /// How many numbers in ``numbers`` the log did not hold when they were waived.
    public let missing: UInt64
    public let waivedAtMillis: UInt64

    public init(numbers: ClosedRange<UInt64>, missing: UInt64, waivedAtMillis: UInt64) {
        self.numbers = numbers
        self.missing = missing
        self.waivedAtMillis = waivedAtMillis
    }

    /// The setting (`fs_settings`) that lists `site`'s waived ranges.
    static let settingPrefix = "waived:"
    static func settingKey(_ site: SiteID) -> String { settingPrefix + site.hex }

    /// `low high missing at` per range, ranges separated by `;`.
    static func encode(_ ranges: [WaivedRange]) -> String {
        ranges.map { "\($0.numbers.lowerBound) \($0.numbers.upperBound) \($0.missing) \($0.waivedAtMillis)" }.joined(separator: ";")
    }

    static func decode(_ text: String) throws -> [WaivedRange] {
        try text.split(separator: ";").map { part in
            let fields = part.split(separator: " ").compactMap { UInt64($0) }
            guard fields.count == 4, fields[0] >= 1, fields[0] <= fields[1] else {
                throw StoreError.corrupt(reason: "a waived range of numbers is malformed")
            }
            return WaivedRange(numbers: fields[0]...fields[1], missing: fields[2], waivedAtMillis: fields[3])
        }
    }

    /// Where a contiguous counter at `counter` goes when it may also pass these ranges.
    static func passing(_ ranges: [WaivedRange], from counter: UInt64) -> UInt64 {
        var c = counter
        while let range = ranges.first(where: { $0.numbers.contains(c + 1) }) { c = range.numbers.upperBound }
        return c
    }
}
