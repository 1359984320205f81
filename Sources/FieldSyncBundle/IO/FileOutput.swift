#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Free functions, so that the C calls are not shadowed by the methods of the same name.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// A new file written forward, created exclusively with mode 0600.
final class FileOutput {
    let path: String
    private var fd: Int32
    private(set) var written = 0

    /// Creates `path`; fails if it already exists.
    init(creating path: String) throws(BundleError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    func write(_ bytes: [UInt8]) throws(BundleError) {
        var done = 0
        while done < bytes.count {
            let fd = self.fd
            let n = bytes.withUnsafeBytes { raw in posixWrite(fd, raw.baseAddress! + done, raw.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        written += bytes.count
    }

    /// Flushes the file's data to the disk.
    func sync() throws(BundleError) {
        guard fsync(fd) == 0 else { throw .io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
    }

    func close() throws(BundleError) {
        guard fd >= 0 else { return }
        let rc = posixClose(fd)
        fd = -1
        guard rc == 0 else { throw .io(path: path, reason: "close failed: \(String(cString: strerror(errno)))") }
    }
}

/// Small file-system operations the writer needs.
enum FileSystem {
    static func remove(_ path: String) { _ = unlink(path) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func rename(_ from: String, to: String) throws(BundleError) {
        guard posixRename(from, to) == 0 else { throw .io(path: to, reason: "rename failed: \(String(cString: strerror(errno)))") }
    }

    /// Flushes a directory, so that a rename inside it survives a power cut.
    static func syncDirectory(_ path: String) throws(BundleError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, reason: "cannot open folder: \(String(cString: strerror(errno)))") }
        defer { _ = posixClose(fd) }
        guard fsync(fd) == 0 else { throw .io(path: path, reason: "fsync of folder failed: \(String(cString: strerror(errno)))") }
    }

    /// The folder and file name parts of a path.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
