import CSealZlib

/// A package's files read from memory: the central directory as `OFDZipAppender` walks it (one
/// disk, no zip64, no encryption, every entry where and as the directory says, the entries back
/// to back with nothing between them), and each file stored or raw-inflated by zlib into a
/// buffer of exactly its declared size.
///
/// ZIPFoundation read packages before: from a temporary file, because its in-memory reader traps
/// on a hostile offset; it ended its listing at the first entry it could not read; and staging
/// the file plus its per-entry bookkeeping were about a fifth of sealing an OFD (`perf`, `seal-bench
/// profile ofd-seals`), beside inflating itself. What the appender cannot rewrite is now refused
/// at reading, so a package Seal reads is one it can seal.
struct OFDZipReader {
    struct Entry {
        let name: String
        /// 0 stored, 8 deflated.
        let method: Int
        let compressedSize: Int
        let size: Int
        /// Where the entry's data lies in the package.
        let data: Range<Int>
        let isDirectory: Bool
        let isSymbolicLink: Bool
    }

    let entries: [Entry]

    /// Nil for bytes that are not a zip of the plain form.
    init?(_ zip: [UInt8]) {
        guard let listed = OFDZipAppender.centralDirectory(of: zip) else { return nil }
        var entries: [Entry] = []
        entries.reserveCapacity(listed.count)
        for entry in listed {
            let record = Array(entry.record)
            guard let method = OFDZipAppender.read16(record, 10), let compressed = OFDZipAppender.read32(record, 20),
                  let size = OFDZipAppender.read32(record, 24), let madeBy = OFDZipAppender.read16(record, 4),
                  let attributes = OFDZipAppender.read32(record, 38),
                  let name = String(validating: entry.name, as: UTF8.self) else { return nil }
            // Unix modes sit in the high half of the external attributes of entries made on Unix.
            let mode = madeBy >> 8 == 3 ? attributes >> 16 & 0o170000 : 0
            entries.append(Entry(name: name, method: method, compressedSize: compressed, size: size,
                                 data: entry.dataStart..<(entry.dataStart + compressed),
                                 isDirectory: name.hasSuffix("/") || mode == 0o040000, isSymbolicLink: mode == 0o120000))
        }
        self.entries = entries
    }

    /// Why an entry's bytes cannot be read.
    enum ReadError: Error, Equatable {
        case method(Int)
        case longer
        case shorter
        case corrupt
    }

    /// The entry's bytes; never more than its declared size is written.
    static func read(_ entry: Entry, in zip: [UInt8]) throws(ReadError) -> [UInt8] {
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else { throw entry.compressedSize > entry.size ? .longer : .shorter }
            return Array(zip[entry.data])
        case 8:
            return try inflate(zip[entry.data], size: entry.size)
        default:
            throw .method(entry.method)
        }
    }

    /// Raw deflate data inflated into exactly `size` bytes.
    private static func inflate(_ input: ArraySlice<UInt8>, size: Int) throws(ReadError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }
        // One byte more than declared, so that data that goes on past it is told apart from data
        // that ends exactly there.
        var output = [UInt8](repeating: 0, count: size + 1)
        let status = stream.finish(input, into: &output) { CSealZlib.inflate($0, Z_FINISH) }
        let produced = Int(stream.total_out)
        guard produced <= size else { throw .longer }
        guard status == Z_STREAM_END else { throw .corrupt }
        guard produced == size else { throw .shorter }
        output.removeLast()
        return output
    }
}

extension z_stream {
    /// Runs `step` (deflate or inflate, finishing) once over all of `input` into `output`.
    mutating func finish(_ input: ArraySlice<UInt8>, into output: inout [UInt8],
                         _ step: (UnsafeMutablePointer<z_stream>) -> Int32) -> Int32 {
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { buffer in
                next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                avail_in = uInt(source.count)
                next_out = buffer.baseAddress
                avail_out = uInt(buffer.count)
                return step(&self)
            }
        }
    }
}
