import Foundation
import FieldSyncStore

/// One line of a station's household list: enough to find a case (head, village, members,
/// the statuses of its applications) without reading each file.
public struct HouseholdSummary: Sendable, Equatable {
    public let household: Household
    /// The head's member row (relation `head`), else the first member registered.
    public let head: Member?
    public let memberNames: [String]
    public let memberCount: Int
    /// The statuses of the household's applications, newest received first.
    public let applicationStatuses: [ApplicationStatus]
}

/// What a caseworker searches the household list by. Every field is optional; all that are
/// given must match.
public struct HouseholdSearch: Sendable, Equatable {
    /// Part of the head's or a member's name, or of a household or member row id.
    public var text: String
    /// Part of the village name.
    public var village: String
    /// An application status the household has (any of its applications).
    public var status: ApplicationStatus?

    public init(text: String = "", village: String = "", status: ApplicationStatus? = nil) {
        self.text = text
        self.village = village
        self.status = status
    }

    func matches(_ s: HouseholdSummary) -> Bool {
        if let status, !s.applicationStatuses.contains(status) { return false }
        let village = self.village.trimmingCharacters(in: .whitespaces)
        if !village.isEmpty, !(s.household.village ?? "").contains(village) { return false }
        let text = self.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return true }
        return (s.household.headName ?? "").contains(text) || s.household.id.contains(text)
            || s.memberNames.contains { $0.contains(text) }
    }
}

extension Casework {
    /// The households held here with their heads and application statuses, in id order,
    /// filtered by `search`: three table reads, whatever the number of households.
    public func householdSummaries(_ search: HouseholdSearch = HouseholdSearch()) throws(CaseworkError) -> [HouseholdSummary] {
        let members = Dictionary(grouping: try rows("member").map(Member.init)) { $0.householdID ?? "" }
        let applications = Dictionary(grouping: try rows("application").map(ApplicationRecord.init)) { $0.householdID ?? "" }
        return try households().map { h in
            let people = (members[h.id] ?? []).sorted { $0.id < $1.id }
            let statuses = (applications[h.id] ?? [])
                .sorted { ($0.receivedAt?.epochSeconds ?? 0) > ($1.receivedAt?.epochSeconds ?? 0) }
                .compactMap(\.status)
            return HouseholdSummary(household: h, head: people.first { $0.relation == .head } ?? people.first,
                                    memberNames: people.compactMap(\.name), memberCount: people.count,
                                    applicationStatuses: statuses)
        }.filter(search.matches)
    }
}
