import ArgumentParser
import FieldSyncSync
import Foundation

/// `fieldsync key …`: the passphrase that protects a folder's private keys.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Protect a hub's or station's private keys with a passphrase, or change it.",
        subcommands: [KeyProtect.self, KeyChangePassphrase.self]
    )
}

struct KeyProtect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect",
        abstract: "Seal the unprotected keys of a folder (made by an earlier release or with --unprotected-key) under a passphrase.",
        discussion: """
        The passphrase comes from --passphrase-file, FIELDSYNC_PASSPHRASE_FILE or \
        FIELDSYNC_PASSPHRASE, else it is typed twice at the terminal. identity.json is \
        rewritten in place, atomically; from then on every command on the folder needs the \
        passphrase. Copies of the old file (backups) still hold the keys unprotected: \
        destroy them.

        Example:
          fieldsync key protect st --passphrase-file ~/.fieldsync-passphrase
        """)
    @Argument(help: "The hub or station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions

    func run() throws {
        try reporting {
            let folder = NodeFolder(dir)
            _ = try folder.identityCard()
            guard let new = try passphrase.newKeyPassphrase(unprotected: false, for: "replica") else { return }
            try folder.protectIdentity(with: new)
            print("the keys in \(folder.identityPath) are now protected by the passphrase")
        }
    }
}

struct KeyChangePassphrase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-passphrase",
        abstract: "Seal a folder's keys under a new passphrase.",
        discussion: """
        The current passphrase comes from --passphrase-file, FIELDSYNC_PASSPHRASE_FILE or \
        FIELDSYNC_PASSPHRASE, else the terminal; the new one from --new-passphrase-file or \
        FIELDSYNC_NEW_PASSPHRASE, else it is typed twice at the terminal. The keys stay the \
        same; only the passphrase that seals them changes.

        Example:
          fieldsync key change-passphrase st --passphrase-file old.txt --new-passphrase-file new.txt
        """)
    @Argument(help: "The hub or station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(name: .customLong("new-passphrase-file"),
            help: ArgumentHelp("A file holding the new passphrase (chmod 600). Else FIELDSYNC_NEW_PASSPHRASE, or a prompt at a terminal.",
                               valueName: "PATH"))
    var newPassphraseFile: String?

    static let newVariable = "FIELDSYNC_NEW_PASSPHRASE"

    func run() throws {
        try reporting {
            let folder = NodeFolder(dir)
            guard try folder.identityCard().isProtected else { throw SyncError.key(.notProtected(path: folder.identityPath)) }
            guard let old = try passphrase.passphrase(for: dir) else { return }
            let new = try SyncError.catching { () throws -> Passphrase? in
                if let newPassphraseFile { return try Passphrase.read(file: newPassphraseFile) }
                if let text = ProcessEnvironment.value(Self.newVariable) {
                    return try Passphrase(text, source: "the environment variable \(Self.newVariable)")
                }
                return try TerminalPrompt.newPassphrase("新口令 new passphrase: ")
            }
            guard let new else {
                throw SyncError.invalidInput("没有给出新口令 / no new passphrase was given: use --new-passphrase-file PATH (chmod 600) or FIELDSYNC_NEW_PASSPHRASE, or run the command at a terminal to type it.")
            }
            do throws(KeyError) { try new.checkStrongEnoughForNewKeys() } catch { throw SyncError.key(error) }
            try folder.changePassphrase(from: old, to: new)
            print("the keys in \(folder.identityPath) are now protected by the new passphrase")
        }
    }
}
