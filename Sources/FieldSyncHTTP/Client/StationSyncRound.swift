import AsyncHTTPClient
import Crypto
import FieldSyncCore
import FieldSyncSync
import Foundation
import NIOCore
import NIOHTTP1

/// One sync round over HTTP for a station: export, upload (resuming), wait for the merge,
/// ask for the return bundle, download it (resuming with Range) and import it.
///
/// The sync itself stays in ``Station`` (`export(to:)`, `importBundle(at:)`) and, at the
/// hub, in `Hub.merge(bundleAt:)`: this type only moves bytes and keeps its place in
/// ``SyncState`` so that a round cut short (a dropped link, a killed process) continues
/// where it stopped, and re-sends at most the one chunk that was in flight.
public final class StationSyncRound: Sendable {
    public let station: Station
    let client: HubClient
    let options: SyncOptions
    let files: SyncState.Files
    let progress: @Sendable (SyncProgress) -> Void

    public init(station: Station, hub: String, options: SyncOptions = SyncOptions(),
                progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) throws(StationSyncError) {
        self.station = station
        self.options = options
        self.progress = progress
        self.client = try HubClient(hub: hub, identity: station.identity, requestTimeout: options.requestTimeout)
        self.files = SyncState.Files(station: station.folder.path)
    }

    /// Runs the round to its end, or throws saying what remains.
    public func run() async throws(StationSyncError) -> SyncRoundReport {
        let lock: SyncRoundLock
        do { lock = try SyncRoundLock.acquire(station: station.folder.path) } catch {
            await client.shutdown()
            throw error
        }
        defer { lock.release() }
        var counters = Counters(backoff: Backoff(options: options))
        do {
            let report = try await runSteps(&counters)
            await client.shutdown()
            return report
        } catch {
            await client.shutdown()
            throw error
        }
    }

    struct Counters {
        var backoff: Backoff
        var chunkBytesSent: Int64 = 0
        var downloadBytesReceived: Int64 = 0
        var interruptions = 0
        var lastProblem = ""
    }

    private func runSteps(_ counters: inout Counters) async throws(StationSyncError) -> SyncRoundReport {
        var state = try files.load()
        if state.upload == nil, state.merge == nil {
            guard let upload = try export() else {
                // A replacement laptop exports only after its first return bundle (K6): take
                // that first, then the round goes on as any other.
                _ = try await fetchAndImport(state: &state, &counters)
                files.clear()
                return try await runSteps(&counters)
            }
            state.upload = upload
            try files.save(state)
        }
        if state.merge == nil, let upload = state.upload {
            do {
                state.merge = try await send(upload, state: &state, &counters)
            } catch let .bundleRefused(message, _) {
                // The hub's return bundle is what lets the station act on the refusal (a
                // restored copy learns where its history parted and can be repaired, S13):
                // take it before saying the round failed.
                var after = SyncState()
                let imported = try? await fetchAndImport(state: &after, &counters)
                files.clear()
                throw .bundleRefused(message, returnBundleImported: imported != nil)
            }
            try files.save(state)
        }
        guard let merge = state.merge else { throw .file("the round's state lost its merge; delete \(files.folder) and run again") }
        let result = try await fetchAndImport(state: &state, &counters)
        let report = SyncRoundReport(uploadName: state.upload?.name ?? "", uploadBytes: state.upload?.size ?? 0, merge: merge,
                                     downloadBytes: state.download?.size ?? 0, importedChanges: result.header.totalChanges,
                                     importedApplied: result.report.applied, chunkBytesSent: counters.chunkBytesSent,
                                     downloadBytesReceived: counters.downloadBytesReceived, interruptions: counters.interruptions)
        files.clear()
        return report
    }

    /// Downloads the return bundle and imports it.
    private func fetchAndImport(state: inout SyncState, _ counters: inout Counters) async throws(StationSyncError) -> ImportResult {
        let download = try await fetch(state: &state, &counters)
        let result: ImportResult
        do { result = try station.importBundle(at: download) } catch {
            // A return bundle the station refuses would be refused again: the next round asks for a new one.
            state.download = nil
            try? files.save(state)
            PrivateFile.remove(files.incoming)
            throw .station(error)
        }
        progress(.imported(applied: result.report.applied, changes: result.header.totalChanges))
        return result
    }

