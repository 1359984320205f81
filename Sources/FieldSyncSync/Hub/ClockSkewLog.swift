import FieldSyncCore
import FieldSyncStore

/// The largest clock difference seen from one station: a bundle's created stamp (the
/// station's clock when it wrote the bundle) minus the hub's wall clock when the hub
/// merged or refused it.
public struct ClockSkew: Sendable, Equatable {
    /// Positive: the station's clock was ahead of the hub's.
    public let millis: Int64
    /// The hub's wall clock when it was seen.
    public let atMillis: UInt64
}

/// Keeps, per station, the ``ClockSkew`` of greatest magnitude in the hub's settings
/// (`clock_skew.<site hex>` = `"<millis> <at millis>"`): replica-local metadata like the
/// conflict queue, so no schema change is needed.
enum ClockSkewLog {
    static func key(_ site: SiteID) -> String { "clock_skew.\(site.hex)" }

    /// Records the skew of a bundle created at `created`, seen at `wallMillis`, if it is the
    /// largest so far. Written before the merge, so a bundle the merge refuses counts too.
    static func record(_ created: HybridTimestamp, from site: SiteID, in replica: Replica, wallMillis: UInt64) throws {
        let skew = ClockSkew(millis: Int64(bitPattern: created.millis &- wallMillis), atMillis: wallMillis)
        if let held = try largest(from: site, in: replica), held.millis.magnitude >= skew.millis.magnitude { return }
        try replica.setSetting(key(site), "\(skew.millis) \(skew.atMillis)")
    }

    static func largest(from site: SiteID, in replica: Replica) throws -> ClockSkew? {
        guard let text = try replica.setting(key(site)) else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 2, let millis = Int64(parts[0]), let at = UInt64(parts[1]) else { return nil }
        return ClockSkew(millis: millis, atMillis: at)
    }
}
