#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How a replica file is created and shared on disk: private to its owner from the first
/// byte, and waited for, within bounds, when another process is writing it.
///
/// The file holds ID numbers and incomes, so it is created with mode 0600 before SQLite
/// opens it; SQLite gives its `-wal` and `-shm` files the mode of the database file.
public enum ReplicaFile {
    /// How long a write waits for another process's write transaction on the same file
    /// before it gives up with ``StoreError/busy`` (nothing written): 10 seconds, or the
    /// number of seconds in `FIELDSYNC_BUSY_TIMEOUT` (tests shorten it).
    public static var busyTimeout: TimeInterval {
        if let text = ProcessInfo.processInfo.environment["FIELDSYNC_BUSY_TIMEOUT"], let seconds = Double(text), seconds >= 0 {
            return seconds
        }
        return 10
    }

    /// Creates an empty file at `path` readable and writable by its owner only; refuses
    /// (``StoreError/fileExists(path:)``) if anything is there already.
    static func createPrivate(at path: String) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .fileExists(path: path) }
            throw .database(message: "cannot create \(path): \(String(cString: strerror(errno)))", code: 0)
        }
        // The umask may only remove bits; make sure none were left for group or others.
        _ = fchmod(fd, 0o600)
        close(fd)
    }

    /// Removes group and other permissions from an existing replica file and the files
    /// SQLite keeps beside it (written by an older FieldSync with mode 0644). Returns the
    /// paths that were changed.
    @discardableResult
    public static func restrictToOwner(_ path: String) -> [String] {
        var changed: [String] = []
        for file in [path, path + "-wal", path + "-shm"] {
            var st = stat()
            guard lstat(file, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 else { continue }
            if chmod(file, st.st_mode & 0o700) == 0 { changed.append(file) }
        }
        return changed
    }
}
