import FieldSyncCore
import FieldSyncStore

/// A station's key history as `hub status` tells it (K7): whether its key is revoked, what
/// its replaced laptop delivered and still owed, and what waits in quarantine.
public struct KeyAccount: Sendable, Equatable {
    /// The station's current key: active, or revoked (a lost laptop not yet replaced).
    public let status: KeyRecord.Status
    public let revokedAtMillis: UInt64?
    public let reason: String?
    /// The laptop the current key replaced, if any.
    public let replaced: ReplacedLaptop?
    /// Bundles of the station's keys held in quarantine, waiting for the operator.
    public let quarantinedWaiting: Int
}

/// What the hub knows of a replaced laptop's work.
public struct ReplacedLaptop: Sendable, Equatable {
    public let replacedAtMillis: UInt64
    public let revokedAtMillis: UInt64
    public let reason: String?
    /// The hub holds every change of the old laptop up to this number.
    public let mergedThrough: UInt64
    /// The highest own change number the old laptop reported holding, in the newest bundle
    /// header the hub saw from it (merged or quarantined) when it was replaced.
    public let claimedThrough: UInt64
    /// The old laptop's numbers the hub counted as held without ever receiving them (K8).
    public var waived: [WaivedRange] = []

    /// Changes the old laptop made but the hub never merged (some may wait in quarantine).
    public var neverDelivered: UInt64 { claimedThrough > mergedThrough ? claimedThrough - mergedThrough : 0 }
}

/// The hub's record, at replacement, of the old laptop (kept in `fs_settings`): the floor
/// the new laptop numbers above, what the old one claimed, and when it was revoked.
struct ReplacementRecord: Equatable {
    let floor: NumberingFloor
    let claimedThrough: UInt64
    let revokedAtMillis: UInt64

    static func key(_ site: SiteID) -> String { "key_replaced:\(site.hex)" }

    var encoded: String { "\(floor.sequence) \(floor.rowNumber) \(claimedThrough) \(revokedAtMillis)" }

    init(floor: NumberingFloor, claimedThrough: UInt64, revokedAtMillis: UInt64) {
        self.floor = floor
        self.claimedThrough = claimedThrough
        self.revokedAtMillis = revokedAtMillis
    }

    init?(encoded: String) {
        let parts = encoded.split(separator: " ")
        guard parts.count == 4, let sequence = UInt64(parts[0]), let row = Int(parts[1]), let claimed = UInt64(parts[2]),
              let revoked = UInt64(parts[3]) else { return nil }
        self.init(floor: NumberingFloor(sequence: sequence, rowNumber: row), claimedThrough: claimed, revokedAtMillis: revoked)
    }
}
