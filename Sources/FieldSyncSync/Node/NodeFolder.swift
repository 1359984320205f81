import FieldSyncCore
import FieldSyncStore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A free function, so that the C call is not shadowed by `AtomicFile.write`.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }
import Logging

/// The files of one replica's folder: `replica.sqlite` (the case data and sync metadata)
/// and `identity.json` (the replica's private keys, readable by its owner only).
public struct NodeFolder: Sendable {
    public let path: String

    static let logger = Logger(label: "fieldsync.replica")

    public init(_ path: String) { self.path = path }

    public var replicaPath: String { (path as NSString).appendingPathComponent("replica.sqlite") }
    public var identityPath: String { (path as NSString).appendingPathComponent("identity.json") }

    public var exists: Bool {
        FileManager.default.fileExists(atPath: replicaPath) || FileManager.default.fileExists(atPath: identityPath)
    }

    /// Opens the identity and replica of an existing folder of the given role; a sealed
    /// identity needs its `passphrase`.
    public func open(as role: ReplicaRole, schema: Schema, wallClock: @escaping WallClock,
                     passphrase: Passphrase? = nil) throws(SyncError) -> (NodeIdentity, Replica) {
        guard FileManager.default.fileExists(atPath: identityPath),
              FileManager.default.fileExists(atPath: replicaPath) else { throw .notAFolderOfThisKind(path, expected: role) }
        // The role is checked first, so that a hub folder given as a station's is named as such
        // before a passphrase is asked for.
        guard try NodeIdentity.card(at: identityPath).role == role else { throw .notAFolderOfThisKind(path, expected: role) }
        let identity = try NodeIdentity.load(from: identityPath, passphrase: passphrase)
        guard identity.role == role else { throw .notAFolderOfThisKind(path, expected: role) }
        // Replicas made by an older FieldSync were readable by every local user.
        ReplicaFile.restrictToOwner(replicaPath)
        let replica: Replica
        do { replica = try Replica.open(at: replicaPath, schema: schema, wallClock: wallClock) } catch { throw .store(error) }
        if let old = replica.upgradedFromVersion {
            Self.logger.notice("replica upgraded", metadata: [
                "from": "\(old)", "to": "\(schema.version)", "backup": "\(Replica.backupPath(of: replicaPath, version: old))",
            ])
        }
        return (identity, replica)
    }

    /// Creates the folder (and parents) if needed.
    public func create() throws(SyncError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create folder \(path): \(error.localizedDescription)")
        }
    }
}

/// Writes small files (identities, requests, enrollments) atomically: a temporary file in the
/// same folder, then a rename, so a crash never leaves half a key file.
///
/// A private file (`identity.json`) is created with mode 0600 before its first byte is
/// written; other files get 0644 (less the umask): they hold public keys and names only.
enum AtomicFile {
    static func write(_ data: Data, to path: String, privateToOwner: Bool = false) throws(SyncError) {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = ((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let mode: mode_t = privateToOwner ? 0o600 : 0o644
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io("cannot write \(path): \(String(cString: strerror(errno)))") }
        var failure: String?
        if privateToOwner, fchmod(fd, 0o600) != 0 { failure = String(cString: strerror(errno)) }
        data.withUnsafeBytes { raw in
            var done = 0
            while failure == nil, done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                } else {
                    done += n
                }
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(tmp, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(tmp)
            throw .io("cannot write \(path): \(failure)")
        }
    }

    /// Reads a small input file (request, enrollment, key file) whole, refusing what is
    /// not a regular file or is larger than `limit` bytes before reading it all.
    static func read(_ path: String, what: String, limit: Int = InputFile.smallFileLimit) throws(SyncError) -> Data {
        try InputFile.read(path, what: what, limit: limit)
    }
}

/// JSON with sorted keys, so files are stable and diffable.
enum JSON {
    static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data()
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(SyncError) -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch let error as Swift.DecodingError {
            let reason: String
            switch error {
            case let .keyNotFound(key, _): reason = "the field \(key.stringValue) is missing"
            case let .typeMismatch(_, context), let .valueNotFound(_, context):
                reason = "the field \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
            case .dataCorrupted: reason = "it is not JSON (damaged, or another kind of file)"
            @unknown default: reason = "it cannot be read"
            }
            throw .invalidInput("\(what) is not a valid FieldSync file: \(reason).")
        } catch {
            throw .invalidInput("\(what) is not a valid FieldSync file.")
        }
    }
}
