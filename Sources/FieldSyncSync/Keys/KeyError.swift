/// Why a node's key file could not be opened, protected or re-protected. Each message is
/// in Chinese and English, names the file or the option, says what to do, and never
/// repeats a passphrase or a key.
public enum KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The passphrase given does not open the sealed keys (or the file was changed).
    case wrongPassphrase(path: String)
    /// The key file is protected and no passphrase was given (no option, variable or terminal).
    case passphraseNeeded(path: String)
    /// A new key file is to be written, with no passphrase to protect it and no terminal to ask.
    case passphraseNeededForNewKey
    /// A passphrase file that others may read, or that is not a regular file of this user.
    case passphraseFileUnsafe(path: String, reason: String)
    /// A passphrase (from `source`) is empty.
    case passphraseEmpty(source: String)
    /// The two entries of a new passphrase at the terminal differ.
    case passphrasesDiffer
    /// A new passphrase too short or too plain to slow a guesser (``Passphrase/checkStrongEnoughForNewKeys()``).
    case passphraseTooWeak(source: String, reason: String)
    /// `key protect` on a key file that is already protected.
    case alreadyProtected(path: String)
    /// `key change-passphrase` on a key file that is not protected yet.
    case notProtected(path: String)
    /// The sealed part of a key file is malformed or asks for unsupported parameters.
    case sealDamaged(path: String, reason: String)

    public var description: String {
        switch self {
        case let .wrongPassphrase(path):
            return "口令无法打开 identity.json（口令不对，或文件被改动过）：\(path) / the passphrase does not open identity.json (\(path)): the passphrase is wrong, or the file was changed. Check the passphrase (a passphrase file keeps everything but its final newline) and try again."
        case let .passphraseNeeded(path):
            return "identity.json 受口令保护，需要口令：\(path) / the keys in \(path) are protected by a passphrase and none was given. Give it with --passphrase-file PATH (a file only you can read, chmod 600), or the environment variable FIELDSYNC_PASSPHRASE_FILE=PATH or FIELDSYNC_PASSPHRASE, or run the command at a terminal to be asked."
        case .passphraseNeededForNewKey:
            return "新密钥需要口令保护，但没有给出口令 / the new keys need a passphrase to protect them and none was given. Give one with --passphrase-file PATH (chmod 600), FIELDSYNC_PASSPHRASE_FILE=PATH or FIELDSYNC_PASSPHRASE, or run the command at a terminal to be asked. Only for a test or training folder, `hub init` and `station init` take --unprotected-key to write the keys unprotected."
        case let .passphraseFileUnsafe(path, reason):
            return "口令文件不安全，未使用：\(path)（\(reason)）/ the passphrase file \(path) was not used: \(reason). Keep it readable by its owner only: chmod 600 \(path)."
        case let .passphraseEmpty(source):
            return "口令为空，请给出至少一个字符的口令（最好是一整句话）/ the passphrase from \(source) is empty; give a passphrase of at least one character (a whole sentence is best)."
        case .passphrasesDiffer:
            return "两次输入的新口令不一致，未作修改 / the two entries of the new passphrase differ; nothing was changed. Run the command again."
        case let .passphraseTooWeak(source, reason):
            return "新口令太弱，未使用：口令至少要 \(Passphrase.minimumCharacters) 个字符，其中至少 \(Passphrase.minimumDistinctCharacters) 个互不相同，一句短话最好记也最难猜；未作改动 / the new passphrase from \(source) is too weak and was not used: \(reason). Choose one of at least \(Passphrase.minimumCharacters) characters with at least \(Passphrase.minimumDistinctCharacters) different ones; a short sentence is easy to remember and hard to guess. Nothing was changed."
        case let .alreadyProtected(path):
            return "identity.json 已受口令保护：\(path) / the keys in \(path) are already protected by a passphrase; to change it run `fieldsync key change-passphrase`."
        case let .notProtected(path):
            return "identity.json 尚未受口令保护：\(path) / the keys in \(path) are not protected yet; protect them with `fieldsync key protect` first."
        case let .sealDamaged(path, reason):
            return "identity.json 的加密部分已损坏：\(path)（\(reason)）/ the sealed keys in \(path) cannot be read: \(reason). Restore the file from the backup copy of this folder."
        }
    }
}
