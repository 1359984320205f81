import Foundation

/// Refuses command-line arguments that are not valid UTF-8.
///
/// On Linux `CommandLine.arguments` replaces invalid bytes by U+FFFD, so a name typed in a
/// GBK terminal, or a file name from an old stick, would be stored changed and without a
/// word. The raw bytes are checked once, before parsing, and the argument is named by its
/// position and option (never by its value).
enum ArgumentEncoding {
    /// The message for the first argument that is not valid UTF-8, or nil if all are.
    static func firstInvalid(_ argv: [[UInt8]]) -> String? {
        for (index, bytes) in argv.enumerated() where index > 0 {
            guard String(validating: bytes, as: UTF8.self) == nil else { continue }
            return message(position: index, option: option(of: index, in: argv))
        }
        return nil
    }

    /// The raw bytes of this process's arguments.
    static var processArguments: [[UInt8]] {
        (0..<Int(CommandLine.argc)).map { i in
            guard let p = CommandLine.unsafeArgv[i] else { return [] }
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
        }
    }

    /// The option an argument belongs to: `--name=…` itself, or the value after `--name`.
    private static func option(of index: Int, in argv: [[UInt8]]) -> String? {
        let current = argv[index]
        if current.starts(with: Array("--".utf8)), let eq = current.firstIndex(of: UInt8(ascii: "=")) {
            return String(decoding: current[..<eq], as: UTF8.self)
        }
        if index > 1, let previous = String(validating: argv[index - 1], as: UTF8.self),
           previous.hasPrefix("-"), !previous.contains("="), previous.count > 1 {
            return previous
        }
        return nil
    }

    static func message(position: Int, option: String?) -> String {
        let zh = option.map { "（\($0) 的值）" } ?? ""
        let en = option.map { " (the value of \($0))" } ?? ""
        return "fieldsync: 错误 error: 第 \(position) 个参数\(zh)不是有效的 UTF-8 文本，未执行任何操作；请将终端或文件名改为 UTF-8 编码后重试 / argument \(position)\(en) is not valid UTF-8 text; nothing was done — switch the terminal or file name to UTF-8 and try again\n"
    }
}
