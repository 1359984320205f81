import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore

/// The audit event of a merge or an import (``ImportPlan/audit``): recorded in the import's
/// transaction, and only when the bundle brought at least one change that a sync does not
/// write by itself (``writtenBySync``).
///
/// Why only then (quiescence): an import that brought only audit events records none, or
/// syncing the audit log would itself create events to sync, and rounds would never reach
/// "nothing owed". The same holds for every row an import writes on its own (a station's
/// release of a case transferred away, P8): counted, it would make the next merge record an
/// event that needs one more round to deliver. So a bundle of casework makes one event at
/// the receiver; that event, and what the import wrote, travel in the next bundle, which
/// makes none, and "nothing owed" comes as many rounds after the last casework as before.
struct ImportAudit {
    let log: AuditLog
    let action: AuditAction
    /// The township the event concerns: the sending station's (a merge) or the receiver's own (an import).
    let township: String

    /// The tables whose rows replicas write by themselves when they sync: the audit log, and
    /// the releases a station writes when it applies a transfer away (P8, and a county hub
    /// when the province moves a case out of its county, T6).
    static let writtenBySync: Set<String> = [AuditLog.table, CaseworkSchema.caseRelease.name]

    /// Applies one batch in `tx`, in its order, and returns how many of its changes to
    /// ``writtenBySync`` tables were new here. Consecutive changes of such tables are applied
    /// as one run and counted; a batch holds whole rows, so each run is whole rows too.
    static func apply(_ changes: [Change], in tx: inout ImportTransaction) throws(StoreError) -> Int {
        guard changes.contains(where: { writtenBySync.contains($0.table) }) else {
            try tx.apply(changes)
            return 0
        }
        var counted = 0
        var start = changes.startIndex
        while start < changes.endIndex {
            let synced = writtenBySync.contains(changes[start].table)
            let end = changes[start...].firstIndex { writtenBySync.contains($0.table) != synced } ?? changes.endIndex
            let before = tx.report
            try tx.apply(Array(changes[start..<end]))
            if synced { counted += (tx.report.applied + tx.report.stale) - (before.applied + before.stale) }
            start = end
        }
        return counted
    }

    /// Records the event when the import brought a change no sync writes by itself: `report`
    /// is the whole import's, `syncWritten` the new changes to ``writtenBySync`` tables among them.
    func recordIfBrought(_ report: ApplyReport, syncWritten: Int, header: BundleHeader, in tx: inout ImportTransaction) throws(StoreError) {
        let brought = report.applied + report.stale - syncWritten
        // A station whose own history is being restored (S13) writes nothing of its own until
        // it is repaired: its next numbers are the ones in dispute.
        guard brought > 0, tx.mergeGuard.withheldOrigin == nil else { return }
        // A hub restored from a backup writes nothing of its own until every station has
        // reported how far it had numbered (§4d, HR3).
        guard try tx.setting(Replica.ownWritesHeldKey) == nil else { return }
        // A hub restored from a backup writes its event after what the station holds of it
        // (a station's own numbering after a restore is the station's repair, S13).
        if action == .merged { try tx.numberOwnChanges(after: header.senderVector[log.site]) }
        try log.record(AuditEntry(action, township: township, subject: header.bundleID.hex,
                                  detail: "from=\(header.sender.hex) changes=\(brought) conflicts=\(report.conflicts)"), in: &tx)
    }
}

extension ImportPlan {
    /// This plan, recording `action` about `township` in `log` when the import brings something.
    func audited(_ action: AuditAction, township: String, in log: AuditLog) -> ImportPlan {
        var plan = self
        plan.audit = ImportAudit(log: log, action: action, township: township)
        return plan
    }
}

extension Hub {
    /// A merge of `peer`'s bundle is recorded for the station's township (a county hub's
    /// for its county), so the station sees in its own log that the hub took its work.
    func auditedMerge(_ plan: ImportPlan, from peer: Peer) -> ImportPlan {
        plan.audited(.merged, township: peer.township ?? CaseworkScope.countyWide, in: auditLog)
    }
}
