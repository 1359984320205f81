import Crypto
import FieldSyncCore
import Foundation

/// Writes one `.fsb` bundle, streaming: it never holds more than one frame in memory.
///
/// The header comes first in the file and states the frame count, and every frame's
/// authenticated data includes a hash of the header; but frame boundaries are only known
/// once the records have been seen. The writer therefore spools the compressed frames to
/// a hidden body file, sealed under a throwaway key that never leaves memory (so no case
/// data ever reaches the disk in the clear), and ``finish()`` assembles the real file:
/// preamble, header, each frame re-sealed under the content key, end marker, trailer.
///
/// Both the spool and the file being assembled live in the destination folder under
/// names that start with `.` and end with `.partial`. The finished file is fsynced,
/// renamed onto `path`, and the folder fsynced; on any failure, or if the writer is
/// dropped before ``finish()``, both are removed, so `path` only ever holds a whole bundle.
///
/// ```swift
/// let writer = try BundleWriter(path: "out/630122101-to-hub-0007-20261129.fsb", draft: draft, signingKey: key)
/// try writer.append(contentsOf: changes)
/// let header = try writer.finish()
/// ```
public final class BundleWriter {
    private enum State { case open, finished, failed }

    private let path: String
    private let folder: String
    private let tempPath: String
    private let spoolPath: String
    private let signingKey: SigningPrivateKey
    private let contentKey: [UInt8]
    private let frameTarget: Int
    private var header: BundleHeader
    private var state = State.open

    private var spool: FileOutput?
    private let spoolSeal: FrameSeal
    private let deflater: Deflater
    private var block = ByteWriter(capacity: 64 * 1024)
    private var blockRecords = 0
    private var frames = 0
    private var expected: [String: Int]
    private var actual: [String: Int] = [:]

