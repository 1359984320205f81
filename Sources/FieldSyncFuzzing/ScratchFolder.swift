#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
#endif
import Foundation

/// One private folder per process where a harness writes its input as a file: the readers
/// under test take paths (they stream bounded buffers from disk), so the harness feeds
/// them the way the program does. It is in memory (`/dev/shm`) where the machine has it,
/// and removed at exit.
final class ScratchFolder: Sendable {
    static let shared = ScratchFolder()

    let path: String

    private init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array("\(base)/fieldsync-fuzz-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("cannot create a scratch folder in \(base)") }
        path = String(cString: made)
        atexit { ScratchFolder.removeShared() }
    }

    private static func removeShared() { try? FileManager.default.removeItem(atPath: shared.path) }

    /// Writes `bytes` to `name` in the folder, replacing what was there, and returns its path.
    func write(_ bytes: [UInt8], as name: String) -> String {
        let file = path + "/" + name
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("cannot write the scratch file \(file)") }
        defer { close(fd) }
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                guard n > 0 else { fatalError("cannot write the scratch file \(file)") }
                done += n
            }
        }
        return file
    }

    /// A path in the folder for a file the code under test writes itself (it must not exist).
    func fresh(_ name: String) -> String {
        let file = path + "/" + name
        unlink(file)
        return file
    }
}
