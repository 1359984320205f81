import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// The station's side of a replacement laptop (K5–K6): a new station folder for the site of
/// a lost laptop, with new keys. It asks the hub to enroll the old site; the enrollment
/// says which numbers the site used before; its first return bundle brings the station's
/// cases and its own earlier changes. Until that bundle is imported it does not export:
/// its first bundle then carries the right vectors and numbers only above the old laptop's.
extension Station {
    /// The setting that marks a replacement laptop (the site id it continues).
    static let replacingKey = "replacing_site"

    /// Creates the folder of a laptop that continues `site` (a lost laptop's, revoked at the
    /// hub) under new keys, and writes its enrollment request to `requestPath`.
    public static func initializeReplacement(at path: String, name: String, township: String, replacing site: SiteID,
                                             requestPath: String, schema: Schema = CaseworkSchema.schema,
                                             wallClock: @escaping WallClock = SystemWallClock.now,
                                             protectedBy passphrase: Passphrase? = nil) throws(SyncError) -> Station {
        var rng = SystemRandomNumberGenerator()
        let keys = NodeIdentity.make(name: name, role: .station, township: township, using: &rng)
        let identity = NodeIdentity(site: site, name: name, role: .station, township: township,
                                    signingKey: keys.signingKey, agreementKey: keys.agreementKey)
        let station = try initialize(at: path, name: name, township: township, schema: schema, requestPath: requestPath,
                                     wallClock: wallClock, identity: identity, protectedBy: passphrase)
        try SyncError.catching {
            try station.replica.setSetting(replacingKey, site.hex)
            try station.replica.setSetting(Replica.localWritesHeldKey, writesHeldMessage)
        }
        return station
    }

    /// Why a replacement laptop refuses every local write (casework verbs, `record`) until
    /// its first return bundle is imported (K6): numbered before that, its work would lie
    /// below the old laptop's numbers and its export would be refused (A2).
    static let writesHeldMessage = "这台替换电脑还没有导入县级中心的第一个回传包，暂不能录入或修改任何记录：请先用县级中心发来的登记文件加入（`fieldsync station join`），再导入县级中心的回传包（`fieldsync station import`，其中有本站全部案件和本站以前的记录），然后再录入 / this replacement laptop has not yet imported the hub's first return bundle, so it may not record or change anything yet: join the hub with the enrollment file it sent (`fieldsync station join`), import the hub's return bundle (`fieldsync station import`; it brings the station's cases and its earlier work), then record."

    /// Whether this is a replacement laptop that has not imported a return bundle yet.
    public func awaitsFirstReturnBundle() throws(SyncError) -> Bool {
        try SyncError.catching {
            try replica.setting(Self.replacingKey) != nil && replica.importedBundles(limit: 1).isEmpty
        }
    }

    /// K6: a replacement laptop exports only after its first import.
    func refuseExportBeforeFirstImport() throws(SyncError) {
        if try awaitsFirstReturnBundle() { throw .trust(.replacementNotCaughtUp) }
    }

    /// K5: numbers this replica's own changes and rows above those the enrollment says
    /// the site used before.
    func continueNumbering(from enrollment: Enrollment) throws(SyncError) {
        guard let floor = enrollment.continuing else { return }
        try SyncError.catching {
            try replica.continueNumbering(after: floor.sequence)
            try replica.setSetting(Self.continuesAfterKey, String(floor.sequence))
            try RowIDGenerator.reserve(through: floor.rowNumber, for: replica)
        }
    }
}
