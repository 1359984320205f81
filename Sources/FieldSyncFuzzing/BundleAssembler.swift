import CZlib
import Crypto
import FieldSyncBundle

/// Turns fuzz bytes into a bundle file that passes the signature check (B5, B6), the way
/// Automerge fuzzes its chunks behind their checksum: without it every mutation would stop
/// at `digestMismatch`, and the header and frame parsers would never see fuzzed bytes.
///
/// The first byte chooses how the rest is read (``Layout``); either way the harness adds
/// the preamble (format 1, no flags, ``FuzzKeys/senderSigning``'s public key) and a trailer
/// signed with that key.
enum BundleAssembler {
    enum Layout: UInt8 {
        /// `u32 header length ‖ header and body bytes`, as they stand: fuzzes the header
        /// parser (B7–B15) and the framing around the frames (B16, B23). The header length
        /// goes into the preamble unchecked.
        case raw = 0
        /// `u32 header length ‖ header ‖ chunk*`, each chunk `u8 options ‖ u32 length ‖
        /// plaintext`: every chunk becomes a frame sealed under the vector's content key at
        /// its position, so frames authenticate (B18) whenever the header keeps the vector's
        /// key wrap, and the inflater (B17), the record parser (B19), the counts (B24) and
        /// delivery are fuzzed. Options bit 0: the harness zlib-compresses the plaintext
        /// (a record block) instead of sealing it as it is (a zlib stream).
        case sealed = 1
    }

    /// Whether a chunk's plaintext is a record block the harness compresses.
    static let compressOption: UInt8 = 1

    static func assemble(_ bytes: [UInt8]) -> [UInt8] {
        var input = FuzzInput(bytes)
        switch Layout(rawValue: input.u8() % 2)! {
        case .raw:
            let headerLength = input.u32()
            return signed(preamble(headerLength: headerLength) + input.rest())
        case .sealed:
            let header = input.bytes(upTo: Int(input.u32()))
            var chunks: [[UInt8]] = []
            while !input.isAtEnd {
                let options = input.u8()
                let plaintext = input.bytes(upTo: Int(input.u32()))
                chunks.append(options & compressOption != 0 ? zlib(plaintext) : plaintext)
            }
            return signed(sealedBody(header: header, chunks: chunks))
        }
    }

    static func preamble(headerLength: UInt32) -> [UInt8] {
        BundleFormat.magic + .u16(Int(BundleFormat.version)) + .u16(0)
            + FuzzKeys.senderSigning.publicKey.rawRepresentation + .u32(Int(headerLength))
    }

    /// Preamble, header, the chunks sealed as frames 0, 1, …, and the end marker.
    ///
    /// The "last frame" bit of each frame's authenticated data follows the frame count the
    /// header declares (its last 4 bytes), as a reader computes it, not the number of
    /// chunks: so a body with fewer or more frames than declared still authenticates
    /// frame by frame, and the reader's own count checks (B16, B23) are what refuse it.
    static func sealedBody(header: [UInt8], chunks: [[UInt8]]) -> [UInt8] {
        var file = preamble(headerLength: UInt32(header.count)) + header
        let headerHash = Array(SHA256.hash(data: file))
        let declared = header.count >= 4 ? header.suffix(4).reduce(0) { $0 << 8 | Int($1) } : chunks.count
        let key = SymmetricKey(data: FuzzKeys.contentKey)
        for (index, plaintext) in chunks.enumerated() {
            let nonce = try! ChaChaPoly.Nonce(data: [0, 0, 0, 0] + .u64(UInt64(index)))
            let aad = headerHash + .u32(index) + [index == declared - 1 ? 1 : 0]
            let box = try! ChaChaPoly.seal(plaintext, using: key, nonce: nonce, authenticating: aad)
            let sealed = Array(box.ciphertext) + Array(box.tag)
            file += .u32(sealed.count) + sealed
        }
        return file + [0, 0, 0, 0]
    }

    /// `body` and its trailer: SHA-256 of `body`, signed with the fixed sender key.
    static func signed(_ body: [UInt8]) -> [UInt8] {
        let digest = Array(SHA256.hash(data: body))
        return body + digest + (try! FuzzKeys.senderSigning.signature(for: BundleFormat.signatureContext + digest))
    }

    /// One complete zlib stream of `bytes` (default level, no dictionary), as writers make.
    static func zlib(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let source = bytes.isEmpty ? [0] : bytes
        let rc = out.withUnsafeMutableBufferPointer { o in
            source.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &size, i.baseAddress, uLong(bytes.count), Z_DEFAULT_COMPRESSION)
            }
        }
        precondition(rc == Z_OK, "zlib compress2 failed (\(rc))")
        return Array(out.prefix(Int(size)))
    }
}
