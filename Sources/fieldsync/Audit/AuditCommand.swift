import ArgumentParser
import FieldSyncDomain
import FieldSyncSync
import Foundation

/// `fieldsync audit DIR`: the audit log of a hub or station folder, newest first.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log of a hub or station: who enrolled, imported, merged, resolved, transferred, decided, and when.",
        discussion: """
        Every replica keeps an append-only audit log that syncs like the cases: a station \
        holds the events of its own township, the hub all. Listed newest first, by the \
        writer's clock. Events name stations, bundles and records by id, never a personal value.

        --since takes a date (YYYY-MM-DD, from its start in China Standard Time) or a moment \
        (2026-11-29T09:30:00+08:00).

        Example:
          fieldsync audit hub-huangzhong --action merged --since 2026-11-01 --limit 20
          fieldsync audit st-lushaer --json
        """)
    @Argument(help: "A station or hub folder.") var dir: String
    @Option(help: Choices.help("Only events of this action.", AuditAction.self, valueName: "action")) var action: String?
    @Option(help: ArgumentHelp("Only events at or after this date or moment.", valueName: "DATE")) var since: String?
    @Option(help: ArgumentHelp("At most this many events (the newest).", valueName: "N")) var limit: Int?
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    struct EventJSON: Encodable {
        let id: String, at: String, atMillis: UInt64, township: String, actorSite: String, actorName: String
        let action: String, subject: String?, detail: String?
        init(_ e: AuditEvent) {
            id = e.id; at = AuditText.moment(e.atMillis); atMillis = e.atMillis; township = e.township
            actorSite = e.actorSite; actorName = e.actorName; action = e.action; subject = e.subject; detail = e.detail
        }
    }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit 须为正整数 / --limit must be a whole number of at least 1") }
        if let since, AuditText.sinceMillis(since) == nil {
            throw ValidationError("--since 日期无效 / --since must be a date YYYY-MM-DD or a moment like 2026-11-29T09:30:00+08:00")
        }
    }

    func run() throws {
        try reporting {
            let only = try action.map { raw throws(CaseworkError) in try AuditAction.parse(raw, field: "--action") }
            let card = try NodeIdentity.card(at: NodeFolder(dir).identityPath)
            let log = card.role == .hub ? try passphrase.hub(dir).auditLog : try passphrase.station(dir).auditLog
            let events = try SyncError.catching {
                try log.events(action: only?.rawValue, sinceMillis: since.flatMap(AuditText.sinceMillis), limit: limit)
            }
            if output.json {
                printJSON(events.map(EventJSON.init))
            } else if events.isEmpty {
                print(log.isKept ? "审计日志中没有符合条件的记录 / no audit events match"
                                 : "该副本的数据结构版本没有审计日志 / this replica's case schema has no audit log")
            } else {
                var table = TextTable(header: ["时间 time", "操作 action", "乡镇 township", "操作方 actor", "对象 subject", "详情 detail"])
                for e in events {
                    table.add([AuditText.moment(e.atMillis), AuditText.label(e.action), e.township,
                               "\(e.actorName) (\(e.actorSite.prefix(8)))", e.subject ?? "", e.detail ?? ""])
                }
                print(table.render())
            }
        }
    }
}

/// How audit events read on a terminal.
enum AuditText {
    /// A writer's wall-clock millis as a moment in China Standard Time.
    static func moment(_ millis: UInt64) -> String {
        Timestamp(epochSeconds: Int64(clamping: millis / 1000)).description
    }

    /// `--since` as Unix millis: a date from its start at UTC+8, or a moment.
    static func sinceMillis(_ text: String) -> UInt64? {
        if let day = CivilDate(text) {
            let seconds = Int64(day.daysSinceEpoch) * 86_400 - Int64(Timestamp.chinaOffsetMinutes) * 60
            return UInt64(max(0, seconds)) * 1000
        }
        guard let moment = Timestamp(text) else { return nil }
        return UInt64(max(0, moment.epochSeconds)) * 1000
    }

    /// Each action in Chinese and English; a code from a newer FieldSync as it is.
    static func label(_ code: String) -> String {
        guard let action = AuditAction(rawValue: code) else { return code }
        return switch action {
        case .enrolled: "登记 enrolled"
        case .revoked: "吊销 revoked"
        case .keyReplaced: "换钥 key replaced"
        case .keyRotated: "中心换钥 key rotated"
        case .imported: "导入 imported"
        case .merged: "合并 merged"
        case .quarantined: "隔离 quarantined"
        case .quarantineAccepted: "隔离后接受 quarantine accepted"
        case .quarantineRejected: "隔离后拒绝 quarantine rejected"
        case .resolved: "处理冲突 resolved"
        case .transferred: "移交 transferred"
        case .decided: "审核确认 decided"
        case .noticePosted: "发出通知 notice posted"
        case .schemaUpgraded: "升级 schema upgraded"
        }
    }
}
