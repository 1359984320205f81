import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore

/// The audit event of a merge or an import (``ImportPlan/audit``): recorded in the import's
/// transaction, and only when the bundle brought at least one change outside the audit log.
///
/// Why only then (quiescence): an import that brought only audit events records none, or
/// syncing the audit log would itself create events to sync, and rounds would never reach
/// "nothing owed". A bundle of casework makes one event at the receiver; that event travels
/// in the next bundle, which brings nothing else and so makes none.
struct ImportAudit {
    let log: AuditLog
    let action: AuditAction
    /// The township the event concerns: the sending station's (a merge) or the receiver's own (an import).
    let township: String

    /// Applies one batch in `tx`, the audit log's changes apart from the others, and returns
    /// how many of the audit log's changes were new here.
    static func apply(_ changes: [Change], in tx: inout ImportTransaction) throws(StoreError) -> Int {
        guard changes.contains(where: { $0.table == AuditLog.table }) else {
            try tx.apply(changes)
            return 0
        }
        try tx.apply(changes.filter { $0.table != AuditLog.table })
        let before = tx.report
        try tx.apply(changes.filter { $0.table == AuditLog.table })
        return (tx.report.applied + tx.report.stale) - (before.applied + before.stale)
    }

    /// Records the event when the import brought a change outside the audit log: `report`
    /// is the whole import's, `auditTaken` the audit log's changes among them.
    func recordIfBrought(_ report: ApplyReport, auditTaken: Int, header: BundleHeader, in tx: inout ImportTransaction) throws(StoreError) {
        let brought = report.applied + report.stale - auditTaken
        guard brought > 0 else { return }
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
