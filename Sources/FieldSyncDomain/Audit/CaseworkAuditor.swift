import FieldSyncCore
import FieldSyncStore

/// Writes the audit event of a casework act in the transaction that records the act, so an
/// act is never stored without its event nor an event without its act.
///
/// The audit log belongs to the node (FieldSyncSync's `AuditLog`), which knows who acts and
/// where; the casework service only says what happened. A service without an auditor (a
/// test, the sample generator) records acts without events.
public protocol CaseworkAuditor: Sendable {
    /// Records that `application` (of `household`) was decided, approved or rejected, at `level`.
    func recordDecision(application: String, household: String?, approved: Bool, level: DecisionLevel,
                        in tx: inout LocalTransaction) throws(StoreError)
}

extension Casework {
    /// Inserts a row and, in the same transaction, what `alongside` writes (an act's audit event).
    func insert(_ table: String, _ values: [String: Value],
                alongside: (inout LocalTransaction) throws(StoreError) -> Void) throws(CaseworkError) -> String {
        let id = try wrap { () throws(StoreError) in try RowIDGenerator.next(for: replica, site: replica.siteID) }
        try wrap { () throws(StoreError) in
            try replica.transaction { (tx: inout LocalTransaction) throws(StoreError) in
                try tx.write(table: table, rowID: id, values: values)
                try alongside(&tx)
            }
        }
        return id
    }
}
