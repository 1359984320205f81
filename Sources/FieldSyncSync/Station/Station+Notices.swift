import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// A notice from the hub as the station shows it: what happened to which case, in Chinese
/// and English. Read from the replica, so it is there offline once a return bundle brought it.
public struct StationNotice: Sendable, Equatable {
    /// The notice's row id.
    public let id: String
    public let kind: NoticeKind
    /// The case concerned (household row id), if any.
    public let household: String?
    public let subjectTable: String?
    public let subjectRow: String?
    public let subjectColumn: String?
    public let wordsZh: String
    public let wordsEn: String
    /// The hub's reference: a conflict number, a transfer id, a duplicate group.
    public let reference: String?
    /// When the hub wrote it, ISO-8601 with offset.
    public let created: String

    /// `household.monthly_income` of row `…`, as far as the notice names it.
    public var subject: String? {
        guard let subjectTable else { return nil }
        return subjectColumn.map { "\(subjectTable).\($0)" } ?? subjectTable
    }

    init?(id: String, _ row: [String: Value]) {
        func text(_ column: String) -> String? {
            if case let .text(s)? = row[column] { return s }
            return nil
        }
        guard let kind = text("kind").flatMap(NoticeKind.init(rawValue:)) else { return nil }
        let detail = text("detail") ?? ""
        // The hub writes the Chinese line, a newline, then the English line (NoticeDraft).
        let lines = detail.split(separator: "\n", maxSplits: 1).map(String.init)
        self.id = id
        self.kind = kind
        household = text("household_id")
        subjectTable = text("subject_table")
        subjectRow = text("subject_row")
        subjectColumn = text("subject_column")
        wordsZh = lines.first ?? ""
        wordsEn = lines.count > 1 ? lines[1] : wordsZh
        reference = text("reference")
        created = text("created_at") ?? ""
    }
}

extension Station {
    /// The notices addressed to this station's township, newest first; only of `kind`
    /// when given. A station receives only those (P1), including notices about a case it
    /// has since given away; the address is checked here all the same, so a notice never
    /// shows at a station it was not written for.
    public func notices(kind: NoticeKind? = nil) throws(SyncError) -> [StationNotice] {
        guard let township = identity.township else { return [] }
        return try SyncError.catching {
            var notices: [StationNotice] = []
            for id in try replica.rowIDs(table: "notice", limit: nil) {
                guard let row = try replica.row(table: "notice", rowID: id), row["township"] == .text(township),
                      let notice = StationNotice(id: id, row), kind == nil || notice.kind == kind else { continue }
                notices.append(notice)
            }
            return notices.sorted { a, b in
                let (ta, tb) = (Timestamp(a.created)?.epochSeconds ?? 0, Timestamp(b.created)?.epochSeconds ?? 0)
                return ta != tb ? ta > tb : Self.counter(a.id) > Self.counter(b.id)
            }
        }
    }

    /// The number a hub row id ends with (`a1b2c3d4-000042` → 42), to order notices of one second.
    static func counter(_ id: String) -> Int {
        id.split(separator: "-").last.flatMap { Int($0) } ?? 0
    }
}
