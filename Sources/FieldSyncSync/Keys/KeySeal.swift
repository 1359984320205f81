import _CryptoExtras
import Crypto
import Foundation

/// Seals bytes (a node's private keys) under a passphrase: a key derived by scrypt
/// (memory-hard, so each guess costs a thief ``Parameters/memoryBytes`` of memory and
/// tens of milliseconds) from the passphrase and a random salt, then ChaCha20-Poly1305,
/// which also authenticates `context` (the file's clear fields) so they cannot be swapped.
///
/// The parameters travel with the sealed bytes, so a later release may raise the default
/// without making older files unreadable; a file may only ask for parameters within
/// ``Parameters/isAcceptable`` (a crafted file must not make the program allocate gigabytes).
struct KeySeal: Sendable, Equatable {
    /// scrypt's cost: N = 2^logN, block size r, parallelism p.
    struct Parameters: Sendable, Equatable, Codable {
        var logN: Int
        var r: Int
        var p: Int

        /// N = 2^15, r = 8, p = 1: 32 MiB per derivation (see README for the measured time).
        static let standard = Parameters(logN: 15, r: 8, p: 1)

        /// The memory one derivation uses: 128 · r · N · p bytes.
        var memoryBytes: Int { 128 * r * (1 << logN) * p }

        /// At most 1 GiB of memory and sane factors.
        var isAcceptable: Bool { (10...20).contains(logN) && (1...32).contains(r) && (1...4).contains(p) && memoryBytes <= 1 << 30 }
    }

    var parameters: Parameters
    var salt: [UInt8]
    /// ChaChaPoly's combined form: nonce, ciphertext, tag.
    var box: [UInt8]

    static let saltLength = 16

    enum Failure: Error { case unacceptableParameters, malformed, doesNotOpen }

    /// Seals `secret` with a fresh salt and nonce.
    static func seal(_ secret: [UInt8], with passphrase: Passphrase, context: [UInt8],
                     parameters: Parameters = .standard) throws -> KeySeal {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let key = try derive(passphrase, salt: salt, parameters: parameters)
        let sealed = try ChaChaPoly.seal(secret, using: key, authenticating: context)
        return KeySeal(parameters: parameters, salt: salt, box: Array(sealed.combined))
    }

    /// The secret, or ``Failure/doesNotOpen`` when the passphrase (or the context) is not
    /// the one it was sealed with.
    func open(with passphrase: Passphrase, context: [UInt8]) throws(Failure) -> [UInt8] {
        guard parameters.isAcceptable else { throw .unacceptableParameters }
        guard salt.count == Self.saltLength, let sealed = try? ChaChaPoly.SealedBox(combined: box) else { throw .malformed }
        guard let key = try? Self.derive(passphrase, salt: salt, parameters: parameters) else { throw .unacceptableParameters }
        guard let secret = try? ChaChaPoly.open(sealed, using: key, authenticating: context) else { throw .doesNotOpen }
        return Array(secret)
    }

    private static func derive(_ passphrase: Passphrase, salt: [UInt8], parameters: Parameters) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(from: passphrase.bytes, salt: salt, outputByteCount: 32, rounds: 1 << parameters.logN,
                                 blockSize: parameters.r, parallelism: parameters.p)
    }
}
