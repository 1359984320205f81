import FieldSyncCore
import Foundation

/// `POST /v1/nonce` → a single-use nonce, valid for `expiresInSeconds` on the hub's clock.
public struct NonceBody: Codable, Sendable, Equatable {
    public var nonce: String
    public var expiresInSeconds: Int
    public init(nonce: String, expiresInSeconds: Int) {
        self.nonce = nonce
        self.expiresInSeconds = expiresInSeconds
    }
}

/// `POST /v1/uploads`: the whole bundle's size and SHA-256 (hex), and its file name (which
/// by the bundle format's naming carries no personal data; it names the file in the hub's
/// messages and log).
public struct UploadCreateBody: Codable, Sendable, Equatable {
    public var size: Int64
    public var sha256: String
    public var name: String
    public init(size: Int64, sha256: String, name: String) {
        self.size = size
        self.sha256 = sha256
        self.name = name
    }
}

/// An upload as the hub holds it: how far it has come and, once whole, what the merge did.
public struct UploadStateBody: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Bytes are still arriving; `offset` says how many the hub holds.
        case receiving
        /// The bundle was merged (or had been merged before): see `result`.
        case merged
        /// The hub refused the bundle; `message` says why and what to do. Sending it again changes nothing.
        case refused
    }
    public var id: String
    public var size: Int64
    public var offset: Int64
    public var state: State
    public var result: MergeResultBody?
    public var message: String?
    public init(id: String, size: Int64, offset: Int64, state: State, result: MergeResultBody? = nil, message: String? = nil) {
        self.id = id
        self.size = size
        self.offset = offset
        self.state = state
        self.result = result
        self.message = message
    }
}

/// What merging one uploaded bundle did (``ImportResult`` in wire form): counts only.
public struct MergeResultBody: Codable, Sendable, Equatable {
    /// `applied` or `alreadyImported`.
    public var outcome: String
    public var bundleID: String
    public var changes: Int
    public var applied: Int
    public var stale: Int
    public var duplicate: Int
    public var conflicts: Int
    public init(outcome: String, bundleID: String, changes: Int, applied: Int, stale: Int, duplicate: Int, conflicts: Int) {
        self.outcome = outcome
        self.bundleID = bundleID
        self.changes = changes
        self.applied = applied
        self.stale = stale
        self.duplicate = duplicate
        self.conflicts = conflicts
    }
}

/// `POST /v1/returns` → the return bundle the hub wrote for the signing station.
public struct ReturnBundleBody: Codable, Sendable, Equatable {
    public var id: String
    public var size: Int64
    public var sha256: String
    public var name: String
    public init(id: String, size: Int64, sha256: String, name: String) {
        self.id = id
        self.size = size
        self.sha256 = sha256
        self.name = name
    }

    /// Whether the description is one a hub writes: `id` 32 and `sha256` 64 lowercase hex
    /// digits, and `name` a plain `.fsb` file name. A station names files by `id` and `name`
    /// in its own folder, and the link is plain HTTP: a name such as `../../.profile` from
    /// whoever answers would otherwise put a file outside it.
    public var isWellFormed: Bool {
        func hex(_ s: String, _ count: Int) -> Bool {
            s.utf8.count == count && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        let plainName = !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".") && name.lowercased().hasSuffix(".fsb")
            && !name.contains("/") && !name.contains("\\")
            && !name.holdsControlCharacter
        return hex(id, 32) && hex(sha256, 64) && (0...Self.maxSize).contains(size) && plainName
    }

    /// The largest return bundle a station downloads (1 GiB, as large as a hub takes an
    /// upload): whoever answers could announce any size, and the download lands on the
    /// caseworker's disk.
    public static let maxSize: Int64 = 1 << 30
}

/// Every refusal's body: a stable code for scripts and a message in Chinese and English.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public var message: String
    public init(error: String, message: String) {
        self.error = error
        self.message = message
    }
}

/// One JSON style on the wire: sorted keys, so bodies are stable.
public enum WireJSON {
    public static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data()
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>) -> T? {
        try? JSONDecoder().decode(type, from: Data(data))
    }
}
