import FieldSyncDomain
import FieldSyncStore
import Foundation

extension Hub {
    /// The hub's audit log: its own acts are addressed to the township they concern.
    public var auditLog: AuditLog { AuditLog(replica: replica, identity: identity, wallClock: wallClock) }

    /// The casework service over the hub's replica, recording county decisions in the audit log.
    public func casework(now: @escaping @Sendable () -> Date = { Date() }) -> Casework {
        var casework = Casework(replica: replica, now: now)
        casework.auditor = auditLog
        return casework
    }
}

extension Station {
    /// The station's audit log: its own acts are addressed to its township.
    public var auditLog: AuditLog { AuditLog(replica: replica, identity: identity, wallClock: wallClock) }

    /// The casework service over the station's replica, recording decisions in the audit log.
    public func casework(now: @escaping @Sendable () -> Date = { Date() }) -> Casework {
        var casework = Casework(replica: replica, now: now)
        casework.auditor = auditLog
        return casework
    }
}

extension Hub {
    /// Saves an enrolled peer and, when it is new, the audit event of its enrollment, in one
    /// transaction (enrolling the same keys again only rewrites the file: no new act).
    func saveEnrolled(_ peer: Peer, isNew: Bool) throws(StoreError) {
        try replica.transaction { (tx: inout LocalTransaction) throws(StoreError) in
            try tx.savePeer(peer)
            guard isNew else { return }
            try auditLog.record(AuditEntry(.enrolled, township: peer.township ?? CaseworkScope.countyWide, subject: peer.site.hex,
                                           detail: "role=\(peer.role.rawValue)"), in: &tx)
        }
    }
}

extension Hub {
    /// Records a resolution in its transaction, for the township of the case (the whole
    /// county when the row names no case held here): the row, the conflict, the field and
    /// which side was kept, never a value.
    func auditResolution(_ review: ConflictReview, outcome: ConflictOutcome, by: String,
                         in tx: inout LocalTransaction) throws(StoreError) {
        var address = CaseworkScope.countyWide
        if let household = review.household, case let .text(code)? = try tx.row(table: "household", rowID: household)?["township"] {
            address = code
        }
        let kept = switch outcome { case .keptWinner: "winner"; case .keptLoser: "loser"; case .newValue: "newValue" }
        try auditLog.record(AuditEntry(.resolved, township: address, subject: review.rowID,
                                       detail: "conflict=\(review.number) field=\(review.field) kept=\(kept)", actor: by), in: &tx)
    }
}

extension Hub {
    /// Records a transfer in its transaction, once for each township, so that the giving
    /// and the receiving station each find it in their own log.
    func auditTransfer(_ household: String, from: String, to township: String, in tx: inout LocalTransaction) throws(StoreError) {
        for address in [from, township] {
            try auditLog.record(AuditEntry(.transferred, township: address, subject: household, detail: "from=\(from) to=\(township)"), in: &tx)
        }
    }
}
