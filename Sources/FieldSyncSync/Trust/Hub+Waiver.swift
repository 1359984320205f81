import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation

/// K8: the numbers a lost laptop used but never delivered. A replacement laptop numbers
/// above them (K5), so until they arrive the hub's contiguous vector of the site stops
/// below the new laptop's work, which is then never acknowledged and travels in every
/// bundle. Once no bundle of the site's old keys waits in quarantine, nothing can fill
/// that gap any more: the hub waives those numbers, on the record, and the vector moves on.
extension Hub {
    /// Waives `site`'s numbers up to its replacement's numbering floor that the hub lacks,
    /// when the site has a replacement laptop and no bundle of it is held in quarantine.
    /// Called at the replacement's enrollment and whenever a quarantine decision is made.
    @discardableResult
    func waiveUndeliveredNumbers(of site: SiteID) throws -> WaivedRange? {
        guard let floor = try numberingFloor(of: site), try heldEntries(of: site).isEmpty else { return nil }
        guard let waived = try replica.waive(origin: site, through: floor.sequence, atMillis: wallClock()) else { return nil }
        // AUDIT: a lost laptop's undelivered numbers waived (station site, how many).
        Self.logger.notice("undelivered numbers of a lost laptop waived", metadata: [
            "station": "\(site)", "from": "\(waived.numbers.lowerBound)", "through": "\(waived.numbers.upperBound)", "missing": "\(waived.missing)",
        ])
        return waived
    }

    /// Refuses to accept quarantined bundle `entry` when it carries changes whose numbers
    /// were waived: merging them would either be taken for duplicates of changes the hub
    /// never had, or reuse numbers the site's vector has already passed. Neither is
    /// allowed to happen silently.
    func refuseWaivedNumbers(in entry: QuarantineEntry) throws(SyncError) {
        try SyncError.catching {
            let waivers = try replica.waivedRanges(of: entry.signerSite)
            guard !waivers.isEmpty else { return }
            let inWaived = try ownChanges(in: entry).filter { change in waivers.contains { $0.numbers.contains(change.sequence) } }
            guard let low = inWaived.map(\.sequence).min(), let high = inWaived.map(\.sequence).max() else { return }
            let held = try replica.loggedChanges(origin: entry.signerSite, in: low...high)
            let lost = inWaived.filter { held[$0.sequence] == nil }
            guard let first = lost.first, let waiver = waivers.first(where: { $0.numbers.contains(first.sequence) }) else { return }
            throw SyncError.trust(.acceptWaived(id: entry.id, changes: lost.count, waivedAtMillis: waiver.waivedAtMillis))
        }
    }

    /// The changes of its own site that quarantined bundle `entry` carries.
    func ownChanges(in entry: QuarantineEntry) throws -> [Change] {
        var changes: [Change] = []
        // Encrypted to the hub key the laptop knew when it wrote the stick: after a rotation,
        // a retired one (the merge reads it the same way).
        let verified = try UnverifiedBundle.open(path: storedPath(of: entry)).verify()
        try verified.open(as: identity.site, key: identity.agreementKey(opening: verified.header))
            .forEachBatch { batch in changes += batch.filter { $0.origin == entry.signerSite } }
        return changes
    }
}
