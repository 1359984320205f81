import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// A notice for the hub to send one station (table `notice`): what happened to one of its
/// cases, in words for the caseworker. The words never hold a personal value (an income,
/// an ID number, a name): the case is named by its row id and the field by its name.
public struct NoticeDraft: Sendable, Equatable {
    /// The township code of the station it is for.
    public var township: String
    /// The case concerned (household row id), when there is one.
    public var household: String?
    public var kind: NoticeKind
    /// The record concerned: table, row id and column, as far as they apply.
    public var subjectTable: String?
    public var subjectRow: String?
    public var subjectColumn: String?
    public var detailZh: String
    public var detailEn: String
    /// What the notice refers to at the hub: a conflict number, a transfer id, a duplicate group.
    public var reference: String?

    public init(township: String, household: String?, kind: NoticeKind, subjectTable: String? = nil, subjectRow: String? = nil,
                subjectColumn: String? = nil, detailZh: String, detailEn: String, reference: String?) {
        self.township = township
        self.household = household
        self.kind = kind
        self.subjectTable = subjectTable
        self.subjectRow = subjectRow
        self.subjectColumn = subjectColumn
        self.detailZh = detailZh
        self.detailEn = detailEn
        self.reference = reference
    }

    /// How `detail` holds the words: the Chinese line, a newline, the English line
    /// (``StationNotice`` splits them again).
    var detail: String { "\(detailZh)\n\(detailEn)" }

    /// The notice as a `notice` row written at `createdAt` (ISO-8601 with offset).
    func rowValues(createdAt: String) -> [String: Value] {
        var values: [String: Value] = [
            "township": .text(township), "kind": .text(kind.rawValue), "detail": .text(detail), "created_at": .text(createdAt),
        ]
        for (column, text) in [("household_id", household), ("subject_table", subjectTable),
                               ("subject_row", subjectRow), ("subject_column", subjectColumn), ("reference", reference)] {
            if let text { values[column] = .text(text) }
        }
        return values
    }
}

extension Hub {
    /// Writes `notice` as a new row of `notice` (append-only, hub-only): it reaches the
    /// station with its next return bundle. Returns the row id: `id` when given, so that a
    /// notice to be written once (a duplicate group's) can be found again by it.
    @discardableResult
    public func postNotice(_ notice: NoticeDraft, id given: String? = nil) throws(SyncError) -> String {
        try SyncError.catching {
            let values = notice.rowValues(createdAt: Timestamp(Date(timeIntervalSince1970: Double(wallClock()) / 1000)).description)
            // The hub's replica checks no write; a notice is checked as A4 would check it
            // (a township code, a known kind), so no station ever receives a malformed one.
            if let table = replica.schema.table("notice") {
                for (name, value) in values {
                    guard let column = table.column(name),
                          let violation = CaseworkAuthority().checkWrite(table: table, column: column, value: value, writer: .hub, origin: identity.site)
                    else { continue }
                    throw StoreError.unauthorized(violation)
                }
            }
            let id = try given ?? RowIDGenerator.next(for: replica, site: identity.site)
            try replica.write(table: "notice", rowID: id, values: values)
            Self.logger.info("notice posted", metadata: ["township": "\(notice.township)", "kind": "\(notice.kind.rawValue)"])
            return id
        }
    }

    /// Runs `merge` (one bundle's merge), then tells the stations concerned of each conflict
    /// recorded since the last time: `underReview` to every station with an edit in a
    /// concurrent conflict, `overruled` to the station whose edit lost to precedence or to a
    /// delete. The conflicts already told of are remembered in the setting
    /// ``conflictNoticesKey``, so that a failure while writing notices (the merge itself is
    /// committed) is made good after the next merge rather than lost.
    func withConflictNotices<T>(_ merge: () throws(SyncError) -> T) throws(SyncError) -> T {
        let noticed = try SyncError.catching {
            try replica.setting(Self.conflictNoticesKey).flatMap { Int64($0) } ?? replica.highestConflictID()
        }
        let result = try merge()
        do {
            try postConflictNotices(after: noticed)
        } catch {
            Self.logger.warning("notices of new conflicts not written yet; retried after the next merge",
                                metadata: ["error": "\(error)"])
        }
        return result
    }

    /// The setting holding the number of the last conflict the stations were told of.
    static let conflictNoticesKey = "conflict-notices-through"

