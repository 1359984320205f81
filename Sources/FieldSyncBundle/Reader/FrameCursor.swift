import Crypto
import FieldSyncCore
import Foundation

/// Walks the body of a bundle frame by frame: reads a sealed frame, authenticates and
/// decrypts it, inflates it into a bounded buffer and parses its record block.
///
/// It also re-hashes every byte it passes, so that after the end marker it can confirm
/// the file is still the one whose signature was verified.
struct FrameCursor {
    private let input: FileInput
    private let seal: FrameSeal
    private let inflater: Inflater
    private let frameCount: Int
    private let bodyEnd: Int
    private let digest: [UInt8]
    private var hasher = SHA256()
    private var index = 0
    private var done = false
    /// Table and column names holding a control character are refused in a bundle sent to a
    /// hub (B19); a return bundle is read as the hub merged it.
    private let refusesControlCharacters: Bool

    init(bundle: ReadableBundle) throws(BundleError) {
        input = try FileInput(path: bundle.path)
        guard input.size == bundle.fileSize else { throw .io(path: bundle.path, reason: "the file changed since it was verified") }
        seal = FrameSeal(contentKey: bundle.contentKey, headerHash: bundle.headerHash, frameCount: bundle.header.frameCount)
        inflater = try Inflater()
        frameCount = bundle.header.frameCount
        refusesControlCharacters = bundle.header.kind == .stationToHub
        bodyEnd = bundle.fileSize - BundleFormat.trailerSize
        digest = bundle.digest
        guard let front = try input.read(bundle.bodyOffset), Array(SHA256.hash(data: front)) == bundle.headerHash else {
            throw .io(path: bundle.path, reason: "the file changed since it was verified")
        }
        hasher.update(data: front)
    }

    /// The records of the next frame, or nil after the end marker has been checked.
    mutating func next() throws(BundleError) -> [Change]? {
        guard !done else { return nil }
        let offset = input.position
        guard offset + 4 <= bodyEnd, let lengthBytes = try input.read(4) else { throw .truncated }
        hasher.update(data: lengthBytes)
        var lr = ByteReader(lengthBytes)
        let length = Int(try! lr.u32("frame length"))

        if index == frameCount {
            guard length == 0 else {
                throw .bodyInvalid(offset: offset, reason: "more frames than the \(frameCount) the header declares")
            }
            guard input.position == bodyEnd else {
                throw .bodyInvalid(offset: input.position, reason: "\(bodyEnd - input.position) bytes between the end marker and the trailer")
            }
            guard Array(hasher.finalize()) == digest else { throw .digestMismatch }
            done = true
            return nil
        }
        guard length != 0 else {
            throw .bodyInvalid(offset: offset, reason: "the body ends after \(index) of the \(frameCount) frames the header declares")
        }
        guard length <= BundleFormat.maxSealedSize else {
            throw .tooLarge(what: "frame \(index) (declared sealed length)", limit: BundleFormat.maxSealedSize)
        }
        guard length > BundleFormat.tagSize else {
            throw .frameInvalid(index: index, offset: offset, reason: "sealed length \(length) leaves no room for data")
        }
        guard length <= bodyEnd - input.position, let sealed = try input.read(length) else { throw .truncated }
        hasher.update(data: sealed)

        guard let compressed = seal.open(sealed, index: index) else {
            throw .frameAuthenticationFailed(index: index, offset: offset)
        }
        let block: [UInt8]
        do throws(Inflater.Failure) {
            block = try inflater.inflate(compressed)
        } catch {
            switch error {
            case .tooLarge: throw .tooLarge(what: "frame \(index) after decompression", limit: BundleFormat.maxBlockSize)
            case let .invalid(reason): throw .frameInvalid(index: index, offset: offset, reason: reason)
            }
        }
        let records = try Self.parse(block, index: index, offset: offset, refusingControlCharacters: refusesControlCharacters)
        index += 1
        return records
    }

    /// A record block: count u32 (1 … 65,536), then exactly that many records (B19).
    static func parse(_ block: [UInt8], index: Int, offset: Int, refusingControlCharacters: Bool) throws(BundleError) -> [Change] {
        var r = ByteReader(block)
        do throws(DecodingError) {
            let count = Int(try r.u32("record count"))
            guard count >= 1 else { throw DecodingError.invalid(what: "record count", reason: "zero") }
            guard count <= BundleFormat.maxRecordsPerFrame else {
                throw DecodingError.tooLarge(what: "record count", size: count, limit: BundleFormat.maxRecordsPerFrame)
            }
            var records: [Change] = []
            records.reserveCapacity(count)
            var decoder = ChangeDecoder(refusingControlCharacters: refusingControlCharacters)
            for _ in 0..<count { records.append(try decoder.decode(from: &r)) }
            try r.finish("record block")
            return records
        } catch {
            throw .frameInvalid(index: index, offset: offset, reason: error.description)
        }
    }
}
