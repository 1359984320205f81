import ArgumentParser
import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation

/// `fieldsync bundle …`: look into a bundle file without applying it.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Inspect and verify bundle files without applying them.",
        subcommands: [BundleInspect.self, BundleVerify.self]
    )
}

struct BundleVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a bundle is whole and was signed by the key it names. Needs no key.",
        discussion: "Exits 0 when the digest and signature are good, 1 otherwise.\n\nExample:\n  fieldsync bundle verify /media/usb/630106100-to-hub-0003-20261129.fsb")
    @Argument(help: "The bundle file.") var file: String
    @OptionGroup var output: OutputOptions

    struct VerifyJSON: Encodable { let file: String, ok: Bool, signer: String?, header: HeaderJSON?, error: String? }

    func run() throws {
        do {
            let verified = try BundleInspector.verify(path: file)
            if output.json {
                printJSON(VerifyJSON(file: file, ok: true, signer: verified.signerKey.fingerprint, header: HeaderJSON(verified.header), error: nil))
            } else {
                print("\(file.escapingControlCharacters): intact, signed by key \(verified.signerKey.fingerprint) (\(verified.header.shownSenderName)), \(verified.header.totalChanges) changes")
            }
        } catch {
            if output.json { printJSON(VerifyJSON(file: file, ok: false, signer: nil, header: nil, error: error.description)) }
            else { FileHandle.standardError.write(Data("fieldsync: 错误 error: \(error)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}

struct BundleInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a bundle's header; with a recipient's key, its records; with a replica, what it would change.",
        discussion: """
        The header holds no personal data and needs no key. With --key (a recipient's \
        identity.json) the records are listed; values of personal fields (ID numbers, \
        income, health, disability, …) are masked unless --reveal is given. With --against \
        the bundle is applied to that replica inside a transaction that is rolled back, to \
        show how many changes would apply.

        Example:
          fieldsync bundle inspect /media/usb/630106100-to-hub-0003-20261129.fsb
          fieldsync bundle inspect FILE --key hub-huangzhong/identity.json --against hub-huangzhong --json
        """)
    @Argument(help: "The bundle file.") var file: String
    @Option(help: "A recipient's identity.json, to decrypt the records.") var key: String?
    @Option(help: "A replica folder to dry-run the bundle against (needs --key).") var against: String?
    @Option(help: "List at most this many records.") var limit = 200
    @Flag(help: "Show the values of personal fields.") var reveal = false
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    struct InspectJSON: Encodable {
        let file: String, bytes: Int, signer: String, header: HeaderJSON
        let records: [ChangeJSON]?, recordsTruncated: Bool, dryRun: ReportJSON?
    }

    func validate() throws {
        if against != nil && key == nil { throw ValidationError("--against needs --key") }
    }

    func run() throws {
        try reporting {
            let identity = try key.map { path throws(SyncError) in
                try NodeIdentity.load(from: path, passphrase: passphrase.passphrase(forKeyFile: path))
            }
            let replica: Replica? = try against.map { dir in
                // Ranked as the hub or station that owns it merges (M7), so the dry run reports what a merge would do.
                try SyncError.catching {
                    try Replica.open(at: NodeFolder(dir).replicaPath, schema: CaseworkSchema.schema, wallClock: SystemWallClock.now)
                        .ranked(by: CaseworkPrecedence())
                }
            }
            let inspection = try BundleInspector.inspect(path: file, identity: identity, recordLimit: limit, dryRunOn: replica)
            let schema = CaseworkSchema.schema
            func reveals(_ c: Change) -> Bool { reveal || !(schema.table(c.table)?.column(c.column)?.isPersonal ?? true) }
            if output.json {
                printJSON(InspectJSON(file: file, bytes: inspection.fileSize, signer: inspection.signerFingerprint,
                                      header: HeaderJSON(inspection.header),
                                      records: inspection.records?.map { ChangeJSON($0, reveal: reveals($0)) },
                                      recordsTruncated: inspection.recordsTruncated, dryRun: inspection.dryRun.map(ReportJSON.init)))
                return
            }
            let h = inspection.header
            print("bundle      \(h.bundleID.hex)  (\(inspection.fileSize) bytes, \(h.frameCount) frames)")
            print("direction   \(h.kind == .stationToHub ? "station → hub" : "hub → station")")
            print("sender      \(h.shownSenderName)  site \(h.sender.hex)  key \(inspection.signerFingerprint)  signature good")
            print("created     \(h.created)")
            print("schema      \(h.schemaName.escapingControlCharacters) v\(h.schemaVersion)  \(Hex.encode(h.schemaFingerprint.prefix(8)))")
            print("recipients  \(h.recipients.map(\.site.hex).joined(separator: ", "))")
            print("sender has  \(h.senderVector)")
            print("assumed     \(h.assumedVector)")
            if let ack = h.acknowledgement { print("ack         \(ack)") }
            print("changes     \(h.totalChanges): " + h.tableCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            if let records = inspection.records {
                print("records:")
                for c in records {
                    switch c.kind {
                    case .set: print("  \(c.id)  \(c.table.escapingControlCharacters)/\(c.rowID.escapingControlCharacters).\(c.column.escapingControlCharacters) = \(reveals(c) ? c.value.description.escapingControlCharacters : "‹personal›")  @\(c.stamp)")
                    case .delete: print("  \(c.id)  delete \(c.table.escapingControlCharacters)/\(c.rowID.escapingControlCharacters)  @\(c.stamp)")
                    }
                }
                if inspection.recordsTruncated { print("  … (first \(limit) shown; --limit for more)") }
            } else {
                print("records     encrypted; give --key with a recipient's identity.json to list them")
            }
            if let r = inspection.dryRun {
                print("would apply \(r.applied), stale \(r.stale), duplicate \(r.duplicate), conflicts \(r.conflicts) (nothing was written)")
            }
        }
    }
}

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the SHA-256 state digest of a replica's case data: equal digests, equal data.",
        discussion: """
        While a county upgrades, a station not yet upgraded prints the digest of its older case \
        schema; --schema-version gives the hub's digest of what that version holds, to compare.
        Each station holds only its township's cases: --township gives the digest of one \
        township's scope (its cases, the notices addressed to it, county-wide parameters), which \
        equals the digest of that township's station once they have synced.

        Examples:
          fieldsync digest st-lushaer
          fieldsync digest hub-huangzhong --township 630106100
          fieldsync digest hub-huangzhong --schema-version 2
        """)
    @Argument(help: "A station or hub folder.") var dir: String
    @Option(name: .customLong("schema-version"), help: "Digest only the tables and columns of this earlier case schema version.")
    var schemaVersion: Int?
    @Option(help: ArgumentHelp("Digest only this township's scope (9-digit code), or a county's (6-digit code, at a provincial hub).", valueName: "TOWNSHIP")) var township: String?
    @OptionGroup var output: OutputOptions

    struct DigestJSON: Encodable { let replica: String, name: String, digest: String }

    func validate() throws {
        if let schemaVersion, CaseworkSchema.schema.at(version: schemaVersion) == nil {
            let released = CaseworkSchema.schema.earlier.map(\.version) + [CaseworkSchema.schema.version]
            throw ValidationError("--schema-version must be a released case schema version: \(released.map(String.init).joined(separator: ", "))")
        }
        if township != nil, schemaVersion != nil { throw ValidationError("give --township or --schema-version, not both") }
        if let township, !TownshipCode.isValid(township), !ScopeCode.isCounty(township) {
            throw ValidationError("乡镇代码无效 / --township must be a 9-digit township code, e.g. 630106100, or a 6-digit county code, e.g. 630106")
        }
    }

    func run() throws {
        try reporting {
            // The name only: read from the clear part of the key file, so no passphrase is asked.
            let identity = try NodeIdentity.card(at: NodeFolder(dir).identityPath)
            let digest = try SyncError.catching {
                let replica = try Replica.open(at: NodeFolder(dir).replicaPath, schema: CaseworkSchema.schema, wallClock: SystemWallClock.now)
                if let township { return try replica.scoped(by: CaseworkScope(), township: nil).digest(township: township) }
                return try schemaVersion.map { try replica.digest(as: CaseworkSchema.version($0)) } ?? replica.digest()
            }
            if output.json { printJSON(DigestJSON(replica: dir, name: identity.name, digest: digest)) } else { print(digest) }
        }
    }
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a demo county and run the whole loop: each station holds only its own cases; a transfer, a resolved conflict, notices, lost and duplicated bundles, a lost laptop replaced, a station syncing over HTTP through a link that drops.",
        discussion: """
        Without DIR the county is built in a new temporary folder, printed at the start; \
        look around it afterwards with `fieldsync station status`, `fieldsync bundle inspect`, \
        `fieldsync digest DIR --township CODE`, `fieldsync hub conflicts --all` and \
        `fieldsync hub quarantine` (the lost laptop's stick). All data is \
        synthetic. The same --seed gives the same digests and the same output, but for \
        the temporary folder's name. The HTTP scene serves the hub on a free loopback port \
        for a moment; nothing listens beyond 127.0.0.1.

        Example:
          fieldsync demo
          fieldsync demo ./demo-county --json
        """)
    @Argument(help: "An empty or new folder for the demo county.") var dir: String?
    @Option(help: "Households each station registers (at least \(DemoScenario.minimumHouseholds)).") var households = 12
    @Option(help: "Seed for the synthetic data and delivery order.") var seed: UInt64 = 2026
    @OptionGroup var output: OutputOptions

    struct DemoJSON: Encodable {
        struct Row: Encodable {
            let name: String, role: String, township: String?, digest: String, hubDigest: String, matchesHub: Bool, owed: Int, households: Int
        }
        struct Transfer: Encodable { let household: String, from: String, to: String, reachedReceiver: Bool, leftGiver: Bool }
        struct Notice: Encodable { let station: String, kind: String, household: String? }
        struct LostLaptop: Encodable {
            let station: String, household: String, quarantineID: Int64?, replacementGotWholeScope: Bool, reachedReplacement: Bool
        }
        let folder: String, converged: Bool, roundsToQuiet: Int, openConflicts: Int, resolvedConflicts: Int
        let eachStationHoldsOnlyItsOwnCases: Bool, transfer: Transfer, lostLaptop: LostLaptop, notices: [Notice], replicas: [Row]
        let httpSync: DemoLinkScene.Check
    }

    func validate() throws {
        guard households >= DemoScenario.minimumHouseholds else {
            throw ValidationError("每站户数至少 \(DemoScenario.minimumHouseholds) / --households must be at least \(DemoScenario.minimumHouseholds): the demo's conflict, delete race and transfer each use one of the first station's households.")
        }
    }

    func run() throws {
        let root = dir ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("fieldsync-demo-\(UInt32.random(in: 0...UInt32.max))")
        try reporting {
            let json = output.json
            let say: @Sendable (String) -> Void = { line in if !json { print(line) } }
            let scenario = DemoScenario(root: root, seed: seed, householdsPerStation: households, say: say)
            let played = try scenario.play()
            let link: DemoLinkScene.Check
            do { link = try DemoLinkScene(scenario: scenario, say: say).run(after: played) } catch let failure as DemoLinkScene.Failure {
                FileHandle.standardError.write(Data("fieldsync: 错误 error: \(failure)\n".utf8))
                throw ExitCode(1)
            }
            let outcome = try scenario.outcome(of: played)
            let converged = outcome.converged && link.held
            if json {
                let t = outcome.transfer, l = outcome.lostLaptop
                printJSON(DemoJSON(folder: root, converged: converged, roundsToQuiet: outcome.roundsToQuiet,
                                   openConflicts: outcome.openConflicts.count, resolvedConflicts: outcome.resolvedConflicts,
                                   eachStationHoldsOnlyItsOwnCases: outcome.eachStationHoldsOnlyItsOwnCases,
                                   transfer: .init(household: t.household, from: t.fromStation, to: t.toStation,
                                                   reachedReceiver: t.reachedReceiver, leftGiver: t.leftGiver),
                                   lostLaptop: .init(station: l.station, household: l.household, quarantineID: l.quarantineID,
                                                     replacementGotWholeScope: l.replacementGotWholeScope,
                                                     reachedReplacement: l.reachedReplacement),
                                   notices: outcome.notices.map { .init(station: $0.station, kind: $0.kind, household: $0.household) },
                                   replicas: outcome.rows.map {
                                       .init(name: $0.name, role: $0.role.rawValue, township: $0.township, digest: $0.digest, hubDigest: $0.hubDigest,
                                             matchesHub: $0.matchesHub, owed: $0.owed, households: $0.households)
                                   }, httpSync: link))
            } else {
                print(DemoReport.render(outcome, link: link))
            }
            if !converged { throw ExitCode(1) }
        }
    }
}

/// The demo's closing words: the table, then what each station holds and received.
enum DemoReport {
    static func render(_ outcome: DemoScenario.Outcome, link: DemoLinkScene.Check) -> String {
        var lines = ["", "⑩ 结果 Result (\(outcome.roundsToQuiet) final rounds)", DemoTable.render(outcome.rows), ""]
        lines.append(outcome.eachStationHoldsOnlyItsOwnCases
            ? "✔ each station holds only its own township's cases; its digest = the hub's digest for its township"
            : "✘ a station holds a case of another township")
        let t = outcome.transfer
        lines.append("\(t.reachedReceiver && t.leftGiver ? "✔" : "✘") transfer of \(t.household): \(t.reachedReceiver ? "reached" : "did NOT reach") \(t.toStation), \(t.leftGiver ? "left" : "is STILL at") \(t.fromStation)")
        let l = outcome.lostLaptop
        lines.append("\(l.quarantineID != nil && l.replacementGotWholeScope && l.reachedReplacement ? "✔" : "✘") lost laptop of \(l.station): its stick \(l.quarantineID.map { "was quarantined (#\($0)) and accepted" } ?? "was NOT quarantined"); the replacement \(l.replacementGotWholeScope ? "got" : "did NOT get") the station's whole scope and \(l.reachedReplacement ? "holds" : "does NOT hold") the stick's household \(l.household)")
        lines.append("\(link.held ? "✔" : "✘") HTTP sync of \(link.station) through a link cut \(link.cuts) times: \(link.bytesResent) bytes re-sent, \(link.mergedOnce ? "merged once" : "NOT merged exactly once"), \(link.reachedHub ? "its new households at the hub" : "its new households NOT at the hub")")
        lines.append("conflicts at the hub: \(outcome.resolvedConflicts) resolved, \(outcome.openConflicts.count) open (see `fieldsync hub conflicts --all \(outcome.root)/hub`)")
        lines.append("notices received (kind, case):")
        lines.append(DemoTable.lines(outcome.notices.map { [$0.station, $0.kind, $0.household ?? "-"] }))
        lines.append(outcome.converged && link.held
            ? "✔ converged: every station holds exactly the hub's part for its township and nothing is owed."
            : "✘ NOT converged")
        lines.append("folder: \(outcome.root)")
        return lines.joined(separator: "\n")
    }
}

/// A plain table for the demo's result, aligned for CJK text (which is two columns wide).
enum DemoTable {
    static func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) } }
    static func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - width(s))) }

    /// A station's digest, then "=" (or "≠") and the hub's digest for its township; the hub
    /// shows its full digest and every household.
    static func render(_ rows: [DemoScenario.ReplicaRow]) -> String {
        let header = ["replica", "role", "township", "digest", "", "hub's digest", "households", "owed"]
        let body = rows.map { row in
            [row.name, row.role.rawValue, row.township ?? "(all)", short(row.digest), row.role == .hub ? "" : (row.matchesHub ? "=" : "≠"),
             row.role == .hub ? "(full)" : short(row.hubDigest), String(row.households), String(row.owed)]
        }
        return lines([header] + body)
    }

    /// Rows of cells, each column padded to its widest cell.
    static func lines(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { i in rows.map { width($0[i]) }.max()! }
        return rows.map { row in
            var line = zip(row, widths).map { pad($0, $1) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return "   " + line
        }.joined(separator: "\n")
    }

    static func short(_ digest: String) -> String { String(digest.prefix(16)) + "…" }
}
