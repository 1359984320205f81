import FieldSyncFuzzing
import Foundation

// Two programs from one file. Built with `-sanitize=fuzzer -parse-as-library -DFUZZING`
// (Fuzz/run.sh), it is libFuzzer's driver calling the entry point below with each input.
// Built normally, it is a small command to replay inputs and write the seed corpora, so
// that `swift build` links it like any other target. No statement stands at the top level
// (not even in the branch compiled out): under -parse-as-library the parser refuses them.

#if FUZZING

/// The target named by FIELDSYNC_FUZZ_TARGET, read once.
private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FIELDSYNC_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        FileHandle.standardError.write(Data("set FIELDSYNC_FUZZ_TARGET=\(names) (got \"\(name)\")\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = selectedTarget.run(bytes)
    return 0
}

/// libFuzzer's driver, which its own `main` would call: SwiftPM points an executable's
/// `main` at the module's entry point (`@main` below), so the entry point starts the driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                             _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
enum FuzzDriver {
    static func main() {
        _ = selectedTarget
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}

#else

/// The command built without FUZZING: replays inputs through a harness and writes the
/// seed corpora.
@main
enum FuzzCommand {
    static let usage = """
        USAGE: fieldsync-fuzz replay <target> <file-or-folder>...
               fieldsync-fuzz seed <corpus-folder> [--vectors <folder>]

        replay  Runs each file (each file of each folder) through the harness of <target> and
                prints whether it was accepted or refused; a crash stops the program, as under
                the fuzzer. Targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")).
        seed    Writes the seed corpora to <corpus-folder>/<target>/ from the test vectors
                (default Protocol/vectors) and from files the program writes with fixed keys.

        The fuzzer itself is this target built with -sanitize=fuzzer -DFUZZING: see Fuzz/run.sh.

        Examples:
          fieldsync-fuzz replay bundle Fuzz/corpus/bundle Fuzz/regressions/bundle
          fieldsync-fuzz seed Fuzz/corpus
        """

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.isEmpty || arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            exit(arguments.isEmpty ? 64 : 0)
        }
        switch arguments.removeFirst() {
        case "replay": replay(arguments)
        case "seed": seed(arguments)
        case let command: fail("unknown command \(command)")
        }
    }

    static func replay(_ arguments: [String]) {
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else { fail("replay needs a target") }
        let inputs = files(in: Array(arguments.dropFirst()))
        guard !inputs.isEmpty else { fail("replay needs at least one file or folder") }
        for path in inputs {
            guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
            print("\(path): \(target.run([UInt8](data)))")
        }
    }

    static func seed(_ arguments: [String]) {
        guard let folder = arguments.first else { fail("seed needs a corpus folder") }
        var vectors = "Protocol/vectors"
        if let i = arguments.firstIndex(of: "--vectors") {
            guard i + 1 < arguments.count else { fail("--vectors needs a folder") }
            vectors = arguments[i + 1]
        }
        do {
            for seed in try SeedCorpus.make(vectors: vectors) {
                let dir = folder + "/" + seed.target.rawValue
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try Data(seed.bytes).write(to: URL(fileURLWithPath: dir + "/" + seed.name))
                print("\(dir)/\(seed.name)  \(seed.bytes.count) bytes  \(seed.target.run(seed.bytes))")
            }
        } catch {
            FileHandle.standardError.write(Data("error: cannot write the seeds: \(error)\n".utf8))
            exit(1)
        }
    }

    /// The files to replay: each path, or the files directly inside it, sorted by name.
    static func files(in paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { fail("no such file or folder: \(path)") }
            guard isFolder.boolValue else { return [path] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
        exit(64)
    }
}

#endif
