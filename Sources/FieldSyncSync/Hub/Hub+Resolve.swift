import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What the operator keeps when resolving a conflict.
public enum ConflictChoice: Sendable, Equatable {
    /// One side: `winner`, `loser`, or the township code or station name of a side's writer.
    case side(String)
    /// A new value, as typed: parsed as the column's type and checked against its rule.
    case newValue(String)
}

/// How a conflict was resolved, as `fs_conflicts.resolution` records it.
public enum ConflictOutcome: String, Sendable, Equatable {
    case keptWinner = "kept winner"
    case keptLoser = "kept loser"
    case newValue = "new value"
}

/// The result of ``Hub/resolve(conflict:keep:note:by:)``.
public struct ResolvedConflict: Sendable {
    public let review: ConflictReview
    public let outcome: ConflictOutcome
    /// The hub's new change (none when the kept value was already the row's): it reaches
    /// every station in its next return bundle.
    public let changes: [Change]
    /// The townships told of the resolution by a `resolved` notice.
    public let notified: [String]
}

extension Hub {
    /// Resolves conflict `number` by a new write of the hub (a county write, origin the
    /// hub) that replicates like any other change, and records who resolved it, when, what
    /// was kept and `note`.
    ///
    /// The write is made on top of the row's current value (its `base` is the current
    /// version), so it is a sequential edit everywhere, not a new conflict. The write and
    /// the record of the resolution are ONE transaction: a refusal or failure leaves
    /// neither. The stations of both sides then get a `resolved` notice. A conflict
    /// already resolved, a value that is not valid for the field, and a write to a deleted
    /// row (a delete is final, M2) are refused with nothing written; the one thing that
    /// can be resolved on a deleted row is accepting the delete (`--keep` the winning delete).
    @discardableResult
    public func resolve(conflict number: Int64, keep choice: ConflictChoice, note: String? = nil,
                        by operatorName: String? = nil) throws(SyncError) -> ResolvedConflict {
        let by = operatorName ?? identity.name
        // A name typed with `--by` is held to what typed names may hold; the hub's own name
        // was stored by an earlier release, and refusing it would leave no way to resolve.
        try InputCheck.name(by, field: "operator (--by)", stored: operatorName == nil)
        return try SyncError.catching {
            let review = try conflictReview(number, reveal: true)
            if review.isResolved {
                throw SyncError.review(.alreadyResolved(number: number, atMillis: review.resolution?.atMillis))
            }
            let (outcome, value) = try Self.choose(choice, in: review, schema: replica.schema, hub: identity.site)
            let resolution = ConflictResolution(conflictID: number, atMillis: wallClock(), by: by, resolution: outcome.rawValue,
                                                note: note)
            let deleted = try replica.isDeleted(table: review.table, rowID: review.rowID)
            // Accepting the delete that won is the only decision a deleted row allows.
            if deleted, review.kind != .lostToDelete || outcome != .keptWinner {
                throw SyncError.review(.rowDeleted(number: number, field: review.field, rowID: review.rowID))
            }
            let changes = try replica.transaction { (tx: inout LocalTransaction) throws(StoreError) -> [Change] in
                try tx.markResolved(resolution)
                let changes = deleted ? [] : try tx.write(table: review.table, rowID: review.rowID, values: [review.column: value])
                try auditResolution(review, outcome: outcome, by: by, in: &tx)
                return changes
            }
            Self.logger.info("conflict resolved", metadata: ["conflict": "\(number)", "resolution": "\(outcome.rawValue)"])
            let resolved = try conflictReview(number, reveal: false)
            return ResolvedConflict(review: resolved, outcome: outcome, changes: changes,
                                    notified: postResolvedNotices(for: resolved, outcome: outcome))
        }
    }

    /// The outcome and the value to write for `choice`.
    static func choose(_ choice: ConflictChoice, in review: ConflictReview,
                       schema: Schema, hub: SiteID) throws(SyncError) -> (ConflictOutcome, Value) {
        switch choice {
        case let .side(which):
            let side = try Self.side(named: which, in: review)
            return side == .keptWinner ? (side, review.winner.value ?? .null) : (side, review.loser.value ?? .null)
        case let .newValue(text):
            return (.newValue, try Self.parse(text, for: review, schema: schema, hub: hub))
        }
    }

    /// Which side `which` names: `winner`, `loser`, or one side's township code or station name.
    static func side(named which: String, in review: ConflictReview) throws(SyncError) -> ConflictOutcome {
        switch which.lowercased() {
        case "winner": return .keptWinner
        case "loser": return .keptLoser
        default: break
        }
        func names(_ writer: ConflictWriter) -> Bool { writer.township == which || writer.name == which }
        switch (names(review.winner.writer), names(review.loser.writer)) {
        case (true, false): return .keptWinner
        case (false, true): return .keptLoser
        case (true, true): throw .review(.ambiguousSide(number: review.number))
        case (false, false):
            let sides = ["winner", "loser"] + [review.winner.writer, review.loser.writer].compactMap { $0.isHub ? nil : $0.displayName }
            throw .review(.unknownSide(number: review.number, sides: sides))
        }
    }

    /// `text` as a value of the conflict's column: of the column's type and accepted by its
    /// rule (``CaseworkAuthority``), as the hub would check a station's write of it; `hub`
    /// writes it.
    static func parse(_ text: String, for review: ConflictReview, schema: Schema, hub: SiteID) throws(SyncError) -> Value {
        guard let table = schema.table(review.table), let column = table.column(review.column) else {
            throw .store(.unknownColumn(table: review.table, column: review.column))
        }
        let value: Value
        switch column.type {
        case .integer:
            guard let n = Int64(text.trimmingCharacters(in: .whitespaces)) else {
                throw .review(.valueRefused(field: review.field, reasonZh: "应为整数", reason: "it must be a whole number"))
            }
            value = .integer(n)
        case .real:
            guard let x = Double(text.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                throw .review(.valueRefused(field: review.field, reasonZh: "应为数字", reason: "it must be a number"))
            }
            value = .real(x)
        case .text:
            value = .text(text)
        case .blob:
            throw .review(.valueRefused(field: review.field, reasonZh: "该字段不能在命令行录入",
                                        reason: "this field cannot be entered on the command line"))
        }
        try SyncError.catching { try Replica.checkEncodable(table: table.name, column: column.name, value: value) }
        guard column.accepts(value) else {
            throw .review(.valueRefused(field: review.field, reasonZh: "类型不符", reason: "it is not of the field's type"))
        }
        if let violation = CaseworkAuthority().checkWrite(table: table, column: column, value: value, writer: .hub, origin: hub) {
            throw .review(.valueRefused(field: review.field, reasonZh: violation.reasonZh, reason: violation.reason))
        }
        return value
    }
}
