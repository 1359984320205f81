import FieldSyncCore
import FieldSyncStore
import Foundation
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

    /// Opens the identity and replica of an existing folder of the given role.
    public func open(as role: ReplicaRole, schema: Schema, wallClock: @escaping WallClock) throws(SyncError) -> (NodeIdentity, Replica) {
        guard FileManager.default.fileExists(atPath: identityPath),
              FileManager.default.fileExists(atPath: replicaPath) else { throw .notAFolderOfThisKind(path, expected: role) }
        let identity = try NodeIdentity.load(from: identityPath)
        guard identity.role == role else { throw .notAFolderOfThisKind(path, expected: role) }
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
enum AtomicFile {
    static func write(_ data: Data, to path: String, privateToOwner: Bool = false) throws(SyncError) {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = ((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            let attributes: [FileAttributeKey: Any]? = privateToOwner ? [.posixPermissions: 0o600] : nil
            guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: attributes) else {
                throw SyncError.io("cannot write \(path)")
            }
            if FileManager.default.fileExists(atPath: path) { _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: path), withItemAt: URL(fileURLWithPath: tmp)) }
            else { try FileManager.default.moveItem(atPath: tmp, toPath: path) }
        } catch let error as SyncError {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func read(_ path: String, what: String) throws(SyncError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io("cannot read \(what) \(path): no such file, or not readable")
        }
        return data
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
