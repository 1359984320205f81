import ArgumentParser
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation

/// Runs a command body, turning library errors (sync and casework) into one human line on
/// standard error and exit status 1. Libraries guarantee that a failed command left the
/// replica as it was, and their messages never repeat a personal value.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SyncError {
        FileHandle.standardError.write(Data("fieldsync: 错误 error: \(error)\n".utf8))
        throw ExitCode(1)
    } catch let error as CaseworkError {
        FileHandle.standardError.write(Data("fieldsync: 错误 error: \(error)\n".utf8))
        throw ExitCode(1)
    } catch let error as StoreError {
        FileHandle.standardError.write(Data("fieldsync: 错误 error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

enum ProcessEnvironment {
    static func value(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
}

/// A line of progress on standard error, redrawn in place on a terminal and silent when
/// the output is a file or pipe (so scripts and logs stay clean).
struct Progress {
    let enabled = isatty(STDERR_FILENO) == 1

    func update(_ done: Int, _ total: Int, _ what: String) {
        guard enabled else { return }
        let width = 24
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(bar) \(done)/\(total) \(what)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Prints an `Encodable` as pretty JSON with sorted keys on standard output.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

/// The `--json` flag shared by every command a script might read.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON on standard output.")
    var json = false
}
