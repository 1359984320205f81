import ArgumentParser
import FieldSyncSync
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--passphrase-file PATH`, on every command that opens a hub or station folder: where
/// the passphrase of the folder's sealed keys comes from. In order: this option, the
/// environment variable `FIELDSYNC_PASSPHRASE_FILE`, then `FIELDSYNC_PASSPHRASE`, else a
/// prompt without echo when standard input is a terminal. Asked only when the keys are
/// sealed, and at most once per command.
struct PassphraseOptions: ParsableArguments {
    @Option(name: .customLong("passphrase-file"),
            help: ArgumentHelp("A file holding the passphrase of the folder's keys (chmod 600; its final newline is not part of it). Else FIELDSYNC_PASSPHRASE_FILE, FIELDSYNC_PASSPHRASE, or a prompt at a terminal.",
                               valueName: "PATH"))
    var passphraseFile: String?

    /// The passphrase for the keys in `dir`; nil when they are not sealed (or there are none:
    /// opening the folder then says what is wrong with it).
    func passphrase(for dir: String) throws(SyncError) -> Passphrase? {
        try passphrase(forKeyFile: NodeFolder(dir).identityPath)
    }

    /// The passphrase for the key file at `path` (`bundle inspect --key`); nil when it is not sealed.
    func passphrase(forKeyFile path: String) throws(SyncError) -> Passphrase? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard try NodeIdentity.card(at: path).isProtected else {
            UnprotectedKeyWarning.shared.warn(path: path)
            return nil
        }
        guard let passphrase = try PassphraseCache.shared.passphrase(resolving: { () throws(KeyError) -> Passphrase? in
            try Passphrase.resolve(optionFile: passphraseFile, environment: ProcessInfo.processInfo.environment) { () throws(KeyError) in
                try TerminalPrompt.passphrase("口令 passphrase for \(path): ")
            }
        }) else { throw .key(.passphraseNeeded(path: path)) }
        return passphrase
    }

    /// The station folder `dir`, its keys opened.
    func station(_ dir: String) throws(SyncError) -> Station { try Station.open(at: dir, passphrase: passphrase(for: dir)) }

    /// The hub folder `dir`, its keys opened.
    func hub(_ dir: String) throws(SyncError) -> Hub { try Hub.open(at: dir, passphrase: passphrase(for: dir)) }

    /// The passphrase that seals new keys (`init`, `key protect`): from the same sources,
    /// typed twice at a prompt. Nil only when `unprotected` (`--unprotected-key`), which
    /// prints why that is dangerous.
    func newKeyPassphrase(unprotected: Bool, for what: String) throws(SyncError) -> Passphrase? {
        if unprotected {
            FileHandle.standardError.write(Data("fieldsync: 注意 warning: 密钥未加口令保护：拷走 identity.json 的人就能冒充本机并读取发给它的全部数据 / the keys are NOT protected by a passphrase: whoever copies identity.json can sign as this \(what) and read every bundle sent to it. Protect them with `fieldsync key protect DIR`.\n".utf8))
            return nil
        }
        let given = try SyncError.catching {
            try Passphrase.resolve(optionFile: passphraseFile, environment: ProcessInfo.processInfo.environment) { () throws(KeyError) in
                try TerminalPrompt.newPassphrase("新口令 new passphrase for the keys of this \(what): ")
            }
        }
        guard let given else { throw .key(.passphraseNeededForNewKey) }
        do { try given.checkStrongEnoughForNewKeys() } catch { throw .key(error) }
        return given
    }
}

/// The passphrase of one command, asked for once: the clock warning that precedes a
/// station command opens the folder too, and must not make the caseworker type it twice.
final class PassphraseCache: @unchecked Sendable {
    static let shared = PassphraseCache()
    private let lock = NSLock()
    private var resolved: Passphrase?

    func passphrase(resolving resolve: () throws(KeyError) -> Passphrase?) throws(SyncError) -> Passphrase? {
        lock.lock()
        defer { lock.unlock() }
        if let resolved { return resolved }
        do { resolved = try resolve() } catch { throw .key(error) }
        return resolved
    }
}

/// Said on every command that opens keys not sealed under a passphrase: a folder made with
/// `--unprotected-key`, by an earlier release, or restored from a copy taken before
/// `key protect`; the last is the case that must not pass silently, and nothing in the
/// folder can tell it from the others. Once per command, on standard error (never in
/// `--json` output).
final class UnprotectedKeyWarning: @unchecked Sendable {
    static let shared = UnprotectedKeyWarning()
    private let lock = NSLock()
    private var said = false

    func warn(path: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !said else { return }
        said = true
        let folder = (path as NSString).deletingLastPathComponent
        FileHandle.standardError.write(Data("fieldsync: 注意 warning: \(path) 中的密钥未加口令保护，拷走它的人就能冒充本站 / the keys in \(path) are not protected by a passphrase: a copy of the file signs as this replica. Protect them: fieldsync key protect \(folder)\n".utf8))
    }
}

/// Reads a passphrase at the terminal without echoing it; nil when standard input is not a
/// terminal (a script), so that a script gets a clear error instead of a hang.
enum TerminalPrompt {
    static func passphrase(_ prompt: String) throws(KeyError) -> Passphrase? {
        guard let text = read(prompt) else { return nil }
        return try Passphrase(text, source: "the terminal")
    }

    /// A new passphrase, typed twice.
    static func newPassphrase(_ prompt: String) throws(KeyError) -> Passphrase? {
        guard let first = read(prompt) else { return nil }
        let passphrase = try Passphrase(first, source: "the terminal")
        guard read("再输入一次 again: ") == first else { throw .passphrasesDiffer }
        return passphrase
    }

    private static func read(_ prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        let line = readLine(strippingNewline: true)
        if haveTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        FileHandle.standardError.write(Data("\n".utf8))
        return line
    }
}

/// The options of a command that makes new keys (`hub init`, `station init`): the
/// passphrase to seal them, or `--unprotected-key` to write them unprotected on purpose.
struct NewKeyOptions: ParsableArguments {
    @OptionGroup var passphrase: PassphraseOptions
    @Flag(name: .customLong("unprotected-key"),
          help: "Write the keys without a passphrase (a test or training folder only: a copy of identity.json then IS this hub or station).")
    var unprotectedKey = false

    func validate() throws {
        if unprotectedKey, passphrase.passphraseFile != nil {
            throw ValidationError("give --passphrase-file or --unprotected-key, not both")
        }
    }

    /// The passphrase for the new keys of a `what` (hub, station); nil with `--unprotected-key`.
    func sealing(for what: String) throws(SyncError) -> Passphrase? {
        try passphrase.newKeyPassphrase(unprotected: unprotectedKey, for: what)
    }
}
