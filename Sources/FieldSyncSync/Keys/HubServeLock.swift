#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The advisory lock `fieldsync hub serve` holds on `serve.lock` in the hub folder while it
/// runs (flock, exclusive). The kernel releases it when the process exits, crash or not, so
/// a stale file never blocks anything. `hub rotate-key` refuses while it is held: a server
/// keeps the identity it loaded, and would go on signing and opening with the old keys.
public final class HubServeLock: @unchecked Sendable {
    public static let fileName = "serve.lock"
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { release() }

    /// Takes the lock for `folder`; nil when another process (or another holder) has it.
    public static func acquire(folder: NodeFolder) throws(SyncError) -> HubServeLock? {
        let path = (folder.path as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .invalidInput("无法打开 \(path) / cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return HubServeLock(descriptor: fd)
    }

    /// Whether `hub serve` (or another holder) is serving the hub in `folder` now.
    public static func isHeld(folder: NodeFolder) throws(SyncError) -> Bool {
        guard let lock = try acquire(folder: folder) else { return true }
        lock.release()
        return false
    }

    private var released = false
    public func release() {
        guard !released else { return }
        released = true
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
