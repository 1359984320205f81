import FieldSyncCore
import Foundation
import GRDB

/// Waived numbers (K8): the contiguous counter of an origin may pass numbers this replica
/// will never receive, and the waiver is recorded (``WaivedRange``) rather than implied.
extension Replica {
    /// Counts every number of `origin` up to `through` as held: the numbers the log lacks
    /// are waived (recorded with `atMillis`) and the contiguous counter passes them.
    /// Returns the range waived, or nil when the counter already reaches `through`.
    @discardableResult
    public func waive(origin: SiteID, through: UInt64, atMillis: UInt64) throws(StoreError) -> WaivedRange? {
        try write { db in
            var sites = try SiteDirectory(db)
            let no = try sites.intern(origin, db)
            let counter = sites.contiguous[no] ?? 0
            guard counter < through else { return nil }
            let held = try ChangeLog.count(db, siteNo: no, in: (counter + 1)...through)
            let range = WaivedRange(numbers: (counter + 1)...through, missing: through - counter - UInt64(held), waivedAtMillis: atMillis)
            let key = WaivedRange.settingKey(origin)
            let earlier = try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [key]).map(WaivedRange.decode) ?? []
            try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)",
                           arguments: [key, WaivedRange.encode(earlier + [range])])
            sites = try SiteDirectory(db)
            try sites.advanceAndSave(db)
            return range
        }
    }

    /// The ranges of `origin` waived here, oldest first.
    public func waivedRanges(of origin: SiteID) throws(StoreError) -> [WaivedRange] {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [WaivedRange.settingKey(origin)])
                .map(WaivedRange.decode) ?? []
        }
    }
}
