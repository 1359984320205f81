import ArgumentParser
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation

/// `fieldsync hub revoke`: a lost laptop's key stops being trusted (K1–K3).
struct HubRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Stop trusting a station's key (a lost or stolen laptop): its bundles go to quarantine, no return bundle is written for it.",
        discussion: """
        STATION is the station's site id (or its first 8 characters), its name, or its township \
        code. Bundles it delivered before stay merged. Its key can never be enrolled again; a \
        replacement laptop continues the station (`fieldsync station init … --replacing SITE`, \
        then `fieldsync hub enroll`). Revoking a revoked key changes nothing.

        Example:
          fieldsync hub revoke hub-huangzhong 630106100 --reason "laptop stolen 2026-11-29" --by 王芳
        """)
    @Argument(help: "The hub folder.") var dir: String
    @Argument(help: "The station: site id, its first 8 characters, name or township code.") var station: String
    @Option(help: "Why the key is revoked (kept in the key registry; no personal data).") var reason: String
    @Option(help: "Who revokes it.") var by: String?
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let revocation = try passphrase.hub(dir).revoke(station: station, reason: reason, by: by)
            if output.json { printJSON(RevocationJSON(revocation)) } else { print(revocation.summary) }
        }
    }
}

/// `fieldsync hub quarantine`: bundles of revoked keys, and the operator's decision (K4).
struct HubQuarantine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List bundles signed by revoked keys, held for the operator; accept or reject one.",
        discussion: """
        --accept merges the hub's copy of the bundle through the normal merge, lifting only the \
        revocation for that one file: every other check still applies, and a refusal keeps it \
        held and says why. --reject marks it never to be merged; the copy is kept.

        Example:
          fieldsync hub quarantine hub-huangzhong
          fieldsync hub quarantine hub-huangzhong --accept 3 --by 王芳 --note "stick handed in by the station head"
        """)
    @Argument(help: "The hub folder.") var dir: String
    @Option(help: "Merge quarantined bundle ID.") var accept: Int64?
    @Option(help: "Mark quarantined bundle ID rejected.") var reject: Int64?
    @Option(help: "Why (kept with the decision; no personal data).") var note: String?
    @Option(help: "Who decides.") var by: String?
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if accept != nil, reject != nil { throw ValidationError("give --accept or --reject, not both") }
        if note != nil, accept == nil, reject == nil { throw ValidationError("--note goes with --accept or --reject") }
    }

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let stations = Dictionary(try hub.stations().map { ($0.site, $0) }, uniquingKeysWith: { a, _ in a })
            if let id = accept {
                let original = try hub.quarantine().first(where: { $0.id == id })?.fileName.escapingControlCharacters
                let result = try hub.acceptQuarantined(id: id, by: by, note: note)
                if output.json { printJSON(ImportJSON(result)) } else {
                    print("accepted #\(id): \(ImportSummary.line(result, name: original))")
                }
            } else if let id = reject {
                let entry = try hub.rejectQuarantined(id: id, by: by, note: note)
                if output.json { printJSON(QuarantineEntryJSON(entry, station: stations[entry.signerSite])) } else {
                    print("rejected #\(id) (\(entry.fileName.escapingControlCharacters)); it will not be merged. The copy stays at \(entry.storedPath).")
                }
            } else {
                let entries = try hub.quarantine()
                if output.json {
                    printJSON(entries.map { QuarantineEntryJSON($0, station: stations[$0.signerSite], facts: hub.facts(ofQuarantined: $0)) })
                } else if entries.isEmpty {
                    print("nothing in quarantine")
                } else {
                    var table = TextTable(header: ["id", "station", "file", "written (laptop clock)", "own changes", "total", "received", "why", "state"])
                    for e in entries {
                        let facts = hub.facts(ofQuarantined: e)
                        table.add(["#\(e.id)", stations[e.signerSite]?.operatorName ?? e.signerSite.short, e.fileName,
                                   facts.map { ISOTime.format(millis: $0.createdAtMillis) } ?? "?",
                                   facts.map { f in f.firstSequence.map { "\($0)–\(f.lastSequence ?? $0)" } ?? "none" } ?? "?",
                                   facts.map { "\($0.totalChanges)" } ?? "?",
                                   ISOTime.format(millis: e.receivedAtMillis), e.why,
                                   e.state.rawValue + (e.decidedBy.map { " by \($0)" } ?? "")])
                    }
                    print(table.render())
                    print("written: the bundle header's created stamp, by the laptop's own clock (it may be wrong); own changes: the first–last of its laptop's change numbers; received: the hub's clock")
                }
            }
        }
    }
}

