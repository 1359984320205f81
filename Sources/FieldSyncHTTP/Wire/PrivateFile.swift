import Crypto
import FieldSyncCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations both sides of the HTTP sync need, each durable before it returns
/// (fsync) and readable by the owner only (0600): partial uploads at the hub, partial
/// downloads and the resume state at the station are bundle bytes and sync bookkeeping.
public enum PrivateFile {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case io(path: String, reason: String)
        public var description: String {
            switch self {
            case let .io(path, reason): "文件读写失败 / cannot read or write \(path): \(reason)"
            }
        }
    }

    /// Creates `path` (a folder, and its parents) readable by the owner only.
    public static func makeFolder(_ path: String) throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch { throw .io(path: path, reason: "\(error.localizedDescription)") }
    }

    /// Appends `bytes` to `path` (created 0600 if missing) and syncs it to disk.
    public static func append(_ bytes: some Collection<UInt8>, to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let data = Array(bytes)
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + done, data.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: String(cString: strerror(errno)))
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes `data` to `path` whole or not at all (a temporary file, fsync, rename), 0600.
    public static func replace(_ path: String, with data: Data) throws(Failure) {
        let tmp = path + ".tmp"
        unlink(tmp)
        try append(data, to: tmp)
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw .io(path: path, reason: reason)
        }
    }

    /// The file's size in bytes, or nil if there is no such file.
    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// SHA-256 of the file, read in 1 MiB pieces, as 64 lowercase hex digits.
    public static func sha256(_ path: String) throws(Failure) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty { hasher.update(data: piece) }
        } catch { throw .io(path: path, reason: "\(error.localizedDescription)") }
        return Hex.encode(Array(hasher.finalize()))
    }

    /// `count` bytes of the file from `offset` (fewer at its end).
    public static func read(_ path: String, offset: Int64, count: Int) throws(Failure) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            return Array(try handle.read(upToCount: count) ?? Data())
        } catch { throw .io(path: path, reason: "\(error.localizedDescription)") }
    }

    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
