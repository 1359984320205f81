import Crypto
import FieldSyncCore
import FieldSyncSync
import Foundation
import Logging

/// The hub's resumable uploads (tus's model: an offset, and a checksum per chunk), kept
/// under `HUB/uploads/<id>/` so that a hub restarted mid-upload resumes where it was.
///
/// An upload's id is derived from the station and the bundle's SHA-256, so a station that
/// lost every answer and creates it again gets the same upload and its offset. Once the
/// last chunk is in and the whole file's SHA-256 matches, the bundle is merged and the
/// outcome recorded with the upload: a completed upload retried, or asked for again, is
/// answered from that record and never merged twice (and the hub's own bundle-id log
/// catches a merge repeated after a crash between the two).
///
/// One enrolled station must not be able to fill the hub's disk: a declared size is capped
/// (`maxBundleBytes`), a station holds at most `maxOpenPerStation` unfinished uploads (one
/// more is refused 429 until one finishes or expires), an unfinished upload older than
/// `unfinishedLifetime` on the hub's clock is deleted when any upload is next created, and a
/// finished upload's bytes are deleted once its outcome is recorded (only `meta.json`, a few
/// hundred bytes, stays, so a retried last chunk still gets the recorded answer).
///
/// Every method blocks on disk and the hub: call them on the ``HubWorker`` only.
public struct UploadStore: Sendable {
    public let root: String
    public let maxBundleBytes: Int64
    public let maxOpenPerStation: Int
    public let unfinishedLifetime: Duration
    static let logger = Logger(label: "fieldsync.http.uploads")

    public init(hubFolder: String, maxBundleBytes: Int64, maxOpenPerStation: Int, unfinishedLifetime: Duration) {
        self.root = (hubFolder as NSString).appendingPathComponent("uploads")
        self.maxBundleBytes = maxBundleBytes
        self.maxOpenPerStation = maxOpenPerStation
        self.unfinishedLifetime = unfinishedLifetime
    }

    /// What the hub records of one upload (`meta.json`), beside its bytes.
    struct Record: Codable {
        var station: String
        var size: Int64
        var sha256: String
        var name: String
        var state: UploadStateBody.State
        var result: MergeResultBody?
        var message: String?
        /// When the hub created it (its wall clock, ms since 1970), for expiring it unfinished.
        var createdAtMillis: UInt64?
    }

    /// The upload's id: the first 32 hex digits of SHA-256("fieldsync-upload-v1\n" + station hex + "\n" + bundle SHA-256 hex).
    public static func uploadID(station: SiteID, sha256: String) -> String {
        String(Hex.encode(Array(SHA256.hash(data: Array("fieldsync-upload-v1\n\(station.hex)\n\(sha256)".utf8)))).prefix(32))
    }

    /// Checks `body` again whoever calls: its name becomes a file name under ``root``.
    public func create(for station: SiteID, _ unchecked: UploadCreateBody) throws(HTTPRefusal) -> UploadStateBody {
        let body = try unchecked.checked(maxBundleBytes: maxBundleBytes)
        let sha = body.sha256
        let id = Self.uploadID(station: station, sha256: sha)
        let now = Self.nowMillis()
        sweepExpired(now: now)
        if let record = try? load(id) { return state(id, record) }
        let open = unfinished().filter { $0.record.station == station.hex }.count
        guard open < maxOpenPerStation else { throw .tooManyOpenUploads(limit: maxOpenPerStation) }
        do {
            try PrivateFile.makeFolder(folder(id))
            try PrivateFile.replace(metaPath(id), with: WireJSON.encode(Record(station: station.hex, size: body.size, sha256: sha,
                                                                                 name: body.name, state: .receiving, createdAtMillis: now)))
        } catch { throw .hubFailure(error.description) }
        Self.logger.info("upload created", metadata: ["upload": "\(id)", "station": "\(station.short)", "bytes": "\(body.size)"])
        return UploadStateBody(id: id, size: body.size, offset: 0, state: .receiving)
    }

    /// The upload as it stands, for the station that created it (any other gets not-found).
    public func state(of id: String, for station: SiteID) throws(HTTPRefusal) -> UploadStateBody {
        state(id, try owned(id, by: station))
    }

    /// Appends one chunk at `offset` after checking where the upload stands and the chunk's
    /// checksum; a chunk that completes the file is merged before this returns.
    public func append(_ chunk: [UInt8], at offset: Int64, checksum: [UInt8], to id: String, for station: SiteID,
                       worker hub: Hub) throws(HTTPRefusal) -> UploadStateBody {
        let record = try owned(id, by: station)
        guard record.state == .receiving else { return state(id, record) }
        let held = self.held(id, record)
        guard offset == held else { throw .offsetMismatch(expected: held, given: offset) }
        guard Array(SHA256.hash(data: chunk)) == checksum else { throw .chunkChecksumMismatch }
        guard held + Int64(chunk.count) <= record.size else {
            throw .malformedBody("the chunk runs past the upload's declared size of \(record.size) bytes")
        }
        do { try PrivateFile.append(chunk, to: partPath(id)) } catch { throw .hubFailure(error.description) }
        return try completeIfWhole(id, record, hub: hub)
    }

