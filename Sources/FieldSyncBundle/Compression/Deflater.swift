import CZlib

/// Compresses record blocks to the zlib format (RFC 1950), one complete stream per block.
///
/// The `z_stream` lives at a fixed heap address because zlib keeps a pointer back to it.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(BundleError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = deflateInit_(stream, Z_DEFAULT_COMPRESSION, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw .io(path: "zlib", reason: "zlib deflateInit failed (\(rc))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// One zlib stream holding `input`.
    func compress(_ input: [UInt8]) throws(BundleError) -> [UInt8] {
        guard deflateReset(stream) == Z_OK else { throw .io(path: "zlib", reason: "zlib deflateReset failed") }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var input = input
        let (rc, produced) = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.pointee.next_in = inBuf.baseAddress
                stream.pointee.avail_in = uInt(inBuf.count)
                stream.pointee.next_out = outBuf.baseAddress
                stream.pointee.avail_out = uInt(outBuf.count)
                let rc = deflate(stream, Z_FINISH)
                let produced = outBuf.count - Int(stream.pointee.avail_out)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (rc, produced)
            }
        }
        guard rc == Z_STREAM_END else { throw .io(path: "zlib", reason: "zlib deflate failed (\(rc))") }
        output.removeSubrange(produced...)
        return output
    }
}
