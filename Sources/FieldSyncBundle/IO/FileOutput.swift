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
        // Held until the file is closed (or the process dies): a later run tells a partial
        // file being written now from one left by a killed export by trying this lock.
        _ = flock(fd, LOCK_EX | LOCK_NB)
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

    /// Removes the hidden partial files a killed bundle writer left in `folder`
    /// (`.NAME.fsb.TAG.partial`, `.NAME.fsb.TAG.body.partial`); a partial file whose
    /// writer is still running holds a lock on it and is left alone. Returns the names removed.
    static func removeStalePartialFiles(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if isPartialBundleName(name) { names.append(name) }
        }
        closedir(dir)
        var removed: [String] = []
        for name in names {
            let path = "\(folder)/\(name)"
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0, unlink(path) == 0 { removed.append(name) }
            _ = posixClose(fd)
        }
        return removed.sorted()
    }

    /// Whether `name` is a hidden partial file of ``BundleWriter``: `.` + a bundle file
    /// name + `.` + 12 hex digits + `.partial` or `.body.partial`.
    static func isPartialBundleName(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".partial") else { return false }
        var rest = name.dropFirst().dropLast(".partial".count)
        if rest.hasSuffix(".body") { rest = rest.dropLast(".body".count) }
        guard let dot = rest.lastIndex(of: ".") else { return false }
        let tag = rest[rest.index(after: dot)...]
        let file = rest[..<dot]
        return tag.count == 12 && tag.allSatisfy(\.isHexDigit) && file.lowercased().hasSuffix(".fsb")
    }

    /// The folder and file name parts of a path.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
