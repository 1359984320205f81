import Crypto
import FieldSyncCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A free function, so that the C call is not shadowed by a method named `write`.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }

extension NodeFolder {
    /// The hub's county secret (``CountySecret``), beside `identity.json`; owner-only.
    public var countySecretPath: String { (path as NSString).appendingPathComponent("county-secret") }
}

/// The county's key for matching ID numbers without showing them: 32 random bytes in the
/// hub folder (`county-secret`, mode 0600), made when the hub is created or, for a hub
/// made by an older FieldSync, the first time duplicates are looked for. It never leaves
/// the hub: no bundle, notice or log carries it.
///
/// Why keyed: an ID number looks long but has little freedom (a known area code, a birth
/// date, a 3-digit sequence and a check digit): a county's people fit in a few hundred
/// million candidates, so a plain SHA-256 of a number could be reversed by trying them all
/// in minutes on a laptop. An HMAC under a secret nobody outside the hub holds cannot be
/// reversed, nor compared with a list of hashes made elsewhere. So the references shown
/// in `hub duplicates`, in notices and in logs say "the same person" and nothing more.
public struct CountySecret {
    /// The secret's length in bytes.
    public static let byteCount = 32
    /// HMAC-SHA256 with the secret already absorbed: each person's hash copies it and adds
    /// only the number (a county's duplicate scan hashes every member it holds).
    private let keyed: HMAC<SHA256>

    init(bytes: [UInt8]) { keyed = HMAC<SHA256>(key: SymmetricKey(data: bytes)) }

    /// The keyed hash of an ID number: HMAC-SHA256(secret, the number trimmed, with a
    /// lowercase x as X). Equal for the same person however the number was typed.
    public func personKey(idNumber: String) -> PersonKey {
        var mac = keyed
        mac.update(data: Self.normalized(idNumber))
        return PersonKey(bytes: Array(mac.finalize()))
    }

    /// The number trimmed of white space and upper-cased, as UTF-8. An ASCII number (every
    /// stored one: the service validates GB 11643) takes a byte loop; anything else goes
    /// through Foundation's Unicode trimming and case mapping, with the same result.
    static func normalized(_ idNumber: String) -> [UInt8] {
        let utf8 = Array(idNumber.utf8)
        guard utf8.allSatisfy({ $0 < 0x80 }) else {
            return Array(idNumber.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().utf8)
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return [] }
        return utf8[first...last].map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }
    }

    /// The secret of the hub in `folder`, made (32 random bytes, 0600) if it has none;
    /// `making` gives the bytes instead (a seeded sample county, whose every key is
    /// reproducible; never for a real county).
    ///
    /// Two commands on one hub may both find it missing: each writes a private temporary
    /// file and links it into place, which succeeds for one of them only, so both go on
    /// with the same secret. A file that is not exactly 32 bytes is refused, never replaced:
    /// a new secret would change every reference the stations have been told.
    static func loadOrCreate(in folder: NodeFolder, making given: [UInt8]? = nil) throws(SyncError) -> CountySecret {
        let path = folder.countySecretPath
        if !FileManager.default.fileExists(atPath: path) { try create(at: path, bytes: given) }
        let data = try InputFile.read(path, what: "county secret", limit: 4096)
        guard data.count == byteCount else {
            throw .countySecretUnusable(path: path, reason: "holds \(data.count) bytes instead of \(byteCount) (damaged or replaced)")
        }
        return CountySecret(bytes: Array(data))
    }

    /// Writes a new secret (`given`, or random bytes) to `path` unless one appeared meanwhile.
    private static func create(at path: String, bytes given: [UInt8]?) throws(SyncError) {
        var rng = SystemRandomNumberGenerator()
        let bytes = given ?? (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
        precondition(bytes.count == byteCount, "a county secret is \(byteCount) bytes")
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir as NSString).appendingPathComponent(".county-secret.\(UInt32.random(in: 0...UInt32.max)).tmp")
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot write the county secret in \(dir): \(String(cString: strerror(errno)))") }
        defer { unlink(tmp) }
        var failure: String?
        if fchmod(fd, 0o600) != 0 { failure = String(cString: strerror(errno)) }
        let written = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
        if failure == nil, written != byteCount { failure = written < 0 ? String(cString: strerror(errno)) : "short write" }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure { throw .io("cannot write the county secret \(path): \(failure)") }
        // link(2) refuses to replace an existing file: another command's secret stays.
        if link(tmp, path) != 0, errno != EEXIST {
            throw .io("cannot write the county secret \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// The keyed hash of one person's ID number (``CountySecret/personKey(idNumber:)``): what
/// duplicate matching compares. Its ``reference`` is what people and notices see.
public struct PersonKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// The first 12 hex digits (48 bits): enough to tell a county's groups apart, and,
    /// being a keyed hash, no clue to the number without the county secret.
    public var reference: String { Hex.encode(Array(bytes.prefix(6))) }

    public var description: String { reference }

    public static func < (a: PersonKey, b: PersonKey) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
