import FieldSyncCore
import FieldSyncStore

/// Issues row ids unique across the county: `<site short>-<counter>`, e.g. `a1b2c3d4-000042`.
///
/// The counter lives in the replica setting `next_row_number`, so ids keep increasing across
/// program runs; the site prefix keeps rows created offline on two stations from colliding.
/// The station's generic `record` and the casework service both use this one generator.
public enum RowIDGenerator {
    /// The replica setting that holds the next counter value.
    public static let settingKey = "next_row_number"

    /// Reserves and returns the next id for rows created on `replica` by `site`.
    public static func next(for replica: Replica, site: SiteID) throws(StoreError) -> String {
        let n = Int(try replica.setting(settingKey) ?? "1") ?? 1
        try replica.setSetting(settingKey, String(n + 1))
        let digits = String(n)
        return "\(site.short)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }
}
