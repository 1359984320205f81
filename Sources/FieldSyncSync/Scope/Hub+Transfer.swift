import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What a transfer did.
public struct TransferResult: Sendable, Equatable {
    public let household: String
    public let fromTownship: String
    public let toTownship: String
    /// The `case_transfer` row recording it.
    public let transferID: String
    /// Changes of the case's history filed for the receiving township: its station's next
    /// return bundle carries them.
    public let changesToSend: Int
    /// The enrolled station serving the receiving township, if any.
    public let receivingStation: String?
}

extension Hub {
    /// Moves a case to another township (a family moves; R9): in ONE transaction the hub
    /// records the transfer (`case_transfer`, county authority), sets the household's
    /// township, files the case's whole history for the receiving township, pins the
    /// record of the transfer for the giving one, and writes a notice to each station.
    ///
    /// The receiving station's next return bundle carries the whole case; the giving
    /// station's next return bundle carries the transfer, on which that station removes
    /// the case from its replica and records a release (P8). What the giving station wrote
    /// before it learned of the transfer is still taken; what it writes afterwards is
    /// refused (P5).
    public func transfer(household: String, to township: String, note: String? = nil) throws(SyncError) -> TransferResult {
        try InputCheck.code(township, field: "乡镇代码 township code (--to)")
        guard TownshipCode.isValid(township) else {
            throw .invalidInput("乡镇代码无效，应为 9 位行政区划代码 / the township code (--to) is not valid: give the 9-digit administrative code, e.g. 630122101.")
        }
        guard replica.scope != nil else {
            throw .invalidInput("this hub's replica does not place rows by township (case schema before version 4): upgrade FieldSync on the hub")
        }
        let receiving = try stations().first { $0.township == township && $0.revokedAtMillis == nil }
        let ids = try SyncError.catching { try (0..<3).map { _ in try RowIDGenerator.next(for: replica, site: identity.site) } }
        let now = Timestamp(Date(timeIntervalSince1970: Double(wallClock()) / 1000)).description
        let from = try transferable(household, to: township)
        do {
            return try replica.transaction { tx throws(StoreError) -> TransferResult in
                // Checked again inside the transaction: another command may have moved it since.
                try checkStaysInCounty(household, from: from, to: township)
                guard case .text(from)? = try tx.row(table: "household", rowID: household)?["township"] else {
                    throw StoreError.invalidChange(table: "household", reason: "household \(household) changed while it was being transferred; try again")
                }
                let sent = try tx.refile(case: household, to: township)
                var pinned = try tx.write(table: "household", rowID: household, values: ["township": .text(township)])
                var record: [String: Value] = [
                    "household_id": .text(household), "from_township": .text(from), "to_township": .text(township),
                    "transferred_at": .text(now), "decided_by": .text(DecisionLevel.county.rawValue),
                ]
                if let note, !note.isEmpty { record["note"] = .text(note) }
                pinned += try tx.write(table: "case_transfer", rowID: ids[0], values: record)
                try tx.pin(pinned, under: from, case: household)
                let notices = [
                    NoticeDraft(township: from, household: household, kind: .transferredOut, subjectTable: "case_transfer", subjectRow: ids[0],
                                detailZh: "户 \(household) 已由县级中心移交至乡镇 \(township)，本站下次导入后将不再保存该个案",
                                detailEn: "household \(household) was transferred by the county to township \(township); this station no longer holds it after its next import.",
                                reference: ids[0]),
                    NoticeDraft(township: township, household: household, kind: .transferredIn, subjectTable: "case_transfer", subjectRow: ids[0],
                                detailZh: "户 \(household) 已由县级中心从乡镇 \(from) 移交至本站，整个个案随下一个回传数据包送达",
                                detailEn: "household \(household) was transferred by the county from township \(from) to this station; its whole case arrives with the next return bundle.",
                                reference: ids[0]),
                ]
                for (id, notice) in zip(ids[1...], notices) { try tx.write(table: "notice", rowID: id, values: notice.rowValues(createdAt: now)) }
                try auditTransfer(household, from: from, to: township, in: &tx)
                Self.logger.info("case transferred", metadata: ["household": "\(household.escapingControlCharacters)", "from": "\(from)", "to": "\(township)"])
                return TransferResult(household: household, fromTownship: from, toTownship: township, transferID: ids[0],
                                      changesToSend: sent + pinned.count, receivingStation: receiving?.name)
            }
        } catch {
            throw .store(error)
        }
    }

    /// The township holding `household`, or why it cannot be transferred to `township`, in
    /// Chinese and English (the household is named by its row id, never by a name).
    private func transferable(_ household: String, to township: String) throws(SyncError) -> String {
        let row = try SyncError.catching { try replica.row(table: "household", rowID: household) }
        func refuse(_ zh: String, _ en: String) -> SyncError { .invalidInput("\(zh) / \(en). Nothing was changed.") }
        guard let row else {
            throw refuse("户 \(household) 不存在或已删除，无法移交", "household \(household) does not exist or was deleted: nothing to transfer")
        }
        guard case let .text(from)? = row["township"] else {
            throw refuse("户 \(household) 没有乡镇代码，无法移交", "household \(household) names no township: it cannot be transferred")
        }
        guard from != township else {
            throw refuse("户 \(household) 已属于乡镇 \(township)，无需移交", "household \(household) is already held by township \(township): nothing to transfer")
        }
        return from
    }
}
