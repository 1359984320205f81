import ArgumentParser
import FieldSyncDomain
import FieldSyncSync
import Foundation

/// `fieldsync station notices`: what the hub told this station, offline.
struct StationNotices: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Notices from the hub: edits under review or overruled, conflicts resolved, transfers, possible duplicates.",
        discussion: """
        Notices arrive with the hub's return bundles and are read offline, newest first, \
        in Chinese and English. They name the case and the field, never a personal value.

        Example:
          fieldsync station notices st-lushaer
          fieldsync station notices st-lushaer --kind underReview --json
        """)
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: Choices.help("Only notices of this kind.", NoticeKind.self, valueName: "kind")) var kind: String?
    @OptionGroup var output: OutputOptions

    struct NoticeJSON: Encodable {
        let id: String, kind: String, household: String?, subjectTable: String?, subjectRow: String?, subjectColumn: String?
        let zh: String, en: String, reference: String?, created: String
        init(_ n: StationNotice) {
            id = n.id; kind = n.kind.rawValue; household = n.household; subjectTable = n.subjectTable
            subjectRow = n.subjectRow; subjectColumn = n.subjectColumn; zh = n.wordsZh; en = n.wordsEn
            reference = n.reference; created = n.created
        }
    }

    func run() throws {
        try reporting {
            let only = try kind.map { raw throws(CaseworkError) in try NoticeKind.parse(raw, field: "--kind") }
            let station = try passphrase.station(dir)
            let notices = try station.notices(kind: only)
            if output.json {
                printJSON(notices.map(NoticeJSON.init))
            } else if notices.isEmpty {
                print("没有来自县级中心的通知 / no notices from the hub")
            } else {
                for n in notices {
                    // The hub's words may quote what a station wrote: shown escaped.
                    let about = [n.household.map { "户 case \($0)" }, n.subject, n.reference.map { "ref \($0)" }].compactMap { $0 }
                    print(([n.created, NoticeLabel.of(n.kind)] + about).joined(separator: "  ").escapingControlCharacters)
                    print("  \(n.wordsZh.escapingControlCharacters)")
                    print("  \(n.wordsEn.escapingControlCharacters)")
                }
            }
        }
    }
}

/// Each notice kind in Chinese and English, for text output.
enum NoticeLabel {
    static func of(_ kind: NoticeKind) -> String {
        switch kind {
        case .underReview: "审核中 under review"
        case .overruled: "未生效 overruled"
        case .resolved: "已处理 resolved"
        case .transferredIn: "转入 transferred in"
        case .transferredOut: "转出 transferred out"
        case .duplicate: "疑似重复 possible duplicate"
        case .countyDecision: "县级决定 county decision"
        }
    }
}

/// The line `station status` adds when the hub has sent notices.
enum NoticeCount {
    static func print(_ station: Station) throws(SyncError) {
        let count = try station.notices().count
        guard count > 0 else { return }
        Swift.print("来自县级中心的通知 \(count) 条 / \(count) notices from the hub (fieldsync station notices)")
    }
}
