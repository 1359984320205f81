import FieldSyncCore
import FieldSyncStore
import Foundation

/// A member was recorded with an ID number that another member held at this replica
/// already has: the same person registered twice, or a typing error. The member is
/// recorded anyway (the other record may be the wrong one, and the caseworker has the ID
/// card in hand); the warning says where the other record is, by row id, never the number
/// or a name.
public struct SameIDNumberWarning: Sendable, Equatable, CustomStringConvertible {
    /// Another member with the same number, and its household.
    public struct Holder: Sendable, Equatable {
        public let member: String
        public let household: String
    }

    /// The member just recorded.
    public let member: String
    public let others: [Holder]

    public var description: String {
        let zh = others.map { "户 \($0.household) 的成员 \($0.member)" }.joined(separator: "、")
        let en = others.map { "member \($0.member) of household \($0.household)" }.joined(separator: ", ")
        return "注意：成员 \(member) 的身份证号（id_number）与本站\(zh)相同，可能重复登记；请核对身份证，如为同一人，请删除多余的成员记录。"
            + " / warning: member \(member) has the same ID number (id_number) as \(en) held at this station: possibly the same person registered twice."
            + " Check the ID card; if it is the same person, delete the extra member record."
    }
}

/// What ``Casework/addMemberAndCheckIDNumber(household:_:at:)`` recorded.
public struct MemberAddition: Sendable, Equatable {
    public let id: String
    /// Set when another member held here has the same ID number.
    public let sameIDNumber: SameIDNumberWarning?
}

extension Casework {
    /// Adds a member exactly as ``addMember(household:_:at:)`` does, then says whether
    /// another member held at this replica has the same ID number. At a station that is
    /// the caseworker's chance to catch a double registration at once, before the hub's
    /// county-wide duplicate scan (`hub duplicates`) finds it days later.
    public func addMemberAndCheckIDNumber(household: String, _ input: MemberInput, at: Date) throws(CaseworkError) -> MemberAddition {
        let id = try addMember(household: household, input, at: at)
        return MemberAddition(id: id, sameIDNumber: try sameIDNumber(as: id))
    }

    /// The other members held here (in a household still registered) with `member`'s ID
    /// number, or nil when there are none. Numbers compare as stored: the casework verbs
    /// store them normalised (uppercase X).
    public func sameIDNumber(as member: String) throws(CaseworkError) -> SameIDNumberWarning? {
        guard let number = Member(RowValues(try requireRow("member", member))).idNumber else { return nil }
        let (households, members) = try wrap { () throws(StoreError) in
            (try replica.scan(table: "household", columns: []), try replica.scan(table: "member", columns: ["household_id", "id_number"]))
        }
        let registered = Set(households.map(\.id))
        let others = members.compactMap { row -> SameIDNumberWarning.Holder? in
            guard row.id != member, case .text(number)? = row.values.last, case let .text(household)? = row.values.first,
                  registered.contains(household) else { return nil }
            return SameIDNumberWarning.Holder(member: row.id, household: household)
        }
        return others.isEmpty ? nil : SameIDNumberWarning(member: member, others: others)
    }
}
