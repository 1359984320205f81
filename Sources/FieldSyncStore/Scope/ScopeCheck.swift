import FieldSyncCore
import GRDB

/// What a station may write, by place (rules P4–P6 of the sync protocol): the cases of its
/// own township, the rows addressed to it, nothing else. Checked by the hub on every row a
/// station's bundle touches, and by a station on its own local writes.
///
/// The writer may also be a county hub relaying its county to a provincial hub (tiers,
/// T3): its code is the 6-digit county code, which covers every township of the county
/// (``ScopeCode``), and it may move a case between its own townships (its transfers).
public struct ScopeCheck: Sendable {
    /// The writer's scope code: a station's township, or a county hub's county code.
    public let township: String
    /// Whether a change to a case now held outside the writer's scope may still be taken:
    /// it was made while the case was the writer's own (before it learned of the transfer,
    /// P5). Given the household, the change's origin and sequence, and the position in the
    /// writer's feed of the transfer away (nil when the case was never transferred away
    /// from the writer's scope).
    public let madeWhileHeld: @Sendable (_ household: String, _ origin: SiteID, _ sequence: UInt64, _ transferPosition: Int64?) -> Bool

    public init(township: String,
                madeWhileHeld: @escaping @Sendable (_ household: String, _ origin: SiteID, _ sequence: UInt64, _ transferPosition: Int64?) -> Bool = { _, _, _, _ in false }) {
        self.township = township
        self.madeWhileHeld = madeWhileHeld
    }

    /// Whether the writer holds what is placed in `code`.
    func covers(_ code: String) -> Bool { ScopeCode.covers(township, code) }

