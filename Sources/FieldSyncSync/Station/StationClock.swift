import FieldSyncCore
import FieldSyncStore
import Foundation

/// How a station's clocks stand: its machine's wall clock, its replica clock (the hybrid
/// clock's last stamp), and the last time it saw from the hub, with what to do about it.
///
/// A laptop whose date ran ahead stamps its changes in the future; the hub refuses them
/// (rule M5) and, because a replica clock never goes back, every later change too.
/// ``Station/repairClock()`` is the way out; this report says whether it is needed and
/// whether the machine's clock now looks right enough to do it.
public struct StationClockReport: Sendable {
    /// The machine's wall clock now, Unix milliseconds.
    public let wallMillis: UInt64
    /// The replica clock's last stamp: every new change is stamped after it.
    public let replicaClock: HybridTimestamp
    /// The created stamp of the last return bundle imported from the hub (the hub's clock
    /// when it wrote it), and that bundle's file name; nil before the first import.
    public let lastHubTime: HybridTimestamp?
    public let lastHubBundle: String?
    /// The station's own changes the hub has acknowledged (sequence 1…n).
    public let acknowledged: UInt64
    /// Changes owed to the hub (not acknowledged), and how many of them are stamped after the wall clock.
    public let owedChanges: Int
    public let owedInFuture: Int
    /// Acknowledged changes stamped after the wall clock (at most the hub's 24-hour bound ahead).
    public let acknowledgedInFuture: Int
    /// Whether a bundle was exported after the last return bundle was imported.
    public let exportedSinceLastImport: Bool

    /// Wall clock minus the last hub time (positive: the machine is later), nil without a hub time.
    public var wallMinusHubMillis: Int64? {
        lastHubTime.map { Int64(bitPattern: wallMillis &- $0.millis) }
    }

    /// Replica clock minus wall clock (positive: new changes would be stamped in the future).
    public var replicaMinusWallMillis: Int64 { Int64(bitPattern: replicaClock.millis &- wallMillis) }

    /// What the report concludes.
    public enum Verdict: String, Sendable {
        /// The clocks agree; nothing to do.
        case ok
        /// The machine's clock is far from the last hub time: correct the date first.
        case wallClockLooksWrong
        /// No return bundle was ever imported, so the machine's clock cannot be checked.
        case noHubTime
        /// Unacknowledged changes are stamped in the future: run `--repair`.
        case repairNeeded
    }

    public var verdict: Verdict {
        if let skew = wallMinusHubMillis, skew.magnitude > StationClock.repairBoundMillis { return .wallClockLooksWrong }
        if owedInFuture > 0 {
            return lastHubTime == nil ? .noHubTime : .repairNeeded
        }
        return .ok
    }

    /// What to do, in Chinese and English.
    public func advice(dir: String) -> [String] {
        var lines: [String] = []
        switch verdict {
        case .ok:
            lines.append("时钟正常，无需处理 / the clocks agree; nothing to do.")
        case .wallClockLooksWrong:
            lines.append("本机日期时间与县中心相差过大：请先改正系统日期时间，再导入县中心最新的回传包，然后重新运行本命令 / this machine's date and time are far from the hub's: correct them, import the hub's latest return bundle, then run this again.")
        case .noHubTime:
            lines.append("尚未导入县中心的回传包，无法核对时钟：请先导入一个回传包 / no return bundle from the hub was imported yet, so the clock cannot be checked: import one first.")
        case .repairNeeded:
            lines.append("有 \(owedInFuture) 条未确认的修改时间戳在未来：改正日期后运行 `fieldsync station clock \(dir) --repair`，再导出 / \(owedInFuture) changes the hub has not acknowledged are stamped in the future: with the date corrected, run `fieldsync station clock \(dir) --repair`, then export again.")
            if exportedSinceLastImport {
                lines.append("修复后，修复前导出的包作废（县中心会以“序号重复”拒收），请删除；若县中心已合并了最近一次导出，请先导入其回传包 / after the repair, bundles exported before it are void (the hub refuses them as reused sequence numbers): discard them. If the hub did merge the last export, import its return bundle before repairing.")
            }
        }
        // With the machine's date itself wrong, "in the future" means "after this wrong date":
        // saying the hub accepted them within its bound would mislead.
        if acknowledgedInFuture > 0, verdict != .wallClockLooksWrong {
            lines.append("\(acknowledgedInFuture) 条已被县中心确认的修改时间戳在未来（不超过 24 小时），无法撤回，时钟走过后即无影响 / \(acknowledgedInFuture) acknowledged changes are stamped in the future; they cannot be recalled (the hub accepted them within its 24-hour bound, so they are at most 24 hours ahead) and stop mattering once the clock passes them.")
        }
        return lines
    }
}