    /// The station's bundle to upload; nil for a replacement laptop that must import its
    /// first return bundle before it exports anything.
    private func export() throws(StationSyncError) -> SyncState.Upload? {
        do {
            try PrivateFile.makeFolder(files.outgoing)
            let result = try station.export(to: files.outgoing + "/")
            let upload = SyncState.Upload(path: result.path, name: (result.path as NSString).lastPathComponent,
                                          size: PrivateFile.size(result.path) ?? 0, sha256: try PrivateFile.sha256(result.path))
            progress(.exported(name: upload.name, bytes: upload.size))
            return upload
        } catch SyncError.trust(.replacementNotCaughtUp) {
            return nil
        } catch let error as SyncError {
            throw .station(error)
        } catch {
            throw .file("\(error)")
        }
    }

    // MARK: Upload

    /// Uploads the bundle from wherever the hub stands and returns the merge's outcome.
    private func send(_ upload: SyncState.Upload, state: inout SyncState, _ counters: inout Counters) async throws(StationSyncError)
        -> MergeResultBody {
        var offset: Int64 = 0
        var created: UploadStateBody?
        while true {
            do {
                if created == nil {
                    let body = Array(WireJSON.encode(UploadCreateBody(size: upload.size, sha256: upload.sha256, name: upload.name)))
                    let answer = try await client.send(.POST, WirePath.uploads, body: body)
                    created = try expect(answer, UploadStateBody.self)
                    offset = created!.offset
                    if state.upload?.id != created!.id {
                        state.upload?.id = created!.id
                        try files.save(state)
                    }
                }
                let id = created!.id
                var current = created!
                while current.state == .receiving {
                    progress(.uploading(done: offset, total: upload.size))
                    let chunk = try PrivateFile.read(upload.path, offset: offset, count: options.chunkBytes)
                    if offset + Int64(chunk.count) == upload.size { progress(.waitingForMerge) }
                    let checksum = "sha256 " + Data(SHA256.hash(data: chunk)).base64EncodedString()
                    let request = try await client.signed(.PATCH, WirePath.upload(id), body: chunk,
                                                          headers: [("Upload-Offset", String(offset)), ("Upload-Checksum", checksum)])
                    counters.chunkBytesSent += Int64(chunk.count)
                    let answer = try await client.execute(request)
                    switch answer.status {
                    case 409:
                        offset = try await heldOffset(id)
                        continue
                    case 460 where answer.refusal?.error == "checksum-mismatch":
                        // Damaged on the way; the hub kept nothing of it: pause, then send it again.
                        throw Interrupted(reason: answer.refusal?.message ?? "chunk checksum mismatch")
                    case 404, 460:
                        // The hub discarded the upload (its whole file did not match): start it again.
                        created = nil
                        throw Interrupted(reason: answer.refusal?.message ?? "upload discarded")
                    default:
                        current = try expect(answer, UploadStateBody.self)
                        offset = current.offset
                    }
                    counters.backoff.succeeded()
                }
                progress(.uploading(done: upload.size, total: upload.size))
                if current.state == .refused {
                    files.clear()
                    throw StationSyncError.bundleRefused(current.message ?? "", returnBundleImported: false)
                }
                let result = current.result ?? MergeResultBody(outcome: "applied", bundleID: "", changes: 0, applied: 0, stale: 0,
                                                                duplicate: 0, conflicts: 0)
                progress(.merged(result))
                PrivateFile.remove(upload.path)
                return result
            } catch let error as StationSyncError {
                throw error
            } catch {
                try await pause(after: error, &counters, at: .uploading(done: offset, total: upload.size))
                // After a cut the hub may hold more than the last answer said: ask it.
                if let id = created?.id, let held = try? await heldOffset(id) { offset = held }
            }
        }
    }

    private func heldOffset(_ id: String) async throws -> Int64 {
        let answer = try await client.send(.HEAD, WirePath.upload(id))
        guard answer.status == 200, let text = answer.headers.first(name: "Upload-Offset"), let held = Int64(text) else {
            throw refusalOrInterruption(answer)
        }
        return held
    }

    // MARK: Download

