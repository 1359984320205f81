#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The advisory lock `fieldsync hub serve` holds on `serve.lock` in the hub folder while it
/// runs, and `fieldsync hub ui` on `desk.lock` (flock, exclusive). The kernel releases it
/// when the process exits, crash or not, so a stale file never blocks anything. `hub
/// rotate-key` refuses while either is held: a server or a desk keeps the identity it
/// loaded, and would go on signing and opening with the old keys. The two are separate
/// files, so the desk and the server may run side by side (their merges are serialized by
/// SQLite, as two `hub merge` commands are), but never two of one kind.
public final class HubServeLock: @unchecked Sendable {
    /// Who holds a lock: the HTTP service or the review desk.
    public enum Holder: String, Sendable, CaseIterable {
        case serve, desk
        public var fileName: String { "\(rawValue).lock" }
    }

    public static let fileName = Holder.serve.fileName
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { release() }

    /// Takes the lock for `folder`; nil when another process (or another holder) has it.
    public static func acquire(folder: NodeFolder, for holder: Holder = .serve) throws(SyncError) -> HubServeLock? {
        let path = (folder.path as NSString).appendingPathComponent(holder.fileName)
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
        try holder(folder: folder) != nil
    }

    /// Which of the server and the desk holds its lock on `folder` now, if either.
    public static func holder(folder: NodeFolder) throws(SyncError) -> Holder? {
        for holder in Holder.allCases {
            guard let lock = try acquire(folder: folder, for: holder) else { return holder }
            lock.release()
        }
        return nil
    }

    private var released = false
    public func release() {
        guard !released else { return }
        released = true
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
