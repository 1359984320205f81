import Crypto
import FieldSyncCore
import Foundation

/// Seals and opens frames with the bundle's content key (ChaCha20-Poly1305).
///
/// Frame `i` uses the nonce `0x00000000 ‖ u64 BE i` and authenticates
/// `SHA-256(preamble ‖ header) ‖ u32 BE i ‖ u8 last`. The counter nonce is safe because the
/// content key is fresh for every bundle; the AAD ties each frame to this bundle's header,
/// to its position, and marks the last one, so frames cannot be moved, reordered, dropped
/// or spliced in from another bundle.
struct FrameSeal {
    let key: SymmetricKey
    /// SHA-256 of the preamble and header bytes.
    let headerHash: [UInt8]
    let frameCount: Int

    init(contentKey: [UInt8], headerHash: [UInt8], frameCount: Int) {
        self.key = SymmetricKey(data: contentKey)
        self.headerHash = headerHash
        self.frameCount = frameCount
    }

    static func nonce(_ index: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 12)
        w.u32(0)
        w.u64(UInt64(index))
        return w.bytes
    }

    func aad(_ index: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 37)
        w.raw(headerHash)
        w.u32(UInt32(index))
        w.u8(index == frameCount - 1 ? 1 : 0)
        return w.bytes
    }

    /// Ciphertext ‖ tag.
    func seal(_ plaintext: [UInt8], index: Int) throws(BundleError) -> [UInt8] {
        do {
            let box = try ChaChaPoly.seal(plaintext, using: key, nonce: try ChaChaPoly.Nonce(data: Self.nonce(index)),
                                          authenticating: aad(index))
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .io(path: "ChaCha20-Poly1305", reason: "sealing a frame failed")
        }
    }

    /// Opens ciphertext ‖ tag, or nil when it does not authenticate.
    func open(_ sealed: [UInt8], index: Int) -> [UInt8]? {
        guard sealed.count >= BundleFormat.tagSize else { return nil }
        let split = sealed.count - BundleFormat.tagSize
        guard let nonce = try? ChaChaPoly.Nonce(data: Self.nonce(index)),
              let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: sealed[0..<split], tag: sealed[split...]),
              let plain = try? ChaChaPoly.open(box, using: key, authenticating: aad(index))
        else { return nil }
        return Array(plain)
    }
}
