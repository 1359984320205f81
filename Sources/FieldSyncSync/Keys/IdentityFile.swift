import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation

/// The two formats of `identity.json`.
///
/// - `fieldsync-identity-v1`: every field in the clear, private keys as base64. Written only
///   when asked for (`--unprotected-key`, the demo, samples, library tests); still read, so
///   folders of earlier releases keep working until `fieldsync key protect` seals them.
/// - `fieldsync-identity-v2`: site, name, role, township and the PUBLIC keys in the clear
///   (a status, a digest or a hint needs no passphrase); the private keys, current and
///   retired, sealed by ``KeySeal`` under the passphrase, with the clear fields as
///   authenticated data so that none of them can be changed without the passphrase.
enum IdentityFile {
    static let plainFormat = "fieldsync-identity-v1"
    static let sealedFormat = "fieldsync-identity-v2"

    private struct PlainRetired: Codable {
        var signingKey: String
        var agreementKey: String
        var retiredAtMillis: UInt64
    }

    private struct Plain: Codable {
        var format = IdentityFile.plainFormat
        var site: String
        var name: String
        var role: String
        var township: String?
        var signingKey: String
        var agreementKey: String
        /// Absent in files of earlier releases and of nodes that never rotated their keys.
        var retired: [PlainRetired]?
    }

    private struct PublicRetired: Codable {
        var signingPublicKey: String
        var agreementPublicKey: String
        var retiredAtMillis: UInt64
    }

    private struct Seal: Codable {
        var kdf = "scrypt"
        var logN: Int
        var r: Int
        var p: Int
        var salt: String
        var cipher = "chacha20-poly1305"
        var box: String
    }

    private struct Sealed: Codable {
        var format = IdentityFile.sealedFormat
        var site: String
        var name: String
        var role: String
        var township: String?
        var signingPublicKey: String
        var agreementPublicKey: String
        var retiredPublicKeys: [PublicRetired]?
        var sealed: Seal
    }

    /// Only the format field, to tell the two apart before decoding.
    private struct Head: Codable { var format: String }

    static func encode(_ identity: NodeIdentity, protectedBy passphrase: Passphrase?, path: String) throws(SyncError) -> Data {
        guard let passphrase else {
            let retired = identity.retired.map {
                PlainRetired(signingKey: Data($0.signingKey.rawRepresentation).base64EncodedString(),
                             agreementKey: Data($0.agreementKey.rawRepresentation).base64EncodedString(), retiredAtMillis: $0.retiredAtMillis)
            }
            return JSON.encode(Plain(site: identity.site.hex, name: identity.name, role: identity.role.rawValue, township: identity.township,
                                     signingKey: Data(identity.signingKey.rawRepresentation).base64EncodedString(),
                                     agreementKey: Data(identity.agreementKey.rawRepresentation).base64EncodedString(),
                                     retired: retired.isEmpty ? nil : retired))
        }
        var secret = identity.signingKey.rawRepresentation + identity.agreementKey.rawRepresentation
        var w = ByteWriter()
        for pair in identity.retired {
            w.raw(pair.signingKey.rawRepresentation)
            w.raw(pair.agreementKey.rawRepresentation)
            w.u64(pair.retiredAtMillis)
        }
        secret += w.bytes
        let card = IdentityCard(site: identity.site, name: identity.name, role: identity.role, township: identity.township,
                                signingKey: identity.signingKey.publicKey, agreementKey: identity.agreementKey.publicKey, isProtected: true)
        let retired = identity.retired.map { ($0.signingKey.publicKey, $0.agreementKey.publicKey, $0.retiredAtMillis) }
        let seal: KeySeal
        do { seal = try KeySeal.seal(secret, with: passphrase, context: context(card, retired: retired)) } catch {
            throw .io("cannot seal the keys of \(path): \(error)")
        }
        return JSON.encode(Sealed(
            site: identity.site.hex, name: identity.name, role: identity.role.rawValue, township: identity.township,
            signingPublicKey: Hex.encode(card.signingKey.rawRepresentation), agreementPublicKey: Hex.encode(card.agreementKey.rawRepresentation),
            retiredPublicKeys: retired.isEmpty ? nil : retired.map {
                PublicRetired(signingPublicKey: Hex.encode($0.0.rawRepresentation), agreementPublicKey: Hex.encode($0.1.rawRepresentation),
                              retiredAtMillis: $0.2)
            },
            sealed: Seal(logN: seal.parameters.logN, r: seal.parameters.r, p: seal.parameters.p,
                         salt: Data(seal.salt).base64EncodedString(), box: Data(seal.box).base64EncodedString())))
    }

