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
                print("\(file): intact, signed by key \(verified.signerKey.fingerprint) (\(verified.header.senderName)), \(verified.header.totalChanges) changes")
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
            let identity = try key.map { path throws(SyncError) in try NodeIdentity.load(from: path) }
            let replica: Replica? = try against.map { dir in
                try SyncError.catching { try Replica.open(at: NodeFolder(dir).replicaPath, schema: CaseworkSchema.schema, wallClock: SystemWallClock.now) }
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
            print("sender      \(h.senderName)  site \(h.sender.hex)  key \(inspection.signerFingerprint)  signature good")
            print("created     \(h.created)")
            print("schema      \(h.schemaName) v\(h.schemaVersion)  \(Hex.encode(h.schemaFingerprint.prefix(8)))")
            print("recipients  \(h.recipients.map(\.site.hex).joined(separator: ", "))")
            print("sender has  \(h.senderVector)")
            print("assumed     \(h.assumedVector)")
            if let ack = h.acknowledgement { print("ack         \(ack)") }
            print("changes     \(h.totalChanges): " + h.tableCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            if let records = inspection.records {
                print("records:")
                for c in records {
                    switch c.kind {
                    case .set: print("  \(c.id)  \(c.table)/\(c.rowID).\(c.column) = \(reveals(c) ? c.value.description : "‹personal›")  @\(c.stamp)")
                    case .delete: print("  \(c.id)  delete \(c.table)/\(c.rowID)  @\(c.stamp)")
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
            let identity = try NodeIdentity.load(from: NodeFolder(dir).identityPath)
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
        abstract: "Build a demo county and run the whole loop: offline edits, conflicts, lost and duplicated bundles, convergence.",
        discussion: """
        Without DIR the county is built in a new temporary folder, printed at the start; \
        look around it afterwards with `fieldsync station status`, `fieldsync bundle inspect` \
        and `fieldsync hub conflicts`. All data is synthetic.

        Example:
          fieldsync demo
          fieldsync demo ./demo-county --json
        """)
    @Argument(help: "An empty or new folder for the demo county.") var dir: String?
    @Option(help: "Households each station registers.") var households = 12
    @Option(help: "Seed for the synthetic data and delivery order.") var seed: UInt64 = 2026
    @OptionGroup var output: OutputOptions

    struct DemoJSON: Encodable {
        struct Row: Encodable { let name: String, role: String, digest: String, owed: Int, households: Int }
        let folder: String, converged: Bool, roundsToQuiet: Int, conflicts: Int, replicas: [Row]
    }

    func run() throws {
        let root = dir ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("fieldsync-demo-\(UInt32.random(in: 0...UInt32.max))")
        try reporting {
            let json = output.json
            let outcome = try DemoScenario(root: root, seed: seed, householdsPerStation: households) { line in
                if !json { print(line) }
            }.run()
            if json {
                printJSON(DemoJSON(folder: root, converged: outcome.converged, roundsToQuiet: outcome.roundsToQuiet,
                                   conflicts: outcome.conflicts.count,
                                   replicas: outcome.rows.map { .init(name: $0.name, role: $0.role.rawValue, digest: $0.digest, owed: $0.owed, households: $0.households) }))
            } else {
                print("")
                print("⑦ 结果 Result (\(outcome.roundsToQuiet) final rounds)")
                print(DemoTable.render(outcome.rows))
                print("")
                print("conflicts for review at the hub: \(outcome.conflicts.count) (see `fieldsync hub conflicts \(root)/hub`)")
                print(outcome.converged ? "✔ converged: every replica has the same digest and nothing is owed." : "✘ NOT converged")
                print("folder: \(root)")
            }
            if !outcome.converged { throw ExitCode(1) }
        }
    }
}

/// A plain table for the demo's result, aligned for CJK text (which is two columns wide).
enum DemoTable {
    static func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) } }
    static func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - width(s))) }

    static func render(_ rows: [DemoScenario.ReplicaRow]) -> String {
        let header = ["replica", "role", "digest", "households", "owed"]
        let body = rows.map { [$0.name, $0.role.rawValue, String($0.digest.prefix(16)) + "…", String($0.households), String($0.owed)] }
        let widths = (0..<header.count).map { i in ([header] + body).map { width($0[i]) }.max()! }
        return ([header] + body).map { row in zip(row, widths).map { pad($0, $1) }.joined(separator: "  ") }.joined(separator: "\n")
    }
}
