import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The passphrase that seals a node's private keys (``KeySeal``). Its bytes never reach a
/// log, an error message or a file other than the one the operator keeps it in.
public struct Passphrase: Sendable {
    let bytes: [UInt8]

    /// The passphrase as typed; refuses an empty one (it would protect nothing). `source`
    /// names where it came from in the refusal.
    public init(_ text: String, source: String) throws(KeyError) {
        guard !text.isEmpty else { throw .passphraseEmpty(source: source) }
        bytes = Array(text.utf8)
        self.source = source
    }

    /// Where it came from, for the refusal of a weak one.
    let source: String

    /// The least a passphrase that seals new keys must have. scrypt makes each guess cost
    /// about a tenth of a second and 32 MB, which protects a passphrase of ten characters
    /// drawn from a keyboard for years but a PIN like `1234` for seconds; a stolen laptop
    /// gives the thief all the time he wants, so the floor is checked where a passphrase is
    /// chosen (init, `key protect`, `key change-passphrase`), never where one is typed to
    /// open existing keys.
    public static let minimumCharacters = 10
    public static let minimumDistinctCharacters = 5

    /// Refuses a passphrase for new keys that is shorter than ``minimumCharacters``
    /// characters (a Chinese character counts as one) or built from fewer than
    /// ``minimumDistinctCharacters`` different ones (`1111111111`, `ababababab`).
    public func checkStrongEnoughForNewKeys() throws(KeyError) {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.count < Self.minimumCharacters {
            throw .passphraseTooWeak(source: source, reason: "it has \(text.count) characters, fewer than \(Self.minimumCharacters)")
        }
        if Set(text).count < Self.minimumDistinctCharacters {
            throw .passphraseTooWeak(source: source, reason: "it repeats fewer than \(Self.minimumDistinctCharacters) different characters")
        }
    }

    /// Reads a passphrase file: a regular file of this user that nobody else may read
    /// (a copy readable by others would defeat the passphrase), at most 4 KB; one final
    /// newline (`\n` or `\r\n`, as editors add) is not part of the passphrase.
    public static func read(file path: String) throws(KeyError) -> Passphrase {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw .passphraseFileUnsafe(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .passphraseFileUnsafe(path: path, reason: "it is not a regular file") }
        guard st.st_uid == geteuid() else { throw .passphraseFileUnsafe(path: path, reason: "it belongs to another user") }
        let others = st.st_mode & 0o077
        guard others == 0 else {
            throw .passphraseFileUnsafe(path: path, reason: "group or others may read it (mode \(String(st.st_mode & 0o777, radix: 8)))")
        }
        let data: Data
        do { data = try InputFile.read(path, what: "passphrase", limit: 4096) } catch {
            throw .passphraseFileUnsafe(path: path, reason: "\(error)")
        }
        var text = String(decoding: data, as: UTF8.self)
        // "\r\n" is one Character in Swift: one removeLast takes either ending.
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        return try Passphrase(text, source: "passphrase file \(path)")
    }

    /// The passphrase from the first source that gives one, in this order: the option
    /// `--passphrase-file`, the environment variable `FIELDSYNC_PASSPHRASE_FILE`, then
    /// `FIELDSYNC_PASSPHRASE`; else `ask` (a terminal prompt, nil when there is none).
    /// Nil when no source gives one.
    public static func resolve(optionFile: String?, environment: [String: String],
                               ask: () throws(KeyError) -> Passphrase?) throws(KeyError) -> Passphrase? {
        if let optionFile { return try read(file: optionFile) }
        if let file = environment[fileVariable] { return try read(file: file) }
        if let text = environment[variable] { return try Passphrase(text, source: "the environment variable \(variable)") }
        return try ask()
    }

    /// The environment variables a script gives the passphrase in.
    public static let fileVariable = "FIELDSYNC_PASSPHRASE_FILE"
    public static let variable = "FIELDSYNC_PASSPHRASE"
}
