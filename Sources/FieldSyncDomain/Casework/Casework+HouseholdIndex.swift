import Foundation
import FieldSyncCore
import FieldSyncStore

/// One line of a station's household list: enough to find a case (head, village, members,
/// the statuses of its applications) without reading each file.
public struct HouseholdSummary: Sendable, Equatable {
    public let id: String
    public let headName: String?
    public let village: String?
    public let nextReview: CivilDate?
    /// The ID number of the head (relation `head`), else of the first member registered.
    public let headIDNumber: String?
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
        if !village.isEmpty, !(s.village ?? "").contains(village) { return false }
        let text = self.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return true }
        return (s.headName ?? "").contains(text) || s.id.contains(text)
            || s.memberNames.contains { $0.contains(text) }
    }
}

extension Casework {
    /// The households held here with their heads and application statuses, in id order,
    /// filtered by `search`: three table reads of the few columns a list shows, whatever the
    /// number of households.
    public func householdSummaries(_ search: HouseholdSearch = HouseholdSearch()) throws(CaseworkError) -> [HouseholdSummary] {
        // Positional scans, not RowValues: a dictionary per row is most of what this costs
        // over a station's thousands of members.
        let (householdRows, memberRows, applicationRows) = try wrap { () throws(StoreError) in
            (try replica.scan(table: "household", columns: ["head_name", "village", "next_review"]),
             try replica.scan(table: "member", columns: ["household_id", "name", "id_number", "relation"]),
             try replica.scan(table: "application", columns: ["household_id", "status", "received_at"]))
        }
        func text(_ v: Value) -> String? { if case let .text(s) = v, !s.isEmpty { s } else { nil } }
        let members = Dictionary(grouping: memberRows) { text($0.values[0]) ?? "" }
        let applications = Dictionary(grouping: applicationRows) { text($0.values[0]) ?? "" }
        return householdRows.map { h in
            let people = members[h.id] ?? []
            let statuses = (applications[h.id] ?? [])
                .map { (text($0.values[2]).flatMap(Timestamp.init)?.epochSeconds ?? 0, text($0.values[1]).flatMap(ApplicationStatus.init(rawValue:))) }
                .sorted { $0.0 > $1.0 }
                .compactMap(\.1)
            let head = people.first { text($0.values[3]) == Relation.head.rawValue } ?? people.first
            return HouseholdSummary(id: h.id, headName: text(h.values[0]), village: text(h.values[1]),
                                    nextReview: text(h.values[2]).flatMap(CivilDate.init),
                                    headIDNumber: head.flatMap { text($0.values[2]) }, memberNames: people.compactMap { text($0.values[1]) },
                                    memberCount: people.count, applicationStatuses: statuses)
        }.filter(search.matches)
    }
}

extension Casework {
    /// The head's name of each of `households` (a page that lists cases by their heads).
    public func headNames(of households: Set<String>) throws(CaseworkError) -> [String: String] {
        guard !households.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for row in try rows("household", where: "id", in: Array(households)) {
            if let name = row.text("head_name") { names[row.id] = name }
        }
        return names
    }
}
