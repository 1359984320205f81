import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What one duplicate scan found and told the stations.
public struct DuplicateReport: Sendable, Equatable {
    public let groups: [DuplicateGroup]
    /// Notices written by this scan: one per group and township not notified before.
    public let noticesWritten: Int
}

extension Hub {
    /// The duplicate groups in the hub's replica now, read only (``flagDuplicates()`` also
    /// tells the stations). Makes the county secret if this hub has none yet.
    public func duplicateGroups() throws(SyncError) -> [DuplicateGroup] {
        try DuplicateScan(rows: CountyRows(replica), secret: CountySecret.loadOrCreate(in: folder)).groups()
    }

    /// Scans for duplicates and writes each station concerned a `duplicate` notice per
    /// group, once: the notice's row id is made of the group's reference and the township
    /// (`notice-dup-<reference>-<township>`), so a rescan finds it and writes nothing, and
    /// a group that grows to a new township notifies only that one. Run before every
    /// return bundle (``exportReturnBundles(to:progress:)``) and by `hub duplicates`.
    /// A hub still on a case schema without notices (before version 4) only scans; its
    /// first scan after the upgrade writes the notices.
    @discardableResult
    public func flagDuplicates() throws(SyncError) -> DuplicateReport {
        let rows = try CountyRows(replica)
        let groups = DuplicateScan(rows: rows, secret: try CountySecret.loadOrCreate(in: folder)).groups()
        var written = 0
        for group in groups where replica.schema.table("notice") != nil {
            for township in group.townships {
                if try writeDuplicateNotice(group, to: township, rows: rows) { written += 1 }
            }
        }
        Self.logger.info("duplicate scan", metadata: ["groups": "\(groups.count)", "noticesWritten": "\(written)"])
        return DuplicateReport(groups: groups, noticesWritten: written)
    }

    /// The row id of the notice telling `township` of group `reference`.
    static func duplicateNoticeID(reference: String, township: String) -> String { "notice-dup-\(reference)-\(township)" }

    /// Writes `group`'s notice to `township` unless it was written before; true if written.
    private func writeDuplicateNotice(_ group: DuplicateGroup, to township: String, rows: CountyRows) throws(SyncError) -> Bool {
        let id = Self.duplicateNoticeID(reference: group.reference, township: township)
        guard try SyncError.catching({ try replica.row(table: "notice", rowID: id) }) == nil else { return false }
        let words = DuplicateNoticeWords(group: group, township: township, rows: rows)
        try postNotice(NoticeDraft(township: township, household: words.household, kind: .duplicate, subjectTable: words.subjectTable,
                                   subjectRow: words.subjectRow, subjectColumn: words.subjectColumn, detailZh: words.zh,
                                   detailEn: words.en, reference: group.reference), id: id)
        return true
    }
}

/// The words of one duplicate notice to one township: which of its records, which
/// records elsewhere (by row id and township code), and what to do; in Chinese and
/// English, never the ID number or a name.
struct DuplicateNoticeWords {
    let household: String?
    let subjectTable: String
    let subjectRow: String?
    let subjectColumn: String
    let zh: String
    let en: String

    /// At most this many other records are named; a longer list ends with a count.
    static let namedOthers = 5

    init(group: DuplicateGroup, township: String, rows: CountyRows) {
        let ref = group.reference
        switch group.kind {
        case .twoHouseholds, .twoStations:
            let home = group.households.first { rows.township(of: $0) == township }
            household = home
            subjectTable = "member"
            subjectColumn = "id_number"
            let member = rows.members.first { group.members.contains($0.id) && $0.household == home }?.id
            subjectRow = member
            let others = group.households.filter { $0 != home }
            let (othersZh, othersEn) = Self.name(others, excess: others.count - Self.namedOthers) { other in
                let there = rows.township(of: other)
                return there == township ? ("本乡镇户 \(other)", "household \(other) of this township")
                    : ("乡镇 \(there ?? "?") 的户 \(other)", "household \(other) in township \(there ?? "?")")
            }
            zh = "疑似重复人员（比对号 \(ref)）：本站户 \(home ?? "?") 的成员 \(member ?? "?") 的身份证号（id_number）与\(othersZh) 中的一名成员相同。"
                + "请核对身份证，确认是否同一人；如重复登记，请删除错误的成员记录，并与相关乡镇社工站联系。"
            en = "Possible duplicate person (match \(ref)): member \(member ?? "?") of household \(home ?? "?") has the same ID number"
                + " (id_number) as a member of \(othersEn). Check the ID card and whether it is the same person; if it was registered twice,"
                + " delete the wrong member record and contact the other station."
        case .twoOpenApplications:
            subjectTable = "application"
            subjectColumn = "category"
            let ownApplications = rows.applications.filter { group.applications.contains($0.id) && rows.township(of: $0.household) == township }
            let own = ownApplications.first?.id
            let home = ownApplications.first?.household
            household = home
            subjectRow = own
            let others = rows.applications.filter { group.applications.contains($0.id) && $0.id != own }
            let (othersZh, othersEn) = Self.name(others, excess: others.count - Self.namedOthers) { other in
                let there = rows.township(of: other.household)
                return there == township ? ("本站申请 \(other.id)（户 \(other.household ?? "?")）", "application \(other.id) (household \(other.household ?? "?"))")
                    : ("乡镇 \(there ?? "?") 的申请 \(other.id)（户 \(other.household ?? "?")）",
                       "application \(other.id) (household \(other.household ?? "?"), township \(there ?? "?"))")
            }
            let category = group.category ?? "?"
            zh = "疑似重复申请（比对号 \(ref)）：本站申请 \(own ?? "?")（户 \(home ?? "?")）与\(othersZh) 为同一人申请同一救助类别（\(category)），均未办结。"
                + "请核实，撤回或结案重复的一份。"
            en = "Possible duplicate application (match \(ref)): application \(own ?? "?") (household \(home ?? "?")) and \(othersEn)"
                + " are by the same person for the same kind of assistance (category \(category)), and all are still open."
                + " Check them and close the one entered twice."
        }
    }

    /// The first ``namedOthers`` of `others`, in Chinese and English, and how many more.
    private static func name<T>(_ others: [T], excess: Int, _ words: (T) -> (String, String)) -> (String, String) {
        let named = others.prefix(namedOthers).map(words)
        let more = excess > 0 ? (" 等另 \(excess) 处", " and \(excess) more") : ("", "")
        return (named.map(\.0).joined(separator: "、") + more.0, named.map(\.1).joined(separator: ", ") + more.1)
    }
}