    static func decode(_ data: Data, path: String, passphrase: Passphrase?) throws(SyncError) -> NodeIdentity {
        let what = "key file \(path)"
        switch try JSON.decode(Head.self, from: data, what: what).format {
        case plainFormat:
            let file = try JSON.decode(Plain.self, from: data, what: what)
            let card = try checked(site: file.site, name: file.name, role: file.role, township: file.township, path: path)
            guard let signing = privateKey(file.signingKey, SigningPrivateKey.init), let agreement = privateKey(file.agreementKey, AgreementPrivateKey.init)
            else { throw .invalidInput("key file \(path) holds a damaged key") }
            var retired: [RetiredKeyPair] = []
            for pair in file.retired ?? [] {
                guard let s = privateKey(pair.signingKey, SigningPrivateKey.init), let a = privateKey(pair.agreementKey, AgreementPrivateKey.init)
                else { throw .invalidInput("key file \(path) holds a damaged key") }
                retired.append(RetiredKeyPair(signingKey: s, agreementKey: a, retiredAtMillis: pair.retiredAtMillis))
            }
            return NodeIdentity(site: card.site, name: card.name, role: card.role, township: card.township,
                                signingKey: signing, agreementKey: agreement, retired: retired)
        case sealedFormat:
            let (file, card, retiredKeys) = try sealed(data, path: path)
            guard let passphrase else { throw .key(.passphraseNeeded(path: path)) }
            guard let salt = Data(base64Encoded: file.sealed.salt), let box = Data(base64Encoded: file.sealed.box),
                  file.sealed.kdf == "scrypt", file.sealed.cipher == "chacha20-poly1305"
            else { throw .key(.sealDamaged(path: path, reason: "the salt, the sealed box or the method is not one FieldSync writes")) }
            let seal = KeySeal(parameters: .init(logN: file.sealed.logN, r: file.sealed.r, p: file.sealed.p), salt: Array(salt), box: Array(box))
            let secret: [UInt8]
            do { secret = try seal.open(with: passphrase, context: context(card, retired: retiredKeys)) } catch {
                switch error {
                case .doesNotOpen: throw .key(.wrongPassphrase(path: path))
                case .unacceptableParameters: throw .key(.sealDamaged(path: path, reason: "its scrypt parameters are outside what FieldSync accepts"))
                case .malformed: throw .key(.sealDamaged(path: path, reason: "the salt or the sealed box has the wrong length"))
                }
            }
            return try identity(from: secret, card: card, retired: retiredKeys, path: path)
        default:
            throw .invalidInput("key file \(path) is not a FieldSync identity file")
        }
    }

    static func card(_ data: Data, path: String) throws(SyncError) -> IdentityCard {
        let what = "key file \(path)"
        switch try JSON.decode(Head.self, from: data, what: what).format {
        case plainFormat:
            let id = try decode(data, path: path, passphrase: nil)
            return IdentityCard(site: id.site, name: id.name, role: id.role, township: id.township,
                                signingKey: id.signingKey.publicKey, agreementKey: id.agreementKey.publicKey, isProtected: false)
        case sealedFormat:
            return try sealed(data, path: path).1
        default:
            throw .invalidInput("key file \(path) is not a FieldSync identity file")
        }
    }

