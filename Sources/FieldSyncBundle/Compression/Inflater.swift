import CZlib

/// Inflates one zlib stream into a fixed buffer of `limit + 1` bytes, so that a frame
/// that expands past the limit (a "zip bomb") is detected without ever allocating more.
final class Inflater {
    enum Failure: Error, Equatable {
        /// The stream inflates to more than the limit.
        case tooLarge
        /// Not a complete, valid zlib stream, or bytes after its end.
        case invalid(String)
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private var buffer: [UInt8]
    let limit: Int

    init(limit: Int = BundleFormat.maxBlockSize) throws(BundleError) {
        self.limit = limit
        buffer = [UInt8](repeating: 0, count: limit + 1)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = inflateInit_(stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw .io(path: "zlib", reason: "zlib inflateInit failed (\(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func inflate(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        guard inflateReset(stream) == Z_OK else { throw .invalid("zlib inflateReset failed") }
        var input = input
        let stream = self.stream
        let (rc, produced, leftover) = input.withUnsafeMutableBufferPointer { inBuf in
            buffer.withUnsafeMutableBufferPointer { outBuf in
                stream.pointee.next_in = inBuf.baseAddress
                stream.pointee.avail_in = uInt(inBuf.count)
                stream.pointee.next_out = outBuf.baseAddress
                stream.pointee.avail_out = uInt(outBuf.count)
                let rc = CZlib.inflate(stream, Z_FINISH)
                let produced = outBuf.count - Int(stream.pointee.avail_out)
                let leftover = Int(stream.pointee.avail_in)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (rc, produced, leftover)
            }
        }
        if produced > limit { throw .tooLarge }
        switch rc {
        case Z_STREAM_END:
            guard leftover == 0 else { throw .invalid("\(leftover) bytes follow the end of the compressed block") }
            return Array(buffer[0..<produced])
        case Z_NEED_DICT:
            throw .invalid("the compressed block asks for a preset dictionary")
        case Z_DATA_ERROR:
            throw .invalid("the compressed block is not valid zlib data")
        case Z_BUF_ERROR, Z_OK:
            throw .invalid("the compressed block ends early")
        default:
            throw .invalid("zlib inflate failed (\(rc))")
        }
    }
}
