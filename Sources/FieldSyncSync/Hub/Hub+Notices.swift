import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// The hub tells a station when an edit of the station's did not take effect: it was
/// overruled by precedence (a county decision, or a later status; rule M7) or a concurrent
/// delete removed its record (M2). The notice (table `notice`, kind `overruled`) is
/// addressed to the station's township and reaches it in its next return bundle, so the
/// caseworker learns that the county's decision stands without waiting for a call.
///
/// A notice names the record and the field, never a value: values are personal data.
extension Hub {
    /// The setting holding the number of the last conflict considered for a notice.
    static let noticedThroughKey = "notices.conflicts_through"

    /// Writes a notice for the edits of an enrolled station that did not take effect among
    /// the conflicts recorded since the last call: those overruled by precedence or lost to
    /// a delete, and those a county write won (the county's decision took precedence). One
    /// notice per record and station, naming the fields. Runs after every merge; conflicts
    /// of a merge whose notices could not be written are taken up by the next call.
    /// Returns how many notices it wrote.
    @discardableResult
    public func noticeOverruledEdits() throws(SyncError) -> Int {
        try SyncError.catching {
            let through = try replica.setting(Self.noticedThroughKey).flatMap(Int64.init) ?? 0
            let fresh = try replica.conflicts(includeResolved: true).filter { $0.id > through }
            guard let last = fresh.last?.id else { return 0 }
            let townships = Dictionary(try stations().compactMap { peer in peer.township.map { (peer.site, $0) } }) { a, _ in a }
            let lost = fresh.filter { $0.kind != .concurrent || $0.winner.version.site == identity.site }
            // Grouped by record and station, in the order first recorded.
            var groups: [[ConflictRecord]] = []
            for conflict in lost where townships[conflict.loser.version.site] != nil {
                if let i = groups.firstIndex(where: { $0[0].table == conflict.table && $0[0].rowID == conflict.rowID
                                                      && $0[0].loser.version.site == conflict.loser.version.site }) {
                    groups[i].append(conflict)
                } else {
                    groups.append([conflict])
                }
            }
            for group in groups {
                let first = group[0]
                try replica.write(table: "notice", rowID: try RowIDGenerator.next(for: replica, site: identity.site), values: [
                    "township": .text(townships[first.loser.version.site]!),
                    "household_id": try household(of: first).map(Value.text) ?? .null,
                    "kind": .text(NoticeKind.overruled.rawValue),
                    "subject_table": .text(first.table),
                    "subject_row": .text(first.rowID),
                    "subject_column": .text(first.column),
                    "detail": .text(Self.detail(fields: group.map { "\($0.table).\($0.column)" }, deleted: first.kind == .lostToDelete)),
                    "reference": .text("conflicts " + group.map { String($0.id) }.joined(separator: ",")),
                    "created_at": .text(Timestamp(Date(timeIntervalSince1970: Double(wallClock()) / 1000)).description),
                ])
            }
            try replica.setSetting(Self.noticedThroughKey, String(last))
            return groups.count
        }
    }

    /// The household the conflict's record belongs to (``CaseworkScope``), when the hub
    /// can still place it: a deleted record other than a household cannot be.
    private func household(of conflict: ConflictRecord) throws -> String? {
        let row = try replica.row(table: conflict.table, rowID: conflict.rowID)
        let scope = try CaseworkScope().scope(of: conflict.table, rowID: conflict.rowID, value: { row?[$0] },
                                              lookUp: { table, id, column in try replica.row(table: table, rowID: id)?[column] })
        if case let .household(id) = scope { return id }
        return nil
    }

    /// What happened, in Chinese and English, naming the fields and what to do; no value.
    static func detail(fields: [String], deleted: Bool) -> String {
        let list = fields.joined(separator: ", ")
        if deleted {
            return "本站对 \(list) 的修改未生效：该记录已被另一方删除，已转县级复核；如仍需要，请联系县级中心 / "
                + "this station's edit of \(list) did not take effect: the record had been deleted elsewhere; "
                + "it is in the county's review queue. Ask the county if it is still needed."
        }
        return "本站对 \(list) 的修改未生效：县级决定或已进入后续阶段的状态优先（M7），已转县级复核；请以县级中心的结果为准 / "
            + "this station's edit of \(list) did not take effect: a county decision or a later status "
            + "took precedence (rule M7); it is in the county's review queue. Follow the county's value."
    }
}