    private static func sealed(_ data: Data, path: String) throws(SyncError)
        -> (Sealed, IdentityCard, [(SigningPublicKey, AgreementPublicKey, UInt64)]) {
        let file = try JSON.decode(Sealed.self, from: data, what: "key file \(path)")
        let clear = try checked(site: file.site, name: file.name, role: file.role, township: file.township, path: path)
        guard let signing = publicKey(file.signingPublicKey, SigningPublicKey.init),
              let agreement = publicKey(file.agreementPublicKey, AgreementPublicKey.init)
        else { throw .invalidInput("key file \(path) holds a damaged key") }
        var retired: [(SigningPublicKey, AgreementPublicKey, UInt64)] = []
        for pair in file.retiredPublicKeys ?? [] {
            guard let s = publicKey(pair.signingPublicKey, SigningPublicKey.init), let a = publicKey(pair.agreementPublicKey, AgreementPublicKey.init)
            else { throw .invalidInput("key file \(path) holds a damaged key") }
            retired.append((s, a, pair.retiredAtMillis))
        }
        let card = IdentityCard(site: clear.site, name: clear.name, role: clear.role, township: clear.township,
                                signingKey: signing, agreementKey: agreement, isProtected: true)
        return (file, card, retired)
    }

    /// The private keys of an opened seal, checked against the public keys in the clear.
    private static func identity(from secret: [UInt8], card: IdentityCard, retired: [(SigningPublicKey, AgreementPublicKey, UInt64)],
                                 path: String) throws(SyncError) -> NodeIdentity {
        let damaged = SyncError.key(.sealDamaged(path: path, reason: "the sealed keys do not match the public keys beside them"))
        guard secret.count == 64 + 72 * retired.count,
              let signing = try? SigningPrivateKey(rawRepresentation: Array(secret[0..<32])),
              let agreement = try? AgreementPrivateKey(rawRepresentation: Array(secret[32..<64])),
              signing.publicKey == card.signingKey, agreement.publicKey == card.agreementKey else { throw damaged }
        var pairs: [RetiredKeyPair] = []
        for (i, (s, a, millis)) in retired.enumerated() {
            let at = 64 + 72 * i
            guard let sk = try? SigningPrivateKey(rawRepresentation: Array(secret[at..<at + 32])),
                  let ak = try? AgreementPrivateKey(rawRepresentation: Array(secret[at + 32..<at + 64])),
                  sk.publicKey == s, ak.publicKey == a else { throw damaged }
            pairs.append(RetiredKeyPair(signingKey: sk, agreementKey: ak, retiredAtMillis: millis))
        }
        return NodeIdentity(site: card.site, name: card.name, role: card.role, township: card.township,
                            signingKey: signing, agreementKey: agreement, retired: pairs)
    }

    /// The clear fields a seal authenticates: changing any of them makes the seal not open.
    private static func context(_ card: IdentityCard, retired: [(SigningPublicKey, AgreementPublicKey, UInt64)]) -> [UInt8] {
        var w = ByteWriter()
        w.shortString(sealedFormat)
        w.raw(card.site.bytes)
        w.shortString(card.role.rawValue)
        w.shortString(card.township ?? "")
        w.shortString(card.name)
        w.raw(card.signingKey.rawRepresentation)
        w.raw(card.agreementKey.rawRepresentation)
        for (s, a, millis) in retired {
            w.raw(s.rawRepresentation)
            w.raw(a.rawRepresentation)
            w.u64(millis)
        }
        return w.bytes
    }

    private struct ClearFields { let site: SiteID, name: String, role: ReplicaRole, township: String? }

    private static func checked(site: String, name: String, role: String, township: String?, path: String) throws(SyncError) -> ClearFields {
        guard let id = SiteID(hex: site), let role = ReplicaRole(rawValue: role) else {
            throw .invalidInput("key file \(path) is not a FieldSync identity file")
        }
        try InputCheck.name(name, field: "the name in key file \(path)", stored: true)
        try InputCheck.code(township, field: "the township in key file \(path)", stored: true)
        return ClearFields(site: id, name: name, role: role, township: township)
    }

    private static func privateKey<K>(_ base64: String, _ make: ([UInt8]) throws(BundleError) -> K) -> K? {
        Data(base64Encoded: base64).flatMap { try? make(Array($0)) }
    }

    private static func publicKey<K>(_ hex: String, _ make: ([UInt8]) throws(BundleError) -> K) -> K? {
        Hex.decode(hex).flatMap { try? make($0) }
    }
}
