import Foundation

extension NodeFolder {
    /// Seals the folder's unprotected `identity.json` (format v1) under `passphrase`, in
    /// place: the sealed file is written beside it and renamed over it, so a crash leaves
    /// one whole file, old or new.
    public func protectIdentity(with passphrase: Passphrase) throws(SyncError) {
        let card = try identityCard()
        guard !card.isProtected else { throw .key(.alreadyProtected(path: identityPath)) }
        try NodeIdentity.load(from: identityPath).save(to: identityPath, protectedBy: passphrase)
    }

    /// Seals the folder's protected `identity.json` under a new passphrase, in place.
    public func changePassphrase(from old: Passphrase, to new: Passphrase) throws(SyncError) {
        let card = try identityCard()
        guard card.isProtected else { throw .key(.notProtected(path: identityPath)) }
        try NodeIdentity.load(from: identityPath, passphrase: old).save(to: identityPath, protectedBy: new)
    }

    /// The public parts of the folder's key file (read without a passphrase); refuses a folder without one.
    public func identityCard() throws(SyncError) -> IdentityCard {
        guard FileManager.default.fileExists(atPath: identityPath) else {
            throw .invalidInput("\(path) 中没有 identity.json，不是 FieldSync 数据目录 / \(path) holds no identity.json: it is not a FieldSync hub or station folder; give the folder made by `fieldsync hub init` or `fieldsync station init`.")
        }
        return try NodeIdentity.card(at: identityPath)
    }
}