/// What ``Station/repairClock()`` did.
public struct StationClockRepair: Sendable {
    /// Unacknowledged changes given fresh stamps from the wall clock.
    public let restamped: Int
    public let replicaClockBefore: HybridTimestamp
    public let replicaClockAfter: HybridTimestamp
}

/// The station clock's bounds and checks.
public enum StationClock {
    /// How far the machine's wall clock may be from the last time seen from the hub (or the
    /// replica clock ahead of the wall clock) before every station command warns: one hour.
    /// A station that has been offline longer than that also sees the warning, which then
    /// just says how long ago the hub was last heard from.
    public static let warningBoundMillis: UInt64 = 60 * 60 * 1000

    /// How far ahead of the wall clock an owed change must be stamped for the repair to
    /// re-stamp it: the hub's bound (M5, 24 hours). Such a change was certainly refused by
    /// the hub, so giving it a new stamp under the same number cannot collide with a copy
    /// the hub holds. A change less far ahead was, or will be, accepted (the bound allows
    /// it): re-stamping it could touch a change the hub merged but has not yet
    /// acknowledged, which the hub would then refuse as a reused number. A hybrid clock
    /// also runs a little ahead of its own wall clock after merging a fast laptop's changes.
    public static let futureToleranceMillis: UInt64 = HybridClock.defaultMaxForwardSkewMillis

    /// How far the wall clock may be from the last hub time for `station clock --repair`
    /// to trust it: the hub's own bound (M5, 24 hours). Further off, the machine's date
    /// itself is suspect, and re-stamping from it could put the changes in the future again.
    public static let repairBoundMillis: UInt64 = HybridClock.defaultMaxForwardSkewMillis

    /// "3d 4h", "2h 5m", "40m", "12s": a duration for a person.
    public static func span(_ millis: UInt64) -> String {
        let s = millis / 1000
        let d = s / 86_400, h = s / 3600 % 24, m = s / 60 % 60
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h \(m)m" }
        if m > 0 { return "\(m)m" }
        return "\(s)s"
    }

    /// The one-line warning every station command prints on standard error when the
    /// clocks disagree by more than ``warningBoundMillis``; nil when they agree.
    public static func warning(_ report: StationClockReport, dir: String) -> String? {
        warning(wallMillis: report.wallMillis, replicaClock: report.replicaClock, lastHubTime: report.lastHubTime, dir: dir)
    }

