import FieldSyncDomain

/// One person found where a person may be only once: in two households, or with two open
/// applications for the same kind of assistance. People are matched on the keyed hash of
/// their ID number (``CountySecret``), so a group holds row ids, township codes and its
/// reference, never an ID number or a name.
public struct DuplicateGroup: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// The same ID number in two households of one township.
        case twoHouseholds
        /// The same ID number in households of two townships (two stations).
        case twoStations
        /// Two open applications (not approved, rejected or closed) for the same category
        /// by the same person.
        case twoOpenApplications
    }

    /// What people and notices call the group: 12 hex digits of the person's keyed hash,
    /// and for applications the category (`3fa9c2e1b0d4-dibao`). Stable across scans
    /// while the county secret is kept, so a rescan does not notify anyone twice.
    public let reference: String
    public let kind: Kind
    /// The households concerned, in id order.
    public let households: [String]
    /// Their townships, in code order.
    public let townships: [String]
    /// The member rows carrying the ID number (for applications: the applicants, or the
    /// household members when an application names no applicant).
    public let members: [String]
    /// For ``Kind/twoOpenApplications``: the applications, in id order; else empty.
    public let applications: [String]
    /// For ``Kind/twoOpenApplications``: their category.
    public let category: String?
}

/// Finds the duplicate groups among a county's rows. Pure: reads ``CountyRows`` and the
/// secret, writes nothing.
struct DuplicateScan {
    let rows: CountyRows
    let secret: CountySecret

    func groups() -> [DuplicateGroup] {
        var keyOfMember: [String: PersonKey] = [:]
        var membersOfKey: [PersonKey: [CountyRows.Member]] = [:]
        var keyedMembersOfHousehold: [String: [(member: String, key: PersonKey)]] = [:]
        for member in rows.members {
            let key = secret.personKey(idNumber: member.idNumber)
            keyOfMember[member.id] = key
            membersOfKey[key, default: []].append(member)
            keyedMembersOfHousehold[member.household, default: []].append((member.id, key))
        }
        return (householdGroups(membersOfKey) + applicationGroups(keyOfMember, keyedMembersOfHousehold))
            .sorted { $0.reference < $1.reference }
    }

    /// One group per person found in two or more households.
    private func householdGroups(_ membersOfKey: [PersonKey: [CountyRows.Member]]) -> [DuplicateGroup] {
        membersOfKey.compactMap { key, members in
            let households = Set(members.map(\.household))
            guard households.count > 1 else { return nil }
            let townships = Set(households.compactMap { rows.township(of: $0) }).sorted()
            return DuplicateGroup(reference: key.reference, kind: townships.count > 1 ? .twoStations : .twoHouseholds,
                                  households: households.sorted(), townships: townships, members: members.map(\.id).sorted(),
                                  applications: [], category: nil)
        }
    }

    /// One group per person and category with two or more open applications. An
    /// application names its applicant; one that does not (only tekun requires it) stands
    /// for every member of its household. Two such applications of one household would
    /// then form a group for each member: only the group of the smallest key is kept, so
    /// each set of applications is reported once.
    private func applicationGroups(_ keyOfMember: [String: PersonKey],
                                   _ keyedMembersOfHousehold: [String: [(member: String, key: PersonKey)]]) -> [DuplicateGroup] {
        struct Slot: Hashable { let key: PersonKey, category: String }
        var found: [Slot: (applications: Set<String>, members: Set<String>)] = [:]
        for application in rows.applications where application.isOpen {
            guard let category = application.category, let household = application.household,
                  rows.households[household] != nil else { continue }
            let persons: [(member: String, key: PersonKey)] = if let applicant = application.applicant, let key = keyOfMember[applicant] {
                [(applicant, key)]
            } else {
                keyedMembersOfHousehold[household] ?? []
            }
            for person in persons {
                found[Slot(key: person.key, category: category), default: ([], [])].applications.insert(application.id)
                found[Slot(key: person.key, category: category), default: ([], [])].members.insert(person.member)
            }
        }
        var seen: Set<Set<String>> = []
        return found.filter { $0.value.applications.count > 1 }.sorted { $0.key.key < $1.key.key }.compactMap { slot, value in
            guard seen.insert(value.applications).inserted else { return nil }
            let households = Set(rows.applications.filter { value.applications.contains($0.id) }.compactMap(\.household))
            return DuplicateGroup(reference: "\(slot.key.reference)-\(slot.category)", kind: .twoOpenApplications,
                                  households: households.sorted(), townships: Set(households.compactMap { rows.township(of: $0) }).sorted(),
                                  members: value.members.sorted(), applications: value.applications.sorted(), category: slot.category)
        }
    }
}
