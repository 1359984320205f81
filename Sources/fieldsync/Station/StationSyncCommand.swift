import ArgumentParser
import FieldSyncCore
import FieldSyncHTTP
import FieldSyncSync
import Foundation

/// `fieldsync station sync`: one whole round with the hub over HTTP, resumable.
struct StationSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync with the hub over HTTP: export, upload, wait for the merge, download and import the return bundle.",
        discussion: """
        Made for a link that drops: the upload goes in checksummed chunks and the download by \
        ranges, and a cut costs at most the chunk in flight. Failed requests are retried with \
        exponential backoff until --timeout; then the command stops, says what remains, and \
        the next run continues from there (its state is kept in ST/sync/). Exits 0 only when \
        the round completed.

        Example:
          fieldsync station sync st-lushaer --hub http://10.20.0.5:8440 --chunk-size 262144 --timeout 900
        """)
    @Argument(help: "The station folder.") var dir: String
    @Option(help: "The hub's address, http://HOST:PORT (`fieldsync hub serve` there).") var hub: String
    @Option(name: .customLong("chunk-size"), help: "Bytes per upload chunk (1024 to the hub's limit, 1048576 by default).")
    var chunkSize = 1 << 20
    @Option(help: "Seconds to keep retrying before giving up for now.") var timeout = 600
    @Option(name: .customLong("request-timeout"), help: "Seconds one request may wait for the hub.") var requestTimeout = 30
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        guard chunkSize >= 1024, timeout >= 1, requestTimeout >= 1 else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: --chunk-size 至少 1024，--timeout 与 --request-timeout 至少 1 秒 / --chunk-size must be at least 1024 bytes, --timeout and --request-timeout at least 1 second.\n".utf8))
            throw ExitCode(1)
        }
        let station = try reporting { try passphrase.station(dir) }
        let options = SyncOptions(chunkBytes: chunkSize, requestTimeout: .seconds(requestTimeout), totalTimeout: .seconds(timeout))
        let renderer = SyncProgressRenderer()
        do {
            let round = try StationSyncRound(station: station, hub: hub, options: options) { renderer.show($0) }
            let report = try runBlocking { try await round.run() }
            renderer.finish()
            if output.json { printJSON(SyncReportJSON(report)) } else {
                print("synced with the hub: sent \(report.uploadName) (\(report.merge.changes) changes, \(report.merge.applied) applied at the hub), "
                      + "imported \(report.importedChanges) changes (\(report.importedApplied) applied)")
                if report.interruptions > 0 { print("  the link failed \(report.interruptions) times; the round resumed each time") }
            }
        } catch let error as StationSyncError {
            renderer.finish()
            if output.json { printJSON(SyncFailureJSON(error: error.description)) }
            FileHandle.standardError.write(Data("fieldsync: 错误 error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A round's progress: a bar of bytes on a terminal (standard error), plain lines otherwise.
final class SyncProgressRenderer: @unchecked Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastQuarter: [String: Int64] = [:]

    func show(_ event: SyncProgress) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .exported(name, bytes): line("exported \(name) (\(bytes) bytes)")
        case let .uploading(done, total): bytes("uploading", done, total)
        case .waitingForMerge: line("sent the last chunk; waiting for the hub to merge")
        case let .merged(result): line("the hub merged the bundle: \(result.applied) of \(result.changes) changes applied (\(result.outcome.escapingControlCharacters))")
        case let .downloading(done, total): bytes("downloading", done, total)
        case let .imported(applied, changes): line("imported the return bundle: \(applied) of \(changes) changes applied")
        case let .retrying(after, problem): line("link failed (\(problem.escapingControlCharacters)); retrying in \(String(format: "%.1f", after)) s")
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func line(_ text: String) {
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    private func bytes(_ what: String, _ done: Int64, _ total: Int64) {
        if terminal {
            let width = 30
            let filled = total == 0 ? width : Int(Int64(width) * done / total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let figures = String(format: "%.1f / %.1f MB", Double(done) / 1e6, Double(total) / 1e6)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(what) \(bar) \(figures)".utf8))
        } else {
            // Plain lines at each quarter, for logs and scripts.
            let quarter = total == 0 ? 4 : 4 * done / total
            guard lastQuarter[what] != quarter else { return }
            lastQuarter[what] = quarter
            line("\(what) \(done) of \(total) bytes")
        }
    }
}

/// `station sync --json` when the round did not complete.
struct SyncFailureJSON: Encodable {
    let completed = false
    let error: String
}

/// `station sync --json`: what the round did and what the link cost.
struct SyncReportJSON: Encodable {
    let completed = true
    let upload: String
    let uploadBytes: Int64
    let merge: MergeResultBody
    let downloadBytes: Int64
    let importedChanges: Int
    let importedApplied: Int
    let chunkBytesSent: Int64
    let interruptions: Int

    init(_ r: SyncRoundReport) {
        upload = r.uploadName
        uploadBytes = r.uploadBytes
        merge = r.merge
        downloadBytes = r.downloadBytes
        importedChanges = r.importedChanges
        importedApplied = r.importedApplied
        chunkBytesSent = r.chunkBytesSent
        interruptions = r.interruptions
    }
}