    /// Merges the upload once all its bytes are in; otherwise reports how far it is.
    func completeIfWhole(_ id: String, _ record: Record, hub: Hub) throws(HTTPRefusal) -> UploadStateBody {
        guard record.state == .receiving, held(id, record) == record.size else { return state(id, record) }
        let bundle = bundlePath(id, record)
        // A hub stopped between the rename and the record finds the whole bundle already
        // checked and named: it merges it now (the bundle-id log makes that safe).
        if PrivateFile.size(bundle) == nil {
            let whole: String
            do { whole = try PrivateFile.sha256(partPath(id)) } catch { throw .hubFailure(error.description) }
            guard whole == record.sha256 else {
                // The id is bound to the declared digest: these bytes can never complete it.
                PrivateFile.remove(folder(id))
                Self.logger.warning("upload discarded: whole-file checksum mismatch", metadata: ["upload": "\(id)"])
                throw .bundleChecksumMismatch
            }
            guard rename(partPath(id), bundle) == 0 else { throw .hubFailure("cannot rename the upload of \(record.name)") }
        }
        var done = record
        do {
            let result = try hub.merge(bundleAt: bundle)
            done.state = .merged
            done.result = MergeResultBody(result)
            Self.logger.info("upload merged", metadata: ["upload": "\(id)", "bundle": "\(record.name)", "outcome": "\(result.outcome.rawValue)"])
        } catch {
            done.state = .refused
            done.message = error.description
            Self.logger.warning("upload refused", metadata: ["upload": "\(id)", "bundle": "\(record.name)"])
        }
        do { try PrivateFile.replace(metaPath(id), with: WireJSON.encode(done)) } catch { throw .hubFailure(error.description) }
        // The outcome is recorded: the bytes are no longer needed to answer a retry.
        PrivateFile.remove(bundle)
        PrivateFile.remove(partPath(id))
        return state(id, done)
    }

    /// Every upload still receiving, with its id.
    private func unfinished() -> [(id: String, record: Record)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter(Self.isID).compactMap { id in
            guard let record = try? load(id), record.state == .receiving else { return nil }
            return (id, record)
        }
    }

    /// Deletes unfinished uploads created more than `unfinishedLifetime` ago (a record
    /// without a creation time is from before expiry existed, so it is old enough).
    private func sweepExpired(now: UInt64) {
        let lifetime = unfinishedLifetime.wholeMilliseconds
        for (id, record) in unfinished() where (record.createdAtMillis ?? 0) + lifetime < now {
            PrivateFile.remove(folder(id))
            Self.logger.info("unfinished upload expired", metadata: ["upload": "\(id)"])
        }
    }

    private static func nowMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    private func owned(_ id: String, by station: SiteID) throws(HTTPRefusal) -> Record {
        guard Self.isID(id), let record = try? load(id), record.station == station.hex else { throw .notFound(what: "upload \(id)") }
        return record
    }

    private func state(_ id: String, _ record: Record) -> UploadStateBody {
        let offset = record.state == .receiving ? held(id, record) : record.size
        return UploadStateBody(id: id, size: record.size, offset: offset, state: record.state, result: record.result, message: record.message)
    }

    /// The bytes the hub holds of an upload: the partial file, or all of them once renamed to the bundle's name.
    private func held(_ id: String, _ record: Record) -> Int64 {
        PrivateFile.size(bundlePath(id, record)) ?? PrivateFile.size(partPath(id)) ?? 0
    }

    private func load(_ id: String) throws -> Record {
        guard let record = WireJSON.decode(Record.self, from: try Data(contentsOf: URL(fileURLWithPath: metaPath(id)))) else {
            throw PrivateFile.Failure.io(path: metaPath(id), reason: "not an upload record")
        }
        return record
    }

    private func folder(_ id: String) -> String { (root as NSString).appendingPathComponent(id) }
    private func metaPath(_ id: String) -> String { (folder(id) as NSString).appendingPathComponent("meta.json") }
    private func partPath(_ id: String) -> String { (folder(id) as NSString).appendingPathComponent("bundle.part") }
    private func bundlePath(_ id: String, _ record: Record) -> String { (folder(id) as NSString).appendingPathComponent(record.name) }

    static func isID(_ id: String) -> Bool { id.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }
}

extension MergeResultBody {
    init(_ result: ImportResult) {
        self.init(outcome: result.outcome.rawValue, bundleID: result.header.bundleID.hex, changes: result.header.totalChanges,
                  applied: result.report.applied, stale: result.report.stale, duplicate: result.report.duplicate,
                  conflicts: result.report.conflicts)
    }
}
