import FieldSyncCore
import FieldSyncStore

/// Why a step of the key lifecycle (revocation, quarantine, a replacement laptop) was
/// refused (rules K1–K7). Names stations, files, dates and quarantine ids, never case data.
public indirect enum TrustError: Error, Sendable, CustomStringConvertible {
    /// No enrolled station matches what the operator typed.
    case unknownStation(String)
    /// More than one station matches.
    case ambiguousStation(String, matches: [String])
    /// A bundle signed by a revoked or replaced key: not merged, held as quarantine `id`.
    /// `earlier`: the entry's state when the same bundle was already in quarantine (held or
    /// rejected), nil when it was quarantined now.
    case quarantined(file: String, station: String, key: KeyStatusNote, id: Int64, earlier: QuarantineEntry.State?)
    /// A return bundle was asked for a station whose key is revoked.
    case revokedRecipient(station: String, key: KeyStatusNote)
    /// An enrollment request carries a key the hub revoked or replaced (K3).
    case keyNotTrusted(station: String, key: KeyStatusNote)
    /// A replacement laptop asked for a township other than its site's.
    case replacementTownship(station: String, township: String, requested: String)
    case quarantineEntryNotFound(id: Int64)
    case quarantineAlreadyDecided(id: Int64, state: QuarantineEntry.State, atMillis: UInt64?)
    /// The stored copy of a quarantined bundle is gone from the hub folder.
    case quarantineCopyMissing(id: Int64, path: String)
    /// `--accept` ran the merge and one of its checks refused the bundle; it stays held.
    case acceptRefused(id: Int64, SyncError)
    /// `--accept` of a bundle carrying changes whose numbers the hub waived (K8): it stays held.
    case acceptWaived(id: Int64, changes: Int, waivedAtMillis: UInt64)
    /// `--accept` of a bundle of a replaced laptop carrying changes numbered above the floor
    /// recorded when the replacement was enrolled (K5): those numbers are the replacement's.
    case acceptAboveFloor(id: Int64, station: String, changes: Int, floor: UInt64, highest: UInt64)
    /// A replacement laptop may not export before it has imported the hub's first return bundle (K6).
    case replacementNotCaughtUp
    /// `--replacing` is not a site id.
    case replacingNotASite(String)

    public var description: String {
        switch self {
        case let .unknownStation(query):
            return "没有与 \"\(query)\" 相符的已登记社工站，请给出站点编号（或其前 8 位）、站名或乡镇代码 / no enrolled station matches \"\(query)\"; give its site id (or the first 8 characters of it), its name or its township code, as `fieldsync hub status` lists them."
        case let .ambiguousStation(query, matches):
            return "\"\(query)\" 与多个社工站相符，请改用站点编号 / \"\(query)\" matches more than one station (\(matches.joined(separator: "; "))); give the site id instead."
        case let .quarantined(file, station, key, id, .rejected?):
            return "\(file) 由密钥已停用的社工站 \(station) 签名，未合并：已在隔离区 #\(id) 被拒绝 / \(file) is signed by station \(station), whose key was \(key). It was not merged: the operator rejected it in quarantine as #\(id) (`fieldsync hub quarantine HUB`)."
        case let .quarantined(file, station, key, id, earlier):
            return "\(file) 由密钥已停用的社工站 \(station) 签名，未合并，存于隔离区 #\(id)，请用 `fieldsync hub quarantine HUB --accept \(id)` 或 `--reject \(id)` 决定 / \(file) is signed by station \(station), whose key was \(key). It was not merged\(earlier == nil ? " and is held in quarantine" : "; it is already held in quarantine") as #\(id). Decide with `fieldsync hub quarantine HUB --accept \(id)` or `--reject \(id)`."
        case let .revokedRecipient(station, key):
            return "社工站 \(station) 的密钥已停用，不为其写回传包；请为该站登记替换电脑 / no return bundle is written for station \(station): its key was \(key). Enroll its replacement laptop (`fieldsync station init … --replacing SITE`) to continue the station."
        case let .keyNotTrusted(station, key):
            return "申请中的密钥属于社工站 \(station)，已停用，停用的密钥不再登记；请在接替的电脑上用 --replacing 重新生成申请 / the request carries the key of station \(station) that was \(key); a key once revoked is never enrolled again. Make a new request on the laptop that is to continue the station: `fieldsync station init DIR --township T --name N --replacing SITE --request FILE`."
        case let .replacementTownship(station, township, requested):
            return "社工站 \(station) 的替换申请写的乡镇是 \(requested)，但该站属于 \(township)；请用 --township \(township) 重新生成申请 / the replacement request for station \(station) names township \(requested), but the station's site belongs to township \(township); a replacement laptop continues the same township. Make the request again with --township \(township)."
        case let .quarantineEntryNotFound(id):
            return "隔离区没有 #\(id)，用 `fieldsync hub quarantine HUB` 查看 / there is no quarantined bundle #\(id); `fieldsync hub quarantine HUB` lists them."
        case let .quarantineAlreadyDecided(id, state, at):
            return "隔离区 #\(id) 已处理过，未作改动 / quarantined bundle #\(id) was already \(state.rawValue)\(at.map { " on \(ISOTime.format(millis: $0))" } ?? ""); nothing changed."
        case let .quarantineCopyMissing(id, path):
            return "隔离区 #\(id) 的文件副本不见了，请从县级中心备份恢复或拒绝该条，未作改动 / the hub's copy of quarantined bundle #\(id) (\(path)) is missing; restore it from the hub's backup, or reject the entry. Nothing changed."
        case let .acceptRefused(id, error):
            return "隔离区 #\(id) 仍保留：合并时被拒绝，原因见后 / quarantined bundle #\(id) stays held: accepting it lifts only the revocation, and the merge refused it: \(error)"
        case let .acceptWaived(id, changes, at):
            return "隔离区 #\(id) 仍保留：其中 \(changes) 条变更的编号已被放弃，无法再按原编号合并；如仍需要，请在本站现用电脑上重新录入，然后拒绝该条。未作改动 / quarantined bundle #\(id) stays held: \(changes) of its changes carry numbers the hub waived on \(ISOTime.format(millis: at)) (no bundle of the lost laptop was left waiting, so its undelivered numbers were counted as lost and the replacement laptop's work was acknowledged past them). Those changes can no longer be merged under their numbers; enter that work again on the station's current laptop if it is still needed, then reject this bundle (`fieldsync hub quarantine HUB --reject \(id)`). Nothing changed."
        case let .acceptAboveFloor(id, station, changes, floor, highest):
            return "隔离区 #\(id) 不能接受：其编号已归社工站 \(station) 的替换电脑使用；如仍需要，请在本站现用电脑上重新录入其中的工作，然后拒绝该条。未作改动 / quarantined bundle #\(id) stays held and cannot be accepted: it uses numbers now belonging to the replacement laptop of station \(station). When the replacement was enrolled the old laptop's numbers ended at change \(floor) and the new laptop continues after it; this stick carries \(changes) change(s) whose change or row numbers lie above the old laptop's (its changes run up to \(highest)), so the hub had not heard of them when it gave the new laptop its numbers: the old laptop wrote them after it was replaced, or before it and the stick arrived late. Merged, its changes would collide with the new laptop's and its next stick would be refused. Reject it (`fieldsync hub quarantine HUB --reject \(id)`) and enter any work still needed again on the station's current laptop. Nothing changed."
        case .replacementNotCaughtUp:
            return "这台替换电脑还没有导入县级中心的第一个回传包，暂不能导出：请先 `fieldsync station join`，再导入县级中心的回传包（其中有本站全部案件和本站以前的记录）/ this replacement laptop has not yet imported the hub's first return bundle, so it may not export: join the hub (`fieldsync station join`), import the hub's return bundle (it brings the station's cases and its earlier work), then export."
        case let .replacingNotASite(value):
            return "--replacing 应为旧电脑的站点编号（32 位十六进制，见县级中心 `fieldsync hub status`）/ --replacing must be the lost laptop's site id (32 hex digits, as `fieldsync hub status` shows it), not \"\(value)\"."
        }
    }
}

/// What became of a key, as a refusal names it: `revoked on 2026-11-30T… (reason: laptop stolen)`.
public struct KeyStatusNote: Sendable, Equatable, CustomStringConvertible {
    public let status: KeyRecord.Status
    public let atMillis: UInt64?
    public let reason: String?

    init(status: KeyRecord.Status, atMillis: UInt64?, reason: String?) {
        self.status = status
        self.atMillis = atMillis
        self.reason = reason
    }

    init(_ record: KeyRecord) {
        self.init(status: record.status, atMillis: record.statusChangedAtMillis, reason: record.reason)
    }

    public var description: String {
        let when = atMillis.map { " on \(ISOTime.format(millis: $0))" } ?? ""
        let why = reason.map { " (reason: \($0))" } ?? ""
        switch status {
        case .active: return "active"
        case .revoked: return "revoked\(when)\(why)"
        case .replaced: return "revoked\(why) and replaced by a new laptop\(when)"
        }
    }
}
