#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read forward through a fixed 64 KiB buffer.
///
/// Every read names how many bytes it needs; the caller checks sizes against the format's
/// limits before asking, so nothing is ever allocated from an unchecked size.
final class FileInput {
    let path: String
    let size: Int
    private let fd: Int32
    private var buffer: [UInt8]
    private var bufferStart = 0
    private var bufferEnd = 0
    private var bufferFill = 0
    /// The offset of the next byte `read` returns.
    private(set) var position = 0

    init(path: String) throws(BundleError) {
        self.path = path
        // Non-blocking, so that a FIFO given by mistake is refused below instead of
        // waiting forever for a writer; regular files ignore the flag.
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .io(path: path, reason: "cannot stat: \(reason)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .io(path: path, reason: "not a regular file (\(FileKind.describe(st.st_mode))); give the path of a .fsb bundle file")
        }
        size = Int(st.st_size)
        buffer = [UInt8](repeating: 0, count: 64 * 1024)
    }

    deinit { close(fd) }

    /// Moves to `offset`.
    func seek(to offset: Int) {
        position = offset
        if offset < bufferStart || offset > bufferStart + bufferFill {
            bufferStart = offset
            bufferFill = 0
        }
    }

    /// Exactly `count` bytes from the current position, or nil if the file ends first.
    func read(_ count: Int) throws(BundleError) -> [UInt8]? {
        precondition(count >= 0)
        guard count <= size - position else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            if position >= bufferStart + bufferFill { try refill() }
            let available = bufferStart + bufferFill - position
            guard available > 0 else { return nil }
            let n = min(available, count - out.count)
            let from = position - bufferStart
            out.append(contentsOf: buffer[from..<from + n])
            position += n
        }
        return out
    }

    /// Calls `body` with consecutive pieces of the `count` bytes from the current position.
    func stream(_ count: Int, _ body: (ArraySlice<UInt8>) -> Void) throws(BundleError) -> Bool {
        guard count <= size - position else { return false }
        var left = count
        while left > 0 {
            if position >= bufferStart + bufferFill { try refill() }
            let available = bufferStart + bufferFill - position
            guard available > 0 else { return false }
            let n = min(available, left)
            let from = position - bufferStart
            body(buffer[from..<from + n])
            position += n
            left -= n
        }
        return true
    }

    private func refill() throws(BundleError) {
        bufferStart = position
        bufferFill = 0
        let capacity = buffer.count
        let fd = self.fd
        let offset = position
        let got = buffer.withUnsafeMutableBytes { raw in
            var n: Int
            repeat { n = pread(fd, raw.baseAddress, capacity, off_t(offset)) } while n < 0 && errno == EINTR
            return n
        }
        guard got >= 0 else { throw .io(path: path, reason: "read failed: \(String(cString: strerror(errno)))") }
        bufferFill = got
    }
}