    static func warning(wallMillis: UInt64, replicaClock: HybridTimestamp, lastHubTime: HybridTimestamp?, dir: String) -> String? {
        let report = (wallMillis: wallMillis, replicaClock: replicaClock, lastHubTime: lastHubTime,
                      wallMinusHubMillis: lastHubTime.map { Int64(bitPattern: wallMillis &- $0.millis) },
                      replicaMinusWallMillis: Int64(bitPattern: replicaClock.millis &- wallMillis))
        let wall = ISOTime.format(millis: report.wallMillis)
        let bound = Int64(warningBoundMillis)
        if let skew = report.wallMinusHubMillis, let hub = report.lastHubTime, skew.magnitude > warningBoundMillis {
            let (zh, en) = skew > 0 ? ("晚", "ahead of") : ("早", "behind")
            // The hub's time travels on hybrid clocks, which a laptop that runs fast (within
            // the hub's 24-hour bound) pushes ahead: "behind" may be the hub's, not ours.
            let (zhCheck, enCheck) = skew > 0 ? ("", "") : ("（若另一站的电脑时钟偏快，县中心的时间也可能偏快，改日期前请先与可靠时钟核对）",
                                                          " (the hub's time runs ahead too when another station's laptop is fast: check a trusted clock before changing the date)")
            return "fieldsync: 警告 warning: 本机时钟 \(wall) 比最后一次从县中心看到的时间 \(ISOTime.format(millis: hub.millis)) \(zh) \(span(skew.magnitude))\(zhCheck) / this machine's clock \(wall) is \(span(skew.magnitude)) \(en) the last time seen from the hub \(ISOTime.format(millis: hub.millis))\(enCheck); if the date is wrong, correct it and run `fieldsync station clock \(dir)`"
        }
        if report.replicaMinusWallMillis > bound {
            return "fieldsync: 警告 warning: 副本时钟 \(ISOTime.format(millis: report.replicaClock.millis)) 比本机时钟 \(wall) 快 \(span(UInt64(report.replicaMinusWallMillis))) / the replica clock \(ISOTime.format(millis: report.replicaClock.millis)) is \(span(UInt64(report.replicaMinusWallMillis))) ahead of this machine's clock \(wall): run `fieldsync station clock \(dir)`"
        }
        return nil
    }
}

/// Why `station clock --repair` refused (nothing was changed).
public enum ClockRepairRefusal: Error, Sendable, CustomStringConvertible {
    case wallClockLooksWrong(wallMillis: UInt64, hubMillis: UInt64)
    case noHubTime

    public var description: String {
        switch self {
        case let .wallClockLooksWrong(wall, hub):
            let w = ISOTime.format(millis: wall), h = ISOTime.format(millis: hub)
            let skew = wall > hub ? wall - hub : hub - wall
            return "本机时钟 \(w) 与最后一次从县中心看到的时间 \(h) 相差 \(StationClock.span(skew))，超过 \(StationClock.repairBoundMillis / 3_600_000) 小时，看来仍不正确；未做任何修改。请改正系统日期时间，并导入县中心最新的回传包后再修复 / this machine's clock \(w) is \(StationClock.span(skew)) from the last time seen from the hub \(h), more than \(StationClock.repairBoundMillis / 3_600_000) hours: it still looks wrong, so nothing was changed. Correct the date and time, import the hub's latest return bundle, then repair."
        case .noHubTime:
            return "尚未导入县中心的回传包，无法核对本机时钟；未做任何修改。请先导入一个回传包 / no return bundle from the hub was imported yet, so this machine's clock cannot be checked; nothing was changed. Import a return bundle from the hub first."
        }
    }
}

extension Station {
    /// The one-line clock warning for this station (see ``StationClock/warning(_:dir:)``),
    /// cheap enough to compute before every command: it reads the replica clock and the
    /// last imported bundle only.
    public func clockWarning(dir: String) -> String? {
        guard let last = try? replica.lastStamp(), let imported = try? replica.importedBundles(limit: 1) else { return nil }
        return StationClock.warning(wallMillis: wallClock(), replicaClock: last, lastHubTime: imported.first?.createdStamp, dir: dir)
    }

    /// The station's clocks against each other and the hub's (see ``StationClockReport``).
    public func clockReport() throws(SyncError) -> StationClockReport {
        try SyncError.catching {
            let wall = wallClock()
            let hub = try hub()
            let acknowledged = try hub.map { try replica.knownVector(of: $0.site)[identity.site] } ?? 0
            let own = try replica.ownChanges(after: 0)
            let owed = own.filter { $0.sequence > acknowledged }
            let lastImport = try replica.importedBundles(limit: 1).first
            let lastExport = try replica.exportedBundles(limit: 1).first
            return StationClockReport(
                wallMillis: wall, replicaClock: try replica.lastStamp(),
                lastHubTime: lastImport?.createdStamp, lastHubBundle: lastImport?.fileName,
                acknowledged: acknowledged, owedChanges: owed.count,
                owedInFuture: owed.filter { $0.stamp.millis > wall &+ StationClock.futureToleranceMillis }.count,
                acknowledgedInFuture: own.filter { $0.sequence <= acknowledged && $0.stamp.millis > wall &+ StationClock.warningBoundMillis }.count,
                exportedSinceLastImport: lastExport != nil && (lastImport == nil || lastExport!.atMillis >= lastImport!.atMillis))
        }
    }