    /// Posts the notices in one transaction, which reads again how far the notices went:
    /// another process (a `hub serve` beside a `hub merge`) may have told the stations of
    /// some of these conflicts while this merge waited for the file, and nothing is posted
    /// twice.
    func postConflictNotices(after noticed: Int64) throws(SyncError) {
        try SyncError.catching {
            try replica.inOneTransaction {
                let told = try replica.setting(Self.conflictNoticesKey).flatMap { Int64($0) } ?? noticed
                let entries = try replica.conflictEntries(includeResolved: true, afterID: max(noticed, told))
                guard !entries.isEmpty else { return }
                let writers = ConflictWriters(hub: identity.site, peers: try replica.peers())
                for entry in entries {
                    let conflict = try review(of: entry, writers: writers, reveal: false)
                    for draft in ConflictNoticeWords.drafts(for: conflict) { try postNotice(draft) }
                    try replica.setSetting(Self.conflictNoticesKey, String(entry.record.id))
                }
            }
        }
    }

    /// Tells the stations of both sides that `review` was resolved; returns their townships.
    /// The resolution is already committed, so a failure here is logged, not thrown.
    func postResolvedNotices(for review: ConflictReview, outcome: ConflictOutcome) -> [String] {
        var told: [String] = []
        for draft in ConflictNoticeWords.resolved(review, outcome: outcome) {
            do {
                try postNotice(draft)
                told.append(draft.township)
            } catch {
                Self.logger.warning("resolved notice not written", metadata: ["conflict": "\(review.number)", "error": "\(error)"])
            }
        }
        return told
    }
}

/// The words of the notices about conflicts. They name the field and the conflict number
/// and say what to do; they never hold either value.
enum ConflictNoticeWords {
    /// The notices a newly recorded conflict sends, at most one per township.
    static func drafts(for review: ConflictReview) -> [NoticeDraft] {
        let sides = review.kind.overrulesLoser ? [review.loser] : [review.winner, review.loser]
        return stations(of: sides).map { township in
            let (kind, zh, en) = words(review)
            return draft(review, township: township, kind: kind, zh: zh, en: en)
        }
    }

    static func words(_ review: ConflictReview) -> (NoticeKind, String, String) {
        let n = review.number, field = review.field
        switch review.kind {
        case .overruled:
            return (.overruled, "本站对 \(field) 的修改未生效：县级决定或已办结的状态优先（冲突 #\(n)）；请核对该案件，如有异议请联系县级中心",
                    "This station's edit of \(field) did not take effect: a county decision or a settled status took precedence (conflict #\(n)). Check the case; contact the county hub if it is wrong.")
        case .lostToDelete:
            return (.overruled, "本站对 \(field) 的修改未生效：该记录同时已被删除（冲突 #\(n)）；如该记录应当存在，请重新登记",
                    "This station's edit of \(field) did not take effect: the record was deleted at the same time (conflict #\(n)). If it should exist, register it again.")
        case .concurrent:
            return (.underReview, "本站对 \(field) 的修改与另一处修改同时发生，已列入县级中心审核（冲突 #\(n)）；处理结果会另行通知，在此之前请勿重复修改",
                    "This station's edit of \(field) was made at the same time as another edit and is in the county hub's review queue (conflict #\(n)). You will be told the outcome; do not edit the field again until then.")
        }
    }

    /// The `resolved` notices: one to the station of each side, saying which side was kept
    /// from that station's point of view.
    static func resolved(_ review: ConflictReview, outcome: ConflictOutcome) -> [NoticeDraft] {
        stations(of: [review.winner, review.loser]).map { township in
            let n = review.number, field = review.field
            let own = outcome == .keptWinner ? review.winner : review.loser
            let (zh, en): (String, String)
            switch outcome {
            case .keptWinner where review.kind == .lostToDelete:
                (zh, en) = ("确认删除该记录", "the deletion stands")
            case .newValue:
                (zh, en) = ("录入了新的值", "the county entered a new value")
            case .keptWinner, .keptLoser:
                (zh, en) = own.writer.township == township ? ("保留了本站的值", "this station's value was kept")
                    : ("保留了另一方的值", "the other edit's value was kept")
            }
            return draft(review, township: township, kind: .resolved,
                         zh: "县级中心已处理冲突 #\(n)（\(field)）：\(zh)；结果随下一个回传数据包送达",
                         en: "The county hub resolved conflict #\(n) on \(field): \(en); the result arrives with the next return bundle.")
        }
    }

    /// The townships of the stations among `sides`, once each, in order.
    static func stations(of sides: [ConflictSide]) -> [String] {
        var seen: [String] = []
        for side in sides where !side.writer.isHub {
            if let township = side.writer.township, !seen.contains(township) { seen.append(township) }
        }
        return seen
    }

    static func draft(_ review: ConflictReview, township: String, kind: NoticeKind, zh: String, en: String) -> NoticeDraft {
        NoticeDraft(township: township, household: review.household, kind: kind, subjectTable: review.table,
                    subjectRow: review.rowID, subjectColumn: review.column, detailZh: zh, detailEn: en,
                    reference: String(review.number))
    }
}
