import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation
import GRDB
import GRDBSQLite

/// `fieldsync-bench`: the performance figures of the README, measured in one run against
/// baselines measured in the same run. Run it in release mode:
///
///     swift run -c release fieldsync-bench            # 1,000,000 changes
///     swift run -c release fieldsync-bench --changes 100000 --json
///     swift run -c release fieldsync-bench --county-round   # only the county round (6.)
///     swift run -c release fieldsync-bench --workload steady  # only the steady state (7.)
///     swift run -c release fieldsync-bench --pages   # only the workbench's pages (8.)
///
/// 1. hub merge rate of N cell changes vs three baselines of the same cells, same pragmas
///    (``RawBaseline``, ``ChangesetBaseline``): a plain prepared INSERT per row (the limit),
///    SQLite's session extension applying a changeset of the rows (the peer a user would
///    pick instead), and a per-cell upsert loop (C API, prepared statement per column);
///    then the floor of FieldSync's own records (``FloorBaseline``): SQLite alone writing the
///    records the merge wrote;
/// 2. the same merge from a signed, encrypted, compressed bundle file (end to end);
/// 3. bytes per change in a bundle;
/// 4. export of 1,000 new changes from a replica holding N;
/// 5. peak memory (max RSS) of a separate process importing the N-change bundle.
/// 6. with `--county-round` only: one sync round of a 15-station county (``CountyRound``).
///    Its setup takes minutes (the sample generator makes 30,000 case histories through the
///    casework rules), so it is not in the default set.
/// 7. with `--workload steady` only: a hub's steady state, N single-cell edits from 15
///    stations over N/10 rows it holds, against the changeset apply of the same updates:
///    merged in one import, then end to end from per-station bundles (``SteadyBundles``),
///    one import per bundle as a hub receives them; then the floor of what it wrote
///    (``FloorBaseline``): one transaction for all, one per bundle, one per round of bundles.
/// 8. with `--pages` only: the server time of each workbench and review-desk page on a
///    station of 2,000 households (``PageBench``), against the 50 ms target.
@main
struct Bench {
    static func main() throws {
        let args = CommandLine.arguments
        if args.count >= 2, args[1] == "--child-import" { return try ChildImport.run(Array(args.dropFirst(2))) }
        if args.count >= 2, args[1] == "--child-import-steady" { return try ChildImport.runSteady(Array(args.dropFirst(2))) }
        if args.contains("--help") || args.contains("-h") {
            print("""
            usage: fieldsync-bench [--changes N] [--workload rows|steady] [--json]
                   fieldsync-bench --county-round [--stations N] [--households N] [--edits N] [--json]
                   fieldsync-bench --pages [--households N] [--json]
            Measures hub merge rate vs SQLite (row INSERT, session changeset apply, per-cell upsert), bundle size, export latency and import peak memory,
            and the floor of FieldSync's records: SQLite alone writing the records the merge wrote (rows, cell versions, log, feed, cases);
            with --county-round, only one sync round of a county (default 15 stations × 2,000 households,
            100 edits each): each phase's time, the bytes on the stick and each replica's size.
            --workload steady: N single-cell edits from 15 stations over N/10 rows the hub holds,
            1% concurrent edits of reviewed columns, against SQLite's changeset apply of the same updates:
            merged in one import, then end to end from per-station bundles (one per station per
            100,000 edits), each verified, decrypted, inflated and merged in a savepoint of its own, committed
            in batches as `hub merge` does (every 2 s of merging), and the
            floor of that: SQLite alone reading and writing each edited row and appending the feed entries
            and log runs the merge filed, in one transaction, one per bundle, and one per round of bundles.
            Example: swift run -c release fieldsync-bench --changes 1000000
                     swift run -c release fieldsync-bench --workload steady
                     swift run -c release fieldsync-bench --county-round
                     swift run -c release fieldsync-bench --pages
            """)
            return
        }
        func option(_ name: String, default value: Int, atLeast minimum: Int) -> Int {
            guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]), v >= minimum else { return value }
            return v
        }
        if args.contains("--pages") {
            return try PageBench(households: option("--households", default: 2_000, atLeast: 1), json: args.contains("--json")).run()
        }
        if args.contains("--county-round") {
            let json = args.contains("--json")
            let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("fieldsync-bench-county-\(UInt32.random(in: 0...UInt32.max))")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #if DEBUG
            if !json { print("warning: debug build; run `swift run -c release fieldsync-bench --county-round` for figures worth recording") }
            #endif
            let figures = try CountyRound(stations: min(option("--stations", default: 15, atLeast: 1), SyntheticNames.townships.count),
                                          households: option("--households", default: 2_000, atLeast: 1),
                                          edits: option("--edits", default: 100, atLeast: 1), dir: dir,
                                          // Written at once, not buffered: the setup's progress shows in a log file too.
                                          say: { if !json { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) } }).run()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(figures), as: UTF8.self))
            }
            return
        }
        var n = 1_000_000
        if let i = args.firstIndex(of: "--changes"), i + 1 < args.count, let v = Int(args[i + 1]), v >= 1_000 { n = v }
        let json = args.contains("--json")
        var steady = false
        if let i = args.firstIndex(of: "--workload") {
            switch i + 1 < args.count ? args[i + 1] : "" {
            case "rows": break
            case "steady": steady = true
            default:
                FileHandle.standardError.write(Data("fieldsync-bench: --workload is rows (the default) or steady\n".utf8))
                exit(2)
            }
        }
        try Bench(changes: n, json: json, steady: steady).run()
    }

    let changes: Int
    let json: Bool
    /// `--workload steady`: the hub's steady state (``SteadyWorkload``) instead of new rows.
    let steady: Bool
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("fieldsync-bench-\(UInt32.random(in: 0...UInt32.max))")
    let schema = CaseworkSchema.schema

    func say(_ line: String) { if !json { print(line) } }

    func run() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #if DEBUG
        say("warning: debug build; run `swift run -c release fieldsync-bench` for figures worth recording")
        #endif
        if steady { return try runSteady() }
        let workload = Workload(schema: schema, changes: changes)
        say("workload: \(workload.changes.count) cell changes = \(workload.rows) household rows × \(workload.columns.count) columns")

        // 1. The baselines, then the replica's merge of the same cells.
        let cells = Double(workload.changes.count)
        let insert = try FieldSyncBench.measure { try RawBaseline.insert(workload, at: dir + "/insert.sqlite") }
        let insertRate = cells / insert
        say(String(format: "plain row INSERT:         %8.2f s  %10.0f cells/s", insert, insertRate))
        let changeset = try ChangesetBaseline.measure(workload, dir: dir)
        let changesetRate = cells / changeset.seconds
        say(String(format: "changeset apply:          %8.2f s  %10.0f cells/s  (session extension; changeset of %.1f MB built untimed)",
                   changeset.seconds, changesetRate, Double(changeset.changesetBytes) / 1e6))
        let raw = try FieldSyncBench.measure { try RawBaseline.upsert(workload, at: dir + "/raw.sqlite") }
        let rawRate = cells / raw
        say(String(format: "raw SQLite upsert:        %8.2f s  %10.0f cells/s", raw, rawRate))
        // A FieldSync rate as ratios of the three baselines, on one line.
        func ratios(_ what: String, _ rate: Double) -> String {
            "  \(what) / " + String(format: "row insert %.2f   \(what) / changeset apply %.2f   \(what) / upsert %.2f",
                                      rate / insertRate, rate / changesetRate, rate / rawRate)
        }
        let hubPath = dir + "/hub.sqlite"
        let hub = try Replica.create(at: hubPath, schema: schema, siteID: SiteID(bytes: Array(repeating: 0xAA, count: 16))!,
                                     name: "bench hub", role: .hub, wallClock: workload.wallClock)
            .ranked(by: CaseworkPrecedence()) // as a real hub merges (M7)
            .scoped(by: CaseworkScope(), township: nil) // and files every change into its township's feed (P2)
        var report = ApplyReport()
        let merge = try FieldSyncBench.measure {
            (_, report) = try hub.importChanges { tx in
                tx.mergeGuard = Workload.stationGuard
                for batch in workload.batches(of: 4_096) { try tx.apply(batch) }
            }
        }
        precondition(report.applied == workload.changes.count, "merge applied \(report.applied)")
        let mergeRate = cells / merge
        say(String(format: "replica merge (apply):    %8.2f s  %10.0f cells/s", merge, mergeRate))
        say(ratios("merge", mergeRate))
        let log = try FloorBaseline.logFootprint(of: hubPath)
        let logBytesPerChange = Double(log.bytes) / cells
        say(String(format: "  the log: %.1f bytes/change in %d runs", logBytesPerChange, log.runs))
        // The floor of FieldSync's records: SQLite alone writing the records this merge wrote.
        let copied = try FloorBaseline.copy(tables: ["household"] + FloorBaseline.storeTables, from: hubPath, to: dir + "/floor.sqlite")
        let floor = copied.seconds
        let floorRate = cells / floor
        say(String(format: "floor (SQLite alone):     %8.2f s  %10.0f cells/s  (the rows, cell versions, log runs, feed entries and cases the merge wrote)",
                   floor, floorRate))
        say("  " + copied.breakdown)
        say(String(format: "  floor / changeset apply %.2f   merge / floor %.2f", floorRate / changesetRate, mergeRate / floorRate))
        // Below any design that keeps a version per cell: the rows and their cell versions, nothing else.
        let rowsAlone = try FloorBaseline.copy(tables: ["household"], from: hubPath, to: dir + "/floor-rows.sqlite")
        say(String(format: "  the rows with their cell versions alone: %.2f s (commit %.2f s), / changeset apply %.2f",
                   rowsAlone.seconds, rowsAlone.commitSeconds, cells / rowsAlone.seconds / changesetRate))

        // 2–3. A bundle of all N changes: write it, then merge it end to end into a fresh hub.
        let keys = BenchKeys()
        let bundlePath = dir + "/all.fsb"
        let write = try FieldSyncBench.measure { try keys.writeBundle(of: workload, replica: hub, to: bundlePath) }
        let bytes = (try FileManager.default.attributesOfItem(atPath: bundlePath)[.size] as? Int) ?? 0
        say(String(format: "bundle write:             %8.2f s  %10.0f changes/s  %.1f bytes/change (%d bytes)",
                   write, Double(workload.changes.count) / write, Double(bytes) / Double(workload.changes.count), bytes))

        // 5. (and 2) a separate process imports the bundle: its time and its peak memory.
        let child = try ChildImport.spawn(bundle: bundlePath, keys: keys, dir: dir)
        let e2eRate = cells / child.seconds
        say(String(format: "bundle merge end to end:  %8.2f s  %10.0f cells/s", child.seconds, e2eRate))
        say(ratios("end to end", e2eRate))
        say(String(format: "  end to end / floor %.2f", e2eRate / floorRate))
        say(String(format: "import peak memory:       %8.1f MB (max RSS of the importing process)", child.maxRSSMB))

        // 4. Export 1,000 new changes from the replica holding N.
        let exportTimes = try ExportLatency.measure(replica: hub, keys: keys, dir: dir, workload: workload)
        let median = exportTimes.sorted()[exportTimes.count / 2]
        say(String(format: "export 1,000 of %d:  %8.1f ms median of %d (min %.1f, max %.1f)", try hub.changeCount(since: .empty),
                   median * 1000, exportTimes.count, exportTimes.min()! * 1000, exportTimes.max()! * 1000))

        if json {
            let result: [String: Any] = [
                "changes": workload.changes.count, "rawSeconds": raw, "rawCellsPerSecond": rawRate,
                "insertSeconds": insert, "insertCellsPerSecond": insertRate,
                "changesetApplySeconds": changeset.seconds, "changesetApplyCellsPerSecond": changesetRate,
                "changesetBytes": changeset.changesetBytes,
                "mergeSeconds": merge, "mergeCellsPerSecond": mergeRate, "mergeRatio": mergeRate / rawRate,
                "mergeRatioToInsert": mergeRate / insertRate, "mergeRatioToChangesetApply": mergeRate / changesetRate,
                "endToEndRatioToInsert": e2eRate / insertRate, "endToEndRatioToChangesetApply": e2eRate / changesetRate,
                "bundleWriteSeconds": write, "bundleBytes": bytes, "bytesPerChange": Double(bytes) / Double(workload.changes.count),
                "endToEndSeconds": child.seconds, "endToEndRatio": e2eRate / rawRate, "importPeakMB": child.maxRSSMB,
                "exportMillisMedian": median * 1000, "logBytesPerChange": logBytesPerChange, "logRuns": log.runs,
                "floorSeconds": floor, "floorRatioToChangesetApply": floorRate / changesetRate, "floorCommitSeconds": copied.commitSeconds,
                "floorTableSeconds": Dictionary(uniqueKeysWithValues: copied.tables.map { ($0.name, $0.seconds) }),
                "rowsAloneSeconds": rowsAlone.seconds, "rowsAloneRatioToChangesetApply": cells / rowsAlone.seconds / changesetRate,
                "mergeRatioToFloor": mergeRate / floorRate, "endToEndRatioToFloor": e2eRate / floorRate,
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Timing helpers.
enum FieldSyncBench {
    /// Wall-clock seconds of one run of `body`.
    static func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
