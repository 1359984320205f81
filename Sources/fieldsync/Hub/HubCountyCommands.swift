import ArgumentParser
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation

/// `fieldsync hub duplicates`: the same person twice in the county, found by keyed hash.
struct HubDuplicates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "Find duplicate applicants (same ID number in two households or two open applications) and notify the stations.",
        discussion: """
        People are matched on a keyed hash of their ID number (HMAC-SHA256 under the county \
        secret, hub/county-secret, which never leaves the hub), so this list, the notices and \
        the logs never show a number or a name: a group is named by a reference (12 hex \
        digits of the hash) and its households, members and applications by row id. Each \
        station concerned gets one `duplicate` notice per group in its next return bundle; \
        scanning again notifies nobody twice. `hub export` scans too.

        Example:
          fieldsync hub duplicates hub-huangzhong
          fieldsync hub duplicates hub-huangzhong --json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    struct GroupJSON: Encodable {
        let reference: String, kind: String, townships: [String], households: [String], members: [String]
        let applications: [String], category: String?
    }

    struct ReportJSON: Encodable {
        let groups: [GroupJSON], noticesWritten: Int
    }

    func run() throws {
        try reporting {
            let report = try passphrase.hub(dir).flagDuplicates()
            if output.json {
                printJSON(ReportJSON(groups: report.groups.map {
                    GroupJSON(reference: $0.reference, kind: $0.kind.rawValue, townships: $0.townships, households: $0.households,
                              members: $0.members, applications: $0.applications, category: $0.category)
                }, noticesWritten: report.noticesWritten))
                return
            }
            guard !report.groups.isEmpty else {
                print("未发现重复人员 no duplicate applicants found")
                return
            }
            var table = TextTable(header: ["比对号 reference", "类型 kind", "乡镇 townships", "户 households", "记录 records"])
            for group in report.groups {
                let records = group.kind == .twoOpenApplications
                    ? "\(group.category ?? "") application " + group.applications.joined(separator: ", ")
                    : "member " + group.members.joined(separator: ", ")
                table.add([group.reference, Self.kindText(group.kind), group.townships.joined(separator: ", "),
                           group.households.joined(separator: ", "), records])
            }
            print(table.render())
            print("\(report.groups.count) groups; \(report.noticesWritten) new notices for the stations (sent with the next `fieldsync hub export`)")
        }
    }

    static func kindText(_ kind: DuplicateGroup.Kind) -> String {
        switch kind {
        case .twoHouseholds: "同乡镇两户 two households"
        case .twoStations: "两个乡镇 two stations"
        case .twoOpenApplications: "两份在办申请 two open applications"
        }
    }
}

/// `fieldsync hub pending`: what waits for the county's decision (R8).
struct HubPending: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pending",
        abstract: "List applications waiting for a county decision (beyond township authority, R8), oldest first.",
        discussion: """
        An application waits for the county when it is not approved, rejected or closed and \
        either is marked referredToCounty or its category and requested amount are beyond \
        what a township may approve under today's parameters and it was not referred to a \
        department (the department answers those). The wait is counted from when the \
        station received it. Decide with `fieldsync hub decide`.

        Example:
          fieldsync hub pending hub-huangzhong
          fieldsync hub pending hub-huangzhong --json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    struct PendingJSON: Encodable {
        let application: String, household: String, township: String?, station: String?, category: String, status: String?
        let receivedAt: String?, waitedSeconds: UInt64?, waited: String?
    }

    func run() throws {
        try reporting {
            let pending = try passphrase.hub(dir).pendingDecisions()
            if output.json {
                printJSON(pending.map {
                    PendingJSON(application: $0.application, household: $0.household, township: $0.township, station: $0.stationName,
                                category: $0.category, status: $0.status, receivedAt: $0.receivedAt?.description,
                                waitedSeconds: $0.waitedMillis.map { $0 / 1000 }, waited: $0.waitedMillis.map(StationClock.span))
                })
                return
            }
            guard !pending.isEmpty else {
                print("没有待县级决定的申请 nothing waits for a county decision")
                return
            }
            var table = TextTable(header: ["已等待 waited", "收到 received", "乡镇 township", "工作站 station", "类别 category",
                                           "申请 application", "户 household"])
            for p in pending {
                table.add([p.waitedMillis.map(StationClock.span) ?? "?", p.receivedAt?.description ?? "?", p.township ?? "?",
                           p.stationName ?? "?", p.category, p.application, p.household])
            }
            print(table.render())
        }
    }
}

/// The lines `hub status` prints under each station for its ``StationOverview``.
enum StationOverviewText {
    static func lines(_ o: StationOverview) -> [String] {
        func bundle(_ r: BundleRecord?) -> String { r.map { "\($0.fileName.escapingControlCharacters) (\(ISOTime.format(millis: $0.atMillis)))" } ?? "never" }
        let owed = o.changesStillOwed.map { "\($0) changes (as its last bundle said)" } ?? "unknown (no bundle received yet)"
        return ["last received: \(bundle(o.lastReceived)); last sent: \(bundle(o.lastSent))",
                "still owes the hub: \(owed)",
                "open conflicts \(o.openConflicts), duplicate groups \(o.duplicateGroups.map(String.init) ?? "unknown (see fieldsync hub duplicates)"), waiting for the county \(o.pendingDecisions), households \(o.householdsInScope)"]
    }
}