    /// Checks one row a station's changes touched. `before`/`after` are the row's values
    /// before and after the changes (schema order); `changes` the station's changes to it.
    func check(_ table: TableCatalog, rowID: String, existed: Bool, isDeleted: Bool, before: FeedPlace?, after: FeedPlace,
               beforeValues: [Value], afterValues: [Value], changes: ArraySlice<Change>, filer: FeedFiler) throws {
        let name = table.schema.name
        if name == filer.declaration.caseTable, let index = table.columnIndex[filer.declaration.caseTownshipColumn] {
            let was = beforeValues[index], now = afterValues[index]
            if !existed, case let .text(code) = now, !covers(code) {
                throw StoreError.unauthorized(Self.anotherTownship(name, rowID, code))
            }
            // A county moves cases between its own townships; no writer moves one out of its scope.
            let movedWithin = ScopeCode.isCounty(township) && { if case let .text(code) = now { covers(code) } else { false } }()
            if existed, was != .null, was != now, !movedWithin,
               changes.contains(where: { $0.kind == .set && $0.column == filer.declaration.caseTownshipColumn }) {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "P4 transfer", table: name, column: filer.declaration.caseTownshipColumn, rowID: rowID,
                    reason: "only the county moves a case to another township (fieldsync hub transfer)",
                    reasonZh: "只有县级中心可以把个案移交到其他乡镇（fieldsync hub transfer）"))
            }
        }
        // A county's move of a case the province had moved out of the county is a change to
        // another county's case: taken only when made before the county learned (P5).
        if name == filer.declaration.caseTable, ScopeCode.isCounty(township), let index = table.columnIndex[filer.declaration.caseTownshipColumn],
           existed, case let .text(was) = beforeValues[index], !covers(was) {
            try requireMadeWhileHeld(rowID, holder: was, table: name, rowID: rowID, changes: changes, filer: filer)
        }
        // Every household the row names through any link must be the writer's, before the
        // changes and after: a row may neither point into another case nor be moved out of one.
        if !isDeleted {
            var named = Set(try filer.declaration.linkedHouseholds(of: name, rowID: rowID, value: { column in
                table.columnIndex[column].map { afterValues[$0] }.flatMap { $0 == .null ? nil : $0 }
            }, lookUp: { try filer.lookUp($0, $1, $2) }))
            if let previous = before?.caseID { named.insert(previous) }
            if let current = after.caseID { named.remove(current) }
            for household in named.sorted() {
                guard let holder = try filer.township(ofCase: household) else {
                    throw StoreError.unauthorized(AuthorityViolation(
                        rule: "P4 scope", table: name, rowID: rowID,
                        reason: "it names household \(household.escapingControlCharacters), which is not held here: a station writes only the cases of its own township",
                        reasonZh: "该记录关联的户 \(household.escapingControlCharacters) 不在本库中：乡镇社工站只能办理本乡镇的个案"))
                }
                if !covers(holder) {
                    try requireMadeWhileHeld(household, holder: holder, table: name, rowID: rowID, changes: changes, filer: filer)
                }
            }
        }
        // A row placed before the changes keeps that place for the check (a delete clears it).
        let place = after.rowScope == .unknown ? (before ?? after) : after
        switch place.rowScope {
        case .county:
            return  // county-wide tables are the hub's (A3 refuses a station's write)
        case let .township(code):
            guard covers(code) else {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "P4 scope", table: name, rowID: rowID,
                    reason: "the record is addressed to township \(code), not to this station's township \(township)",
                    reasonZh: "该记录属于乡镇 \(code)，不属于本站所在乡镇 \(township)"))
            }
        case let .household(household):
            let holder = try filer.township(ofCase: household)
            guard let holder else {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "P4 scope", table: name, rowID: rowID,
                    reason: "it belongs to household \(household.escapingControlCharacters), which is not held here: a station writes only the cases of its own township",
                    reasonZh: "该记录所属的户 \(household.escapingControlCharacters) 不在本库中：乡镇社工站只能办理本乡镇的个案"))
            }
            guard !covers(holder) else { return }
            try requireMadeWhileHeld(household, holder: holder, table: name, rowID: rowID, changes: changes, filer: filer)
        case .unknown:
            // A change to a row the hub holds deleted is invisible anyway; a live row must
            // be placed, or no station would ever receive it.
            guard isDeleted else {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "P4 scope", table: name, rowID: rowID,
                    reason: "the record names no household held here",
                    reasonZh: "该记录没有关联到本库已有的户"))
            }
        }
    }

    /// Refuses `changes` to a case held by `holder`, outside the writer's scope, unless each
    /// was made while the case was the writer's own (P5).
    private func requireMadeWhileHeld(_ household: String, holder: String, table name: String, rowID: String,
                                      changes: ArraySlice<Change>, filer: FeedFiler) throws {
        let scope = ScopeCode.condition("scope", township)
        let position = try Int64.fetchOne(filer.db.cachedStatement(sql: """
            SELECT MAX(pos) FROM fs_feed_entries WHERE \(scope.sql) AND case_id = ? AND pinned = 1
            """), arguments: StatementArguments(scope.arguments) + [household])
        for change in changes where !madeWhileHeld(household, change.origin, change.sequence, position) {
            throw StoreError.unauthorized(AuthorityViolation(
                rule: "P5 scope", table: name, column: change.column.isEmpty ? nil : change.column, rowID: rowID,
                reason: "household \(household) is held by township \(holder), not within this writer's scope \(township); "
                    + "a station (or a county hub) writes only its own cases (a change made before it learned of a transfer is still taken)",
                reasonZh: "户 \(household) 由乡镇 \(holder) 管理，不在本站（或本县）\(township) 范围内；只能修改本辖区的个案"))
        }
    }

    /// A household registered for another township.
    static func anotherTownship(_ table: String, _ rowID: String, _ code: String) -> AuthorityViolation {
        AuthorityViolation(
            rule: "P4 another township", table: table, column: "township", rowID: rowID,
            reason: "the household lives in township \(code): register it at that township's station, or ask the county to transfer the case (fieldsync hub transfer)",
            reasonZh: "该户属于乡镇 \(code)：请由该乡镇社工站登记，或请县级中心移交个案（fieldsync hub transfer）")
    }
}