struct RevocationJSON: Encodable {
    let station: String, township: String?, site: String, revoked: Bool, newlyRevoked: Bool, at: String?, reason: String?, by: String?
    /// True when a restored hub held its own writes, so no audit event was written (§4d).
    let auditEventWithheld: Bool
    init(_ r: Revocation) {
        auditEventWithheld = r.auditEventWithheld
        station = r.station.name; township = r.station.township; site = r.station.site.hex
        revoked = r.key.status != .active; newlyRevoked = r.newlyRevoked
        at = r.key.statusChangedAtMillis.map { ISOTime.format(millis: $0) }; reason = r.key.reason; by = r.key.changedBy
    }
}

struct QuarantineEntryJSON: Encodable {
    let id: Int64, bundle: String, file: String, stored: String, station: String?, township: String?, site: String
    let received: String, why: String, state: String, decidedAt: String?, decidedBy: String?, note: String?
    /// The header's created stamp, by the laptop's own clock (not the hub's).
    let createdByLaptopClock: String?
    let firstSequence: UInt64?, lastSequence: UInt64?, totalChanges: Int?
    init(_ e: QuarantineEntry, station peer: Peer?, facts: QuarantinedBundleFacts? = nil) {
        createdByLaptopClock = facts.map { ISOTime.format(millis: $0.createdAtMillis) }
        firstSequence = facts?.firstSequence; lastSequence = facts?.lastSequence; totalChanges = facts?.totalChanges
        id = e.id; bundle = Hex.encode(e.bundleID); file = e.fileName; stored = e.storedPath
        station = peer?.name; township = peer?.township; site = e.signerSite.hex
        received = ISOTime.format(millis: e.receivedAtMillis); why = e.why; state = e.state.rawValue
        decidedAt = e.decidedAtMillis.map { ISOTime.format(millis: $0) }; decidedBy = e.decidedBy; note = e.note
    }
}

/// ``KeyAccount`` in `hub status --json`.
struct KeyAccountJSON: Encodable {
    struct ReplacedJSON: Encodable {
        let replacedAt: String, revokedAt: String, reason: String?, mergedThrough: UInt64, claimedThrough: UInt64, neverDelivered: UInt64
        let waived: [WaivedJSON]
    }
    struct WaivedJSON: Encodable {
        let from: UInt64, through: UInt64, missing: UInt64, waivedAt: String
    }
    let keyStatus: String, revokedAt: String?, reason: String?, replaced: ReplacedJSON?, quarantinedWaiting: Int
    init(_ a: KeyAccount) {
        keyStatus = a.status.rawValue; revokedAt = a.revokedAtMillis.map { ISOTime.format(millis: $0) }; reason = a.reason
        replaced = a.replaced.map {
            ReplacedJSON(replacedAt: ISOTime.format(millis: $0.replacedAtMillis), revokedAt: ISOTime.format(millis: $0.revokedAtMillis),
                         reason: $0.reason, mergedThrough: $0.mergedThrough, claimedThrough: $0.claimedThrough,
                         neverDelivered: $0.neverDelivered,
                         waived: $0.waived.map { WaivedJSON(from: $0.numbers.lowerBound, through: $0.numbers.upperBound, missing: $0.missing,
                                                             waivedAt: ISOTime.format(millis: $0.waivedAtMillis)) })
        }
        quarantinedWaiting = a.quarantinedWaiting
    }
}

/// ``KeyAccount`` in `hub status`, a line each.
enum KeyAccountText {
    static func lines(_ a: KeyAccount) -> [String] {
        var lines: [String] = []
        if a.status != .active {
            lines.append("key revoked\(a.revokedAtMillis.map { " on \(ISOTime.format(millis: $0))" } ?? "")\(a.reason.map { " (\($0))" } ?? ""): no return bundle is written for it")
        }
        if let r = a.replaced {
            lines.append("key replaced on \(ISOTime.format(millis: r.replacedAtMillis)) (old key revoked \(ISOTime.format(millis: r.revokedAtMillis))\(r.reason.map { ": \($0)" } ?? ""))")
            lines.append("old laptop's changes merged through \(r.mergedThrough); it reported holding through \(r.claimedThrough): \(r.neverDelivered) never delivered")
            for w in r.waived {
                lines.append("\(w.missing) change\(w.missing == 1 ? "" : "s") of the old laptop never delivered, waived on \(ISOTime.format(millis: w.waivedAtMillis)) (numbers \(w.numbers.lowerBound)–\(w.numbers.upperBound)): the station's later work is acknowledged; a late stick carrying these numbers cannot be accepted")
            }
        }
        if a.quarantinedWaiting > 0 {
            lines.append("\(a.quarantinedWaiting) bundle\(a.quarantinedWaiting == 1 ? "" : "s") waiting in quarantine (fieldsync hub quarantine)")
        }
        return lines
    }
}