    /// Checks the draft, wraps the content key for each recipient, and creates the spool.
    ///
    /// - Parameters:
    ///   - frameTarget: a new frame starts once a block reaches this many uncompressed
    ///     bytes (a block never exceeds ~1 MiB whatever the target).
    public init(path: String, draft: BundleDraft, signingKey: SigningPrivateKey,
                randomness: BundleRandomness = .generate(), frameTarget: Int = BundleFormat.defaultFrameTarget) throws(BundleError) {
        try Self.check(draft)
        guard randomness.contentKey.count == 32 else { throw .invalidKey("a content key is 32 bytes, not \(randomness.contentKey.count)") }
        guard frameTarget >= 1 else { throw .invalidDraft("the frame target must be positive") }

        let recipients = draft.recipients.sorted { $0.site < $1.site }
        var wrapped: [[UInt8]] = []
        for recipient in recipients {
            wrapped.append(try ContentKeyWrap.wrap(contentKey: randomness.contentKey, for: recipient.key,
                                                   ephemeral: randomness.ephemeralKey, bundleID: randomness.bundleID))
        }
        let counts = draft.tableCounts.filter { $0.value > 0 }
        header = BundleHeader(bundleID: randomness.bundleID, kind: draft.kind, sender: draft.sender, senderName: draft.senderName,
                              created: draft.created, schemaName: draft.schemaName, schemaVersion: draft.schemaVersion,
                              schemaFingerprint: draft.schemaFingerprint, recipients: recipients, wrappedKeys: wrapped,
                              ephemeralKey: randomness.ephemeralKey.publicKey, senderVector: draft.senderVector,
                              assumedVector: draft.assumedVector, acknowledgement: draft.acknowledgement,
                              tableCounts: counts, totalChanges: counts.values.reduce(0, +), frameCount: 0)
        expected = counts

        self.path = path
        self.signingKey = signingKey
        self.contentKey = randomness.contentKey
        self.frameTarget = min(frameTarget, BundleFormat.writerBlockLimit)
        let (folder, name) = FileSystem.split(path)
        self.folder = folder
        let tag = BundleID.random().hex.prefix(12)
        tempPath = "\(folder)/.\(name).\(tag).partial"
        spoolPath = "\(folder)/.\(name).\(tag).body.partial"
        spoolSeal = FrameSeal(contentKey: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) },
                              headerHash: [UInt8](repeating: 0, count: 32), frameCount: 0)
        deflater = try Deflater()
        spool = try FileOutput(creating: spoolPath)
    }

    deinit {
        if state != .finished { discard() }
    }

    /// Adds one change. Throws (and abandons the bundle) if the change is not announced by
    /// the draft's table counts or cannot fit in a frame.
    public func append(_ change: Change) throws(BundleError) {
        guard state == .open else { throw .writerClosed }
        do throws(BundleError) {
            let seen = (actual[change.table] ?? 0) + 1
            let announced = expected[change.table] ?? 0
            guard seen <= announced else { throw BundleError.countMismatch(table: change.table, expected: announced, actual: seen) }
            actual[change.table] = seen

            var record = ByteWriter()
            change.encode(into: &record)
            guard 4 + record.bytes.count <= BundleFormat.writerBlockLimit else {
                throw BundleError.tooLarge(what: "change record for \(change.table).\(change.column)", limit: BundleFormat.writerBlockLimit - 4)
            }
            if blockRecords > 0,
               4 + block.bytes.count + record.bytes.count > BundleFormat.writerBlockLimit
                || blockRecords == BundleFormat.maxRecordsPerFrame {
                try flushBlock()
            }
            block.raw(record.bytes)
            blockRecords += 1
            if 4 + block.bytes.count >= frameTarget { try flushBlock() }
        } catch {
            discard()
            throw error
        }
    }

    public func append(contentsOf changes: [Change]) throws(BundleError) {
        for change in changes { try append(change) }
    }

    /// Writes the bundle to `path`, atomically, and returns its header.
    public func finish() throws(BundleError) -> BundleHeader {
        guard state == .open else { throw .writerClosed }
        do throws(BundleError) {
            if blockRecords > 0 { try flushBlock() }
            for (table, count) in expected where actual[table, default: 0] != count {
                throw BundleError.countMismatch(table: table, expected: count, actual: actual[table, default: 0])
            }
            header.frameCount = frames
            try assemble()
            state = .finished
            return header
        } catch {
            discard()
            throw error
        }
    }

    /// Removes the hidden `.partial` files that a bundle writer killed part way (power
    /// cut, Ctrl-C) left in `folder`; those of a writer still running are kept. Returns
    /// the names removed.
    @discardableResult
    public static func removeStalePartialFiles(in folder: String) -> [String] {
        FileSystem.removeStalePartialFiles(in: folder)
    }

    // MARK: - Frames

    private func flushBlock() throws(BundleError) {
        var plain = ByteWriter(capacity: 4 + block.bytes.count)
        plain.u32(UInt32(blockRecords))
        plain.raw(block.bytes)
        let compressed = try deflater.compress(plain.bytes)
        guard compressed.count <= BundleFormat.maxCompressedSize else {
            throw .tooLarge(what: "compressed frame", limit: BundleFormat.maxCompressedSize)
        }
        let sealed = try spoolSeal.seal(compressed, index: frames)
        var framed = ByteWriter(capacity: 4 + sealed.count)
        framed.u32(UInt32(sealed.count))
        framed.raw(sealed)
        guard let spool else { throw .writerClosed }
        try spool.write(framed.bytes)
        frames += 1
        block.removeAll()
        blockRecords = 0
    }

    private func assemble() throws(BundleError) {
        guard let spool else { throw .writerClosed }
        try spool.close()
        self.spool = nil

        let headerBytes = header.encoded()
        guard headerBytes.count <= BundleFormat.maxHeaderLength else {
            throw .tooLarge(what: "header", limit: BundleFormat.maxHeaderLength)
        }
        let front = Self.preamble(signingKey: signingKey.publicKey, headerLength: headerBytes.count) + headerBytes
        let seal = FrameSeal(contentKey: contentKey, headerHash: Array(SHA256.hash(data: front)), frameCount: frames)

        let input = try FileInput(path: spoolPath)
        let output = try FileOutput(creating: tempPath)
        var hasher = SHA256()
        func emit(_ bytes: [UInt8]) throws(BundleError) {
            hasher.update(data: bytes)
            try output.write(bytes)
        }
        try emit(front)
        for index in 0..<frames {
            guard let lengthBytes = try input.read(4) else { throw .io(path: spoolPath, reason: "the spool ends early") }
            var r = ByteReader(lengthBytes)
            let length = Int(try! r.u32("length"))
            guard let spooled = try input.read(length), let compressed = spoolSeal.open(spooled, index: index) else {
                throw .io(path: spoolPath, reason: "the spool was changed while the bundle was written")
            }
            let sealed = try seal.seal(compressed, index: index)
            var w = ByteWriter(capacity: 4 + sealed.count)
            w.u32(UInt32(sealed.count))
            w.raw(sealed)
            try emit(w.bytes)
        }
        try emit([0, 0, 0, 0])
        let digest = Array(hasher.finalize())
        try output.write(try Self.trailer(digest: digest, signingKey: signingKey))
        try output.sync()
        try output.close()
        FileSystem.remove(spoolPath)
        try FileSystem.rename(tempPath, to: path)
        try FileSystem.syncDirectory(folder)
    }

    private func discard() {
        state = .failed
        try? spool?.close()
        spool = nil
        FileSystem.remove(spoolPath)
        FileSystem.remove(tempPath)
    }

    // MARK: - Pieces shared with the reader and with tests

    static func preamble(signingKey: SigningPublicKey, headerLength: Int) -> [UInt8] {
        var w = ByteWriter(capacity: BundleFormat.preambleSize)
        w.raw(BundleFormat.magic)
        w.u16(BundleFormat.version)
        w.u16(0)
        w.raw(signingKey.rawRepresentation)
        w.u32(UInt32(headerLength))
        return w.bytes
    }

    static func trailer(digest: [UInt8], signingKey: SigningPrivateKey) throws(BundleError) -> [UInt8] {
        do {
            return digest + (try signingKey.signature(for: BundleFormat.signatureContext + digest))
        } catch {
            throw .invalidKey("the signing key could not sign the bundle")
        }
    }

    static func check(_ draft: BundleDraft) throws(BundleError) {
        guard !draft.recipients.isEmpty else { throw .invalidDraft("a bundle needs at least one recipient") }
        guard draft.recipients.count <= BundleFormat.maxRecipients else {
            throw .tooLarge(what: "recipient count", limit: BundleFormat.maxRecipients)
        }
        guard Set(draft.recipients.map(\.site)).count == draft.recipients.count else {
            throw .invalidDraft("a recipient site is listed twice")
        }
        guard draft.senderName.utf8.count <= BundleFormat.maxNameLength else {
            throw .invalidDraft("the sender name is longer than \(BundleFormat.maxNameLength) bytes")
        }
        guard !draft.schemaName.isEmpty, draft.schemaName.utf8.count <= BundleFormat.maxNameLength else {
            throw .invalidDraft("the schema name must have 1 to \(BundleFormat.maxNameLength) bytes")
        }
        guard draft.schemaVersion >= 0, draft.schemaVersion <= Int(UInt32.max) else {
            throw .invalidDraft("the schema version is out of range")
        }
        guard draft.schemaFingerprint.count == 32 else { throw .invalidDraft("the schema fingerprint must be 32 bytes") }
        let counts = draft.tableCounts.filter { $0.value != 0 }
        for (table, count) in counts {
            guard Identifier.isValid(table) else { throw .invalidDraft("table name \(table) is not a valid identifier") }
            guard count > 0 else { throw .invalidDraft("table \(table) has a negative count") }
            guard count <= BundleFormat.maxTotalChanges else { throw .tooLarge(what: "total change count", limit: BundleFormat.maxTotalChanges) }
        }
        guard counts.count <= BundleFormat.maxTables else { throw .tooLarge(what: "table count", limit: BundleFormat.maxTables) }
        guard counts.values.reduce(0, +) <= BundleFormat.maxTotalChanges else {
            throw .tooLarge(what: "total change count", limit: BundleFormat.maxTotalChanges)
        }
    }
}
