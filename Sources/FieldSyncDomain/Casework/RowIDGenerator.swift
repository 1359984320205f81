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

    /// Reserves and returns the next id for rows created on `replica` by `site`; atomic
    /// across processes (``Replica/takeCounter(_:)``).
    public static func next(for replica: Replica, site: SiteID) throws(StoreError) -> String {
        id(try replica.takeCounter(settingKey), site: site)
    }

    /// Moves the counter past `number`, so that no id up to it is issued again.
    /// The same inside an import's transaction (a station's release of a case it evicts).
    public static func next(in tx: inout ImportTransaction, site: SiteID) throws(StoreError) -> String {
        let n = Int(try tx.setting(settingKey) ?? "1") ?? 1
        try tx.setSetting(settingKey, String(n + 1))
        return id(n, site: site)
    }

    /// The same inside a local transaction (a row written with the act it records).
    public static func next(in tx: inout LocalTransaction, site: SiteID) throws(StoreError) -> String {
        let n = Int(try tx.setting(settingKey) ?? "1") ?? 1
        try tx.setSetting(settingKey, String(n + 1))
        return id(n, site: site)
    }

    /// `<site short>-<n>`, the counter padded to six digits.
    static func id(_ n: Int, site: SiteID) -> String {
        let digits = String(n)
        return "\(prefix(of: site))\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    /// What every id issued for `site` starts with: a hub refuses a station's new row under
    /// any other id (A5).
    public static func prefix(of site: SiteID) -> String { "\(site.short)-" }

    public static func reserve(through number: Int, for replica: Replica) throws(StoreError) {
        let next = Int(try replica.setting(settingKey) ?? "1") ?? 1
        if next <= number { try replica.setSetting(settingKey, String(number + 1)) }
    }

    /// The counter of an id this generator issued for `site` (`a1b2c3d4-000042` → 42), or nil.
    public static func number(of id: String, site: SiteID) -> Int? {
        let prefix = prefix(of: site)
        guard id.hasPrefix(prefix) else { return nil }
        let digits = id.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count <= 18, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(digits)
    }

    /// The highest counter of `site`'s ids that `changes` mention, as row ids or as
    /// references in values: after this replica's own changes come back from the hub (a
    /// restored copy), the generator must move past them, or a new row would take the id
    /// of a row the hub already holds.
    public static func highestNumber(in changes: [Change], site: SiteID) -> Int? {
        var highest: Int?
        for change in changes {
            for candidate in [change.rowID, Self.text(change.value)].compactMap({ $0 }) {
                if let n = number(of: candidate, site: site) { highest = max(highest ?? n, n) }
            }
        }
        return highest
    }

    static func text(_ value: Value) -> String? {
        if case let .text(s) = value { return s }
        return nil
    }
}
