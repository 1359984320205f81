import FieldSyncBundle
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A free function, so that the C call is not shadowed by `InputFile.read`.
private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }

/// Reads the small files a person hands the program (enrollment requests, enrollments,
/// key files) with a size cap, so a wrong or hostile file is refused before it is parsed.
public enum InputFile {
    /// The largest request, enrollment or key file read: they are well under 2 KB.
    public static let smallFileLimit = 64 * 1024

    /// The whole file at `path`; refuses a missing file, something that is not a regular
    /// file (a folder, pipe, device; a symbolic link to a regular file is fine) and a file
    /// over `limit` bytes, naming `what` it should have been.
    public static func read(_ path: String, what: String, limit: Int = smallFileLimit) throws(SyncError) -> Data {
        // Non-blocking, so that a pipe is refused instead of waiting for a writer.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw .io("cannot read \(what) \(path): \(reason)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw .invalidInput("\(path) is \(FileKind.describe(st.st_mode)), not the \(what) file; give the path of the file itself")
        }
        guard Int(st.st_size) <= limit else {
            throw .invalidInput("\(path) is too large (\(st.st_size) bytes) to be a FieldSync \(what): those are at most \(limit) bytes; check that it is the right file")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .io("cannot read \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            // The file may grow after fstat: the cap holds whatever was measured.
            guard data.count <= limit else {
                throw .invalidInput("\(path) is too large (over \(limit) bytes) to be a FieldSync \(what); check that it is the right file")
            }
        }
        return data
    }

}
