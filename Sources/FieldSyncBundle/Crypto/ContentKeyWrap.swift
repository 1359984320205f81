import Crypto
import Foundation

/// Wraps and unwraps the bundle's content key for one recipient (X25519, HKDF-SHA256, ChaCha20-Poly1305).
///
/// `wrapKey = HKDF-SHA256(ikm: X25519(ephemeral, recipient), salt: bundle id,
/// info: "FieldSync v1 key wrap" ‖ recipient public ‖ ephemeral public, 32 bytes)`;
/// the wrapped key is `ChaChaPoly(K)` under `wrapKey` with a zero nonce and no AAD. The
/// zero nonce is safe because each wrap key encrypts exactly one message: it depends on a
/// fresh ephemeral key and on the bundle id.
enum ContentKeyWrap {
    static let wrappedSize = 48

    static func wrapKey(shared: SharedSecret, bundleID: BundleID, recipient: AgreementPublicKey,
                        ephemeral: AgreementPublicKey) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: bundleID.bytes,
                                       sharedInfo: BundleFormat.keyWrapInfo + recipient.rawRepresentation + ephemeral.rawRepresentation,
                                       outputByteCount: 32)
    }

    /// X25519 with a low-order point gives an all-zero secret, which swift-crypto does not
    /// refuse; RFC 7748 §6.1 says to check for it. It would make the wrap key public.
    static func isAllZero(_ shared: SharedSecret) -> Bool {
        shared.withUnsafeBytes { $0.allSatisfy { $0 == 0 } }
    }

    static func wrap(contentKey: [UInt8], for recipient: AgreementPublicKey, ephemeral: AgreementPrivateKey,
                     bundleID: BundleID) throws(BundleError) -> [UInt8] {
        do {
            let shared = try ephemeral.key.sharedSecretFromKeyAgreement(with: recipient.key)
            guard !isAllZero(shared) else { throw BundleError.invalidKey("low-order point") }
            let key = wrapKey(shared: shared, bundleID: bundleID, recipient: recipient, ephemeral: ephemeral.publicKey)
            let box = try ChaChaPoly.seal(contentKey, using: key, nonce: try ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)))
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .invalidKey("cannot address the bundle to recipient key \(recipient.fingerprint)")
        }
    }

    static func unwrap(_ wrapped: [UInt8], with key: AgreementPrivateKey, ephemeral: AgreementPublicKey,
                       bundleID: BundleID) throws(BundleError) -> [UInt8] {
        guard wrapped.count == wrappedSize else { throw .keyUnwrapFailed }
        do {
            let shared = try key.key.sharedSecretFromKeyAgreement(with: ephemeral.key)
            guard !isAllZero(shared) else { throw BundleError.keyUnwrapFailed }
            let wrapKey = wrapKey(shared: shared, bundleID: bundleID, recipient: key.publicKey, ephemeral: ephemeral)
            let box = try ChaChaPoly.SealedBox(nonce: try ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                                               ciphertext: wrapped[0..<32], tag: wrapped[32..<48])
            let k = Array(try ChaChaPoly.open(box, using: wrapKey))
            guard k.count == 32 else { throw BundleError.keyUnwrapFailed }
            return k
        } catch {
            throw .keyUnwrapFailed
        }
    }
}
