import FieldSyncCore
import GRDB

/// What a station may write, by place (rules P4–P6 of the sync protocol): the cases of its
/// own township, the rows addressed to it, nothing else. Checked by the hub on every row a
/// station's bundle touches, and by a station on its own local writes.
public struct ScopeCheck: Sendable {
    /// The writing station's township.
    public let township: String
    /// Whether a change of this station to a case now held by another township may still
    /// be taken: it was made while the case was the station's own (before the station
    /// learned of the transfer, P5). Given the household, the change's sequence and the
    /// position in the station's feed of the transfer away (nil when the case was never
    /// transferred away from this township).
    public let madeWhileHeld: @Sendable (_ household: String, _ sequence: UInt64, _ transferPosition: Int64?) -> Bool

    public init(township: String,
                madeWhileHeld: @escaping @Sendable (_ household: String, _ sequence: UInt64, _ transferPosition: Int64?) -> Bool = { _, _, _ in false }) {
        self.township = township
        self.madeWhileHeld = madeWhileHeld
    }

    /// Checks one row a station's changes touched. `before`/`after` are the row's values
    /// before and after the changes (schema order); `changes` the station's changes to it.
    func check(_ table: TableCatalog, rowID: String, existed: Bool, isDeleted: Bool, before: FeedPlace?, after: FeedPlace,
               beforeValues: [Value], afterValues: [Value], changes: ArraySlice<Change>, filer: inout FeedFiler) throws {
        let name = table.schema.name
        if name == filer.declaration.caseTable, let index = table.columnIndex[filer.declaration.caseTownshipColumn] {
            let was = beforeValues[index], now = afterValues[index]
            if !existed, case let .text(code) = now, code != township {
                throw StoreError.unauthorized(Self.anotherTownship(name, rowID, code))
            }
            if existed, was != .null, was != now, changes.contains(where: { $0.kind == .set && $0.column == filer.declaration.caseTownshipColumn }) {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "P4 transfer", table: name, column: filer.declaration.caseTownshipColumn, rowID: rowID,
                    reason: "only the county moves a case to another township (fieldsync hub transfer)",
                    reasonZh: "只有县级中心可以把个案移交到其他乡镇（fieldsync hub transfer）"))
            }
        }
        // A row placed before the changes keeps that place for the check (a delete clears it).
        let place = after.rowScope == .unknown ? (before ?? after) : after
        switch place.rowScope {
        case .county:
            return  // county-wide tables are the hub's (A3 refuses a station's write)
        case let .township(code):
            guard code == township else {
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
                    reason: "it belongs to household \(household), which is not held here: a station writes only the cases of its own township",
                    reasonZh: "该记录所属的户 \(household) 不在本库中：乡镇社工站只能办理本乡镇的个案"))
            }
            guard holder != township else { return }
            let position = try Int64.fetchOne(filer.db.cachedStatement(sql: """
                SELECT MAX(pos) FROM fs_feed WHERE scope = ? AND case_id = ? AND pinned = 1
                """), arguments: [township, household])
            for change in changes where !madeWhileHeld(household, change.sequence, position) {
                throw StoreError.unauthorized(AuthorityViolation(
                    rule: "P5 scope", table: name, column: change.column.isEmpty ? nil : change.column, rowID: rowID,
                    reason: "household \(household) is held by township \(holder), not by this station's township \(township); "
                        + "a station writes only its own cases (a change made before it learned of a transfer is still taken)",
                    reasonZh: "户 \(household) 由乡镇 \(holder) 管理，不属于本站所在乡镇 \(township)；乡镇社工站只能修改本乡镇的个案"))
            }
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

    /// A household registered for another township.
    static func anotherTownship(_ table: String, _ rowID: String, _ code: String) -> AuthorityViolation {
        AuthorityViolation(
            rule: "P4 another township", table: table, column: "township", rowID: rowID,
            reason: "the household lives in township \(code): register it at that township's station, or ask the county to transfer the case (fieldsync hub transfer)",
            reasonZh: "该户属于乡镇 \(code)：请由该乡镇社工站登记，或请县级中心移交个案（fieldsync hub transfer）")
    }
}
