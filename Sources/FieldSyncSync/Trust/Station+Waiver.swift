import FieldSyncCore
import FieldSyncStore
import Foundation
import Logging

/// K8 at the station: a replacement laptop learns that the hub waived the lost laptop's
/// undelivered numbers from the hub's acknowledgement. Without this the laptop's own
/// vector would stop at the same gap, the hub would keep sending back its own work from
/// that point (S13 anchor) in every return bundle, and neither side would settle.
extension Station {
    /// The setting that keeps the numbering floor of the enrollment (K5): the highest own
    /// change number the site used before this laptop.
    static let continuesAfterKey = "continues_after_sequence"
    private static let waiverLogger = Logger(label: "fieldsync.station")

    /// Counts as held every own number up to the enrollment's floor and the hub's
    /// acknowledgement that this laptop still lacks after a return bundle. A return bundle
    /// carries every own change the hub holds from the anchor (what this laptop holds
    /// without a gap) up to its acknowledgement, so a number still missing below both is
    /// one the hub does not hold and has counted as held: waived (K8). Below the
    /// acknowledgement only, never past what the hub says, and only the lost laptop's numbers.
    func settleWaivedNumbers() throws(SyncError) {
        try SyncError.catching {
            guard let floor = try replica.setting(Self.continuesAfterKey).flatMap(UInt64.init), let hub = try hub() else { return }
            let acknowledged = try replica.knownVector(of: hub.site)[identity.site]
            if let waived = try replica.waive(origin: identity.site, through: min(floor, acknowledged), atMillis: wallClock()) {
                Self.waiverLogger.notice("the hub waived numbers of the lost laptop", metadata: [
                    "from": "\(waived.numbers.lowerBound)", "through": "\(waived.numbers.upperBound)", "missing": "\(waived.missing)",
                ])
            }
        }
    }
}
