import Crypto
import FieldSyncCore
import Foundation

/// A bundle file whose preamble has been read but whose signature has not been checked.
///
/// Only ``signerKey`` may be looked at, to find the sender in a roster; nothing else of
/// the file is parsed until ``verify()`` has checked the digest and the signature over
/// every byte. This is "verification is a type": a ``VerifiedBundle`` can only be made here.
public struct UnverifiedBundle: Sendable {
    public let path: String
    /// The key the bundle claims to be signed with (from the preamble).
    public let signerKey: SigningPublicKey
    let preamble: [UInt8]
    let headerLength: Int

    /// Reads and checks the preamble: magic (B1), version (B2), flags (B3), length (B4).
    public static func open(path: String) throws(BundleError) -> UnverifiedBundle {
        let input = try FileInput(path: path)
        let available = min(input.size, BundleFormat.preambleSize)
        guard let preamble = try input.read(available) else { throw .truncated }
        let magicPart = min(available, BundleFormat.magic.count)
        guard Array(preamble[0..<magicPart]) == Array(BundleFormat.magic[0..<magicPart]) else { throw .notABundle }
        guard available >= 10 else { throw .truncated }
        var r = ByteReader(Array(preamble[8...]))
        let version = try! r.u16("version")
        guard version == BundleFormat.version else { throw .unsupportedVersion(version) }
        guard available >= 12 else { throw .truncated }
        guard try! r.u16("flags") == 0 else { throw .unsupportedFlags }
        guard input.size >= BundleFormat.minimumFileSize else { throw .truncated }
        let key: SigningPublicKey
        do { key = try SigningPublicKey(rawRepresentation: try! r.raw(32, "key")) } catch { throw .signatureInvalid }
        let headerLength = Int(try! r.u32("header length"))
        return UnverifiedBundle(path: path, signerKey: key, preamble: preamble, headerLength: headerLength)
    }

    /// Checks the digest (B5) and the signature (B6) over the whole file, streaming it
    /// through a bounded buffer, and only then parses the header strictly (B7–B15).
    public func verify() throws(BundleError) -> VerifiedBundle {
        let input = try FileInput(path: path)
        let size = input.size
        guard size >= BundleFormat.minimumFileSize else { throw .truncated }
        var hasher = SHA256()
        guard try input.stream(size - BundleFormat.trailerSize, { hasher.update(data: $0) }),
              let trailer = try input.read(BundleFormat.trailerSize)
        else { throw .truncated }
        let digest = Array(hasher.finalize())
        guard Array(trailer[0..<32]) == digest else { throw .digestMismatch }
        guard signerKey.isValidSignature(Array(trailer[32...]), for: BundleFormat.signatureContext + digest) else {
            throw .signatureInvalid
        }

        // Signed: now the header may be looked at.
        guard headerLength <= BundleFormat.maxHeaderLength else {
            throw .tooLarge(what: "header", limit: BundleFormat.maxHeaderLength)
        }
        let bodyOffset = BundleFormat.preambleSize + headerLength
        guard bodyOffset + BundleFormat.endMarkerSize + BundleFormat.trailerSize <= size else { throw .truncated }
        input.seek(to: 0)
        guard let front = try input.read(bodyOffset) else { throw .truncated }
        guard Array(front[0..<BundleFormat.preambleSize]) == preamble else {
            throw .io(path: path, reason: "the file changed while it was being read")
        }
        let header = try BundleHeader.decode(Array(front[BundleFormat.preambleSize...]))
        return VerifiedBundle(header: header, signerKey: signerKey, path: path, fileSize: size, digest: digest,
                              headerHash: Array(SHA256.hash(data: front)), bodyOffset: bodyOffset)
    }
}
