#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FieldSyncCore
import Foundation

/// The advisory lock one sync round holds on `sync.lock` in the station folder (flock,
/// exclusive), so that a round started from the workbench and one from `station sync` (or
/// from a second tab) never run at once: they share the round's state and its partial
/// download, and one's end would remove what the other is sending. The kernel releases it
/// when the process exits, crash or not. Outside `sync/`, which a finished round removes.
final class SyncRoundLock: @unchecked Sendable {
    static let fileName = "sync.lock"
    private let descriptor: Int32
    private var released = false

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { release() }

    /// Takes the lock for the station folder `station`, or refuses saying a round is running.
    static func acquire(station: String) throws(StationSyncError) -> SyncRoundLock {
        let path = (station as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .file("cannot open \(path.escapingControlCharacters): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .roundRunning
        }
        return SyncRoundLock(descriptor: fd)
    }

    func release() {
        guard !released else { return }
        released = true
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
