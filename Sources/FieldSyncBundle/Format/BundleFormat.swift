/// The constants and limits of the `.fsb` format, version 1, as written in
/// `Protocol/bundle-format.md`. Limits are checked before anything is allocated from a
/// size read out of a file.
public enum BundleFormat {
    /// The 8 ASCII bytes every bundle starts with.
    public static let magic: [UInt8] = Array("FSBUNDLE".utf8)
    /// The one format version this code writes and reads.
    public static let version: UInt16 = 1
    /// magic 8 | version 2 | flags 2 | signing key 32 | header length 4.
    public static let preambleSize = 48
    /// digest 32 | signature 64.
    public static let trailerSize = 96
    /// The end marker: a frame length of zero.
    public static let endMarkerSize = 4
    /// The smallest file that can be a bundle: preamble, empty header, end marker, trailer.
    public static let minimumFileSize = preambleSize + endMarkerSize + trailerSize

    /// Largest header, in bytes.
    public static let maxHeaderLength = 1 << 20
    /// Largest record block (the plaintext of one frame, after inflating), in bytes.
    public static let maxBlockSize = 1 << 20
    /// Largest compressed block, in bytes.
    public static let maxCompressedSize = 1 << 20
    /// The Poly1305 tag that follows each ciphertext.
    public static let tagSize = 16
    /// Largest sealed frame: a compressed block and its tag.
    public static let maxSealedSize = maxCompressedSize + tagSize
    /// Most records in one frame.
    public static let maxRecordsPerFrame = 65_536
    /// Most changes in one bundle.
    public static let maxTotalChanges = 50_000_000
    /// Most tables named in the header.
    public static let maxTables = 256
    /// Most recipients.
    public static let maxRecipients = 16
    /// Longest sender, schema and table name, in UTF-8 bytes.
    public static let maxNameLength = 255

    /// Prefix of the signed message; the SHA-256 digest of the file follows it.
    public static let signatureContext: [UInt8] = Array("FieldSync bundle v1 signature".utf8)
    /// Prefix of the HKDF `info` of the key wrap; recipient and ephemeral public keys follow it.
    public static let keyWrapInfo: [UInt8] = Array("FieldSync v1 key wrap".utf8)

    /// The writer starts a new frame once the block reaches this many bytes by default.
    public static let defaultFrameTarget = 256 * 1024
    /// The writer never lets a block grow past this, leaving room for deflate's worst-case
    /// expansion so that the compressed block stays within ``maxCompressedSize``.
    static let writerBlockLimit = maxBlockSize - 8 * 1024
}