    /// The way out for a station whose clock ran ahead: re-stamps every change the hub has
    /// not acknowledged and that is stamped after the (corrected) wall clock with fresh
    /// stamps from the wall clock, in sequence order, keeping sequence numbers, values and
    /// bases (a base that named a re-stamped change names its new stamp), sets the replica
    /// clock back to the greatest stamp still legitimately held (never below a change the
    /// hub acknowledged or any received stamp), and rebuilds the rows from the change log,
    /// all in one transaction (``Replica/rewriteOwnChanges(after:lowerClockTo:_:)``).
    ///
    /// Refused, changing nothing, when the wall clock is itself more than
    /// ``StationClock/repairBoundMillis`` from the last time seen from the hub, or no
    /// return bundle was ever imported. Bundles exported before the repair must be
    /// discarded: the hub refuses them as reusing sequence numbers.
    @discardableResult
    public func repairClock() throws(SyncError) -> StationClockRepair {
        let report = try clockReport()
        guard let hubTime = report.lastHubTime else { throw .clockRepairRefused(.noHubTime) }
        guard report.wallMinusHubMillis!.magnitude <= StationClock.repairBoundMillis else {
            throw .clockRepairRefused(.wallClockLooksWrong(wallMillis: report.wallMillis, hubMillis: hubTime.millis))
        }
        let wall = report.wallMillis
        let late = wall &+ StationClock.futureToleranceMillis
        let site = identity.site
        return try SyncError.catching {
            let before = try replica.lastStamp()
            let owed = try replica.ownChanges(after: report.acknowledged)
            guard owed.contains(where: { $0.stamp.millis > late }) else {
                return StationClockRepair(restamped: 0, replicaClockBefore: before, replicaClockAfter: before)
            }
            // The greatest stamp the repair keeps: every received change, every acknowledged
            // one (even if ahead: it cannot be recalled), the owed ones not in the future,
            // and the hub's own clock as last seen.
            let floor = max(try replica.greatestStamp(excludingOwnAfter: report.acknowledged),
                            owed.filter { $0.stamp.millis <= late }.map(\.stamp).max() ?? .zero,
                            hubTime)
            var clock = HybridClock(last: floor)
            var moved: [HybridTimestamp: HybridTimestamp] = [:]
            var restamped = 0
            try replica.rewriteOwnChanges(after: report.acknowledged, lowerClockTo: floor) { changes in
                changes.map { change in
                    var c = change
                    if change.stamp.millis > late {
                        // Changes written together (one stamp) keep sharing one stamp.
                        if moved[change.stamp] == nil { moved[change.stamp] = clock.tick(wallMillis: wall) }
                        c.stamp = moved[change.stamp]!
                        restamped += 1
                        // An audit event's `at` read the same wrong clock: it may not lie
                        // after its stamp (L2 time), so it moves with the stamp.
                        if c.table == AuditLog.table, c.column == "at", case let .integer(at) = c.value, at > Int64(c.stamp.millis) {
                            c.value = .integer(Int64(c.stamp.millis))
                        }
                    }
                    if let base = c.base, base.site == site, let to = moved[base.stamp] { c.base = CellVersion(stamp: to, site: site) }
                    return c
                }
            }
            try letGoOfCasesTransferredAway()
            return StationClockRepair(restamped: restamped, replicaClockBefore: before, replicaClockAfter: try replica.lastStamp())
        }
    }
}