    /// Asks for the return bundle (once per round) and downloads it, resuming with Range;
    /// returns the path of the whole, checked file.
    private func fetch(state: inout SyncState, _ counters: inout Counters) async throws(StationSyncError) -> String {
        while true {
            do {
                if state.download == nil {
                    let answer = try await client.send(.POST, WirePath.returns)
                    state.download = try expect(answer, ReturnBundleBody.self)
                    PrivateFile.remove(files.incoming)
                    try files.save(state)
                }
                let download = state.download!
                guard download.isWellFormed else {
                    state.download = nil
                    try files.save(state)
                    throw StationSyncError.unexpectedAnswer("the return bundle's id, checksum or file name is not one a hub writes")
                }
                try PrivateFile.makeFolder(files.incoming)
                let partial = files.partial(download)
                let have = PrivateFile.size(partial) ?? 0
                if have < download.size {
                    try await receive(download, into: partial, from: have, &counters)
                }
                guard PrivateFile.size(partial) == download.size, try PrivateFile.sha256(partial) == download.sha256 else {
                    // Damaged or longer than announced: start this download over.
                    PrivateFile.remove(partial)
                    throw Interrupted(reason: "the return bundle's SHA-256 did not match; downloading it again")
                }
                progress(.downloading(done: download.size, total: download.size))
                let named = (files.incoming as NSString).appendingPathComponent(download.name)
                guard rename(partial, named) == 0 || FileManager.default.fileExists(atPath: named) else {
                    throw StationSyncError.file("cannot rename \(partial)")
                }
                return named
            } catch let error as StationSyncError {
                if case let .hubAnswered(status, _) = error, status == 404 {
                    // The hub has written a newer return bundle since (or lost this one): ask again.
                    state.download = nil
                    try files.save(state)
                    continue
                }
                throw error
            } catch {
                let got = state.download.flatMap { PrivateFile.size(files.partial($0)) } ?? 0
                let total = state.download?.size ?? 0
                try await pause(after: error, &counters, at: .downloading(done: got, total: total))
            }
        }
    }

    /// Appends the file's bytes from `start` to `partial` as they arrive, synced in pieces,
    /// so a cut keeps everything received before it.
    private func receive(_ download: ReturnBundleBody, into partial: String, from start: Int64, _ counters: inout Counters) async throws {
        var pending: [UInt8] = []
        var done = start
        var received: Int64 = 0
        defer { counters.downloadBytesReceived += received }
        func flush() throws {
            guard !pending.isEmpty else { return }
            try PrivateFile.append(pending, to: partial)
            done += Int64(pending.count)
            pending.removeAll(keepingCapacity: true)
            progress(.downloading(done: done, total: download.size))
        }
        do {
            try await client.stream(WirePath.returnBundle(download.id), headers: [("Range", "bytes=\(start)-")], head: { status, _ in
                guard status == 206 || (status == 200 && start == 0) else {
                    // The hub busy or failing (503 hub-busy among them) is worth another try, as
                    // for every other request of the round; anything else is its answer.
                    if status >= 500 { throw Interrupted(reason: "HTTP \(status) while downloading the return bundle") }
                    throw StationSyncError.hubAnswered(status: status, "the return bundle could not be downloaded")
                }
            }, piece: { buffer in
                // Never more than the size the answer announced: what answered could send
                // without end, and every retry would append to the caseworker's disk.
                guard start + received + Int64(buffer.readableBytes) <= download.size else {
                    pending.removeAll()
                    throw StationSyncError.unexpectedAnswer("more bytes than the return bundle's announced size")
                }
                pending += buffer.readableBytesView
                received += Int64(buffer.readableBytes)
                if pending.count >= 256 * 1024 { try flush() }
            })
            try flush()
        } catch {
            try? flush()
            throw error
        }
    }

    // MARK: Answers and pauses

    /// A failure worth retrying: the link, a timeout, the hub busy or failing.
    struct Interrupted: Error { let reason: String }

    private func expect<T: Decodable>(_ answer: WireResponse, _ type: T.Type) throws -> T {
        guard answer.status == 200 else { throw refusalOrInterruption(answer) }
        guard let value = answer.decode(type) else { throw StationSyncError.unexpectedAnswer("a 200 answer whose body is not a \(type)") }
        return value
    }

    /// 5xx (503 `hub-busy` among them) and a nonce that expired while the link stalled are
    /// tried again; other refusals are final. A body the hub did not receive whole in time
    /// (408 `body-too-slow`) is final too: the same chunk on the same link would be as slow
    /// again, and the hub's message says to send smaller chunks.
    private func refusalOrInterruption(_ answer: WireResponse) -> Error {
        let message = answer.refusal?.message ?? "HTTP \(answer.status)"
        if answer.status >= 500 || answer.refusal?.error == "nonce-not-usable" { return Interrupted(reason: message) }
        return StationSyncError.hubAnswered(status: answer.status, message)
    }

    private func pause(after error: Error, _ counters: inout Counters, at position: RoundPosition) async throws(StationSyncError) {
        counters.interruptions += 1
        counters.lastProblem = (error as? Interrupted)?.reason ?? Self.describe(error)
        guard let pause = counters.backoff.nextPause(), pause > .zero else {
            throw .gaveUp(at: position, lastProblem: counters.lastProblem)
        }
        progress(.retrying(after: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18, problem: counters.lastProblem))
        try? await Task.sleep(for: pause)
    }

    /// A link failure in a few words (AsyncHTTPClient's and NIO's errors name no data).
    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? PrivateFile.Failure { return error.description }
        return String("\(error)".prefix(200))
    }
}
