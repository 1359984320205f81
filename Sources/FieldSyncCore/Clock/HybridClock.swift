/// Issues hybrid logical clock stamps for one replica and absorbs the stamps it receives.
///
/// Local stamps never go backwards, even when the wall clock does: a stamp is the later of
/// the wall clock and the last stamp plus one. Receiving a remote stamp moves the clock
/// forward so that later local edits order after it, but a remote stamp further ahead of
/// the local wall clock than ``maxForwardSkew`` is refused: one laptop with a wrong date
/// must not silently win every edit forever.
///
/// The wall clock is injected so that tests fix time and the core does no I/O.
public struct HybridClock: Sendable {
    /// Default bound on how far ahead of local wall time a received stamp may be: 24 hours.
    public static let defaultMaxForwardSkewMillis: UInt64 = 24 * 60 * 60 * 1000

    /// The last stamp issued or observed.
    public private(set) var last: HybridTimestamp
    /// How far ahead of the local wall clock a remote stamp may be, in milliseconds.
    public let maxForwardSkewMillis: UInt64

    public init(last: HybridTimestamp = .zero, maxForwardSkewMillis: UInt64 = HybridClock.defaultMaxForwardSkewMillis) {
        self.last = last
        self.maxForwardSkewMillis = maxForwardSkewMillis
    }

    /// A new stamp for a local event at wall time `wallMillis`, strictly after every stamp seen.
    public mutating func tick(wallMillis: UInt64) -> HybridTimestamp {
        let wall = HybridTimestamp(millis: wallMillis, counter: 0)
        last = wall > last ? wall : HybridTimestamp(rawValue: last.rawValue + 1)
        return last
    }

    /// Checks that `remote` is not too far in the future without moving the clock.
    public func check(remote: HybridTimestamp, from site: SiteID, wallMillis: UInt64) throws(ClockError) {
        if remote.millis > wallMillis &+ maxForwardSkewMillis {
            throw ClockError.remoteStampTooFarAhead(
                site: site, stamp: remote, localWallMillis: wallMillis, boundMillis: maxForwardSkewMillis)
        }
    }

    /// Absorbs a stamp without checking its skew: for stamps a trusted peer has already
    /// checked against its own bound (a station taking the hub's bundle, M5).
    public mutating func absorb(remote: HybridTimestamp) {
        if remote > last { last = remote }
    }

    /// Absorbs a stamp received from another replica, after checking its skew.
    public mutating func observe(remote: HybridTimestamp, from site: SiteID, wallMillis: UInt64) throws(ClockError) {
        try check(remote: remote, from: site, wallMillis: wallMillis)
        if remote > last { last = remote }
    }
}

/// Why a clock refused a stamp.
public enum ClockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stamp from `site` lies more than `boundMillis` ahead of the local wall clock.
    case remoteStampTooFarAhead(site: SiteID, stamp: HybridTimestamp, localWallMillis: UInt64, boundMillis: UInt64)

    public var description: String {
        switch self {
        case let .remoteStampTooFarAhead(site, stamp, wall, bound):
            let hours = Double(stamp.millis - wall) / 3_600_000
            return "station \(site) sent a change stamped \(stamp), \(String(format1: hours)) hours ahead of this machine's clock (\(ISOTime.format(millis: wall))); the limit is \(bound / 3_600_000) hours. Check the date and time on that station's laptop, then export again."
        }
    }
}

extension String {
    /// One decimal place, without Foundation's `String(format:)`.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
