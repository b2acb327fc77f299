import CSealZlib
import Foundation
import SealCore

/// A package rewritten in memory: every entry that stays is copied byte for byte (local header,
/// data and data descriptor as they are), replaced and new files are written after them, then a
/// new central directory. Sealing replaces one or two small files of a package; ZIPFoundation
/// did it through a temporary file, rewriting the whole archive once per removed entry.
///
/// Only the plain form is handled: one disk, no zip64, no encryption, entries laid out as the
/// central directory says. Anything else gives `nil` (and `OFDZipReader` does not read it).
enum OFDZipAppender {
    static func replacing(_ files: [(name: String, bytes: [UInt8])], in original: [UInt8]) -> [UInt8]? {
        guard let entries = centralDirectory(of: original) else { return nil }
        let replaced = Set(files.map { Array($0.name.utf8) })
        var out: [UInt8] = []
        out.reserveCapacity(original.count + files.reduce(0) { $0 + $1.bytes.count })
        var directory: [UInt8] = []
        var count = 0
        for entry in entries where !replaced.contains(entry.name) {
            var record = Array(entry.record)
            put32(UInt32(out.count), at: 42, in: &record)
            out += original[entry.span]
            directory += record
            count += 1
        }
        let (time, date) = dosTime(Date())
        for (name, bytes) in files {
            let nameBytes = Array(name.utf8)
            let deflated = name.hasSuffix(".xml") ? rawDeflate(bytes) : nil
            let data = deflated ?? bytes
            let crc = UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
            // version 2.0, no flags (names are ASCII here; UTF-8 ones set bit 11), method, time, CRC, sizes.
            var common: [UInt8] = []
            append16(20, to: &common)
            append16(nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 0x0800, to: &common)
            append16(deflated == nil ? 0 : 8, to: &common)
            append16(time, to: &common)
            append16(date, to: &common)
            append32(crc, to: &common)
            append32(UInt32(data.count), to: &common)
            append32(UInt32(bytes.count), to: &common)
            append16(UInt16(nameBytes.count), to: &common)
            append16(0, to: &common)
            var central: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
            append16(0x0314, to: &central)  // made by: Unix, version 2.0
            central += common
            append16(0, to: &central)  // comment
            append16(0, to: &central)  // disk
            append16(0, to: &central)  // internal attributes
            append32(0o100644 << 16, to: &central)  // a regular file, rw-r--r--
            append32(UInt32(out.count), to: &central)
            central += nameBytes
            out += [0x50, 0x4B, 0x03, 0x04] + common + nameBytes + data
            directory += central
            count += 1
        }
        guard count <= 0xFFFF, out.count + directory.count < 0xFFFF_FFFF else { return nil }
        let directoryOffset = out.count
        out += directory
        out += [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0]
        append16(UInt16(count), to: &out)
        append16(UInt16(count), to: &out)
        append32(UInt32(directory.count), to: &out)
        append32(UInt32(directoryOffset), to: &out)
        append16(0, to: &out)
        return out
    }

    struct Entry {
        let name: [UInt8]
        /// The central directory record, as read.
        let record: ArraySlice<UInt8>
        /// The local header, data and data descriptor.
        let span: Range<Int>
        /// Where the data starts, after the local header.
        let dataStart: Int
    }

    /// The entries the end record and central directory list, each with where its bytes lie;
    /// nil for anything but the plain form, or for bytes that do not add up.
    static func centralDirectory(of zip: [UInt8]) -> [Entry]? {
        guard let end = endRecord(of: zip), let disk = read16(zip, end + 4), let startDisk = read16(zip, end + 6), disk == 0, startDisk == 0,
              let count = read16(zip, end + 10), let size = read32(zip, end + 12), let offset = read32(zip, end + 16),
              count != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF, offset + size == end else { return nil }
        var entries: [Entry] = []
        var position = offset
        for _ in 0..<count {
            guard position + 46 <= end, read32(zip, position) == 0x0201_4B50,
                  let flags = read16(zip, position + 8), flags & 0x0001 == 0,  // not encrypted
                  let compressed = read32(zip, position + 20), compressed != 0xFFFF_FFFF,
                  let uncompressed = read32(zip, position + 24), uncompressed != 0xFFFF_FFFF,
                  let nameLength = read16(zip, position + 28), let extraLength = read16(zip, position + 30),
                  let commentLength = read16(zip, position + 32), let entryDisk = read16(zip, position + 34), entryDisk == 0,
                  let local = read32(zip, position + 42), local != 0xFFFF_FFFF else { return nil }
            let recordEnd = position + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= end, local + 30 <= offset, read32(zip, local) == 0x0403_4B50,
                  let localName = read16(zip, local + 26), let localExtra = read16(zip, local + 28) else { return nil }
            let name = Array(zip[(position + 46)..<(position + 46 + nameLength)])
            let dataStart = local + 30 + localName + localExtra
            guard dataStart <= offset, zip[(local + 30)..<min(offset, local + 30 + localName)].elementsEqual(name) else { return nil }
            // What a reader that walks the local headers takes (the data's method, CRC and sizes,
            // here or in a data descriptor) must be what the directory says.
            guard let localFlags = read16(zip, local + 6), localFlags & 0x0009 == flags & 0x0009, read16(zip, local + 8) == read16(zip, position + 10),
                  let crc = read32(zip, position + 16) else { return nil }
            var localSizes = [read32(zip, local + 18), read32(zip, local + 22)]
            if localSizes == [0xFFFF_FFFF, 0xFFFF_FFFF] {
                // Some producers mark the local sizes as in a zip64 extra field, which holds them.
                localSizes = zip64Sizes(in: Array(zip[(local + 30 + localName)..<min(offset, dataStart)]))
            }
            let localFields = [read32(zip, local + 14)] + localSizes
            var spanEnd = dataStart + compressed
            if flags & 0x0008 != 0 {
                // A data descriptor follows: CRC and sizes, with or without its signature.
                let descriptor = read32(zip, spanEnd) == 0x0807_4B50 ? spanEnd + 4 : spanEnd
                guard [read32(zip, descriptor), read32(zip, descriptor + 4), read32(zip, descriptor + 8)] == [crc, compressed, uncompressed],
                      localFields == [0, 0, 0] || localFields == [crc, compressed, uncompressed] else { return nil }
                spanEnd = descriptor + 12
            } else {
                guard localFields == [crc, compressed, uncompressed] else { return nil }
            }
            guard spanEnd <= offset else { return nil }
            entries.append(Entry(name: name, record: zip[position..<recordEnd], span: local..<spanEnd, dataStart: dataStart))
            position = recordEnd
        }
        // The entries follow one another from the first byte to the directory: none overlaps
        // (one's bytes would be copied as another's), and no bytes lie between them, where a
        // reader that walks the local headers would find files the directory does not list.
        let spans = entries.map(\.span).sorted { $0.lowerBound < $1.lowerBound }
        guard Swift.zip([0] + spans.map(\.upperBound), spans.map(\.lowerBound) + [offset]).allSatisfy({ $0 == $1 }) else { return nil }
        return entries
    }

    /// The compressed and uncompressed sizes a zip64 extended information field (header 1) in
    /// `extra` holds, when it holds both and neither exceeds 32 bits.
    static func zip64Sizes(in extra: [UInt8]) -> [Int?] {
        var position = 0
        while let header = read16(extra, position), let length = read16(extra, position + 2) {
            if header == 1, length >= 16, let uncompressed = read32(extra, position + 4), read32(extra, position + 8) == 0,
               let compressed = read32(extra, position + 12), read32(extra, position + 16) == 0 {
                return [compressed, uncompressed]
            }
            position += 4 + length
        }
        return [nil, nil]
    }

    /// Where the end of central directory record starts (the last one within a comment's reach).
    static func endRecord(of zip: [UInt8]) -> Int? {
        guard zip.count >= 22 else { return nil }
        var end = zip.count - 22
        let lowest = max(0, zip.count - 22 - 0xFFFF)
        while end >= lowest, !(zip[end] == 0x50 && zip[end + 1] == 0x4B && zip[end + 2] == 0x05 && zip[end + 3] == 0x06) { end -= 1 }
        return end >= lowest ? end : nil
    }

    /// Raw deflate (no zlib header), as zip stores it; nil if zlib fails.
    static func rawDeflate(_ data: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))))
        let status = stream.finish(data[...], into: &output) { deflate($0, Z_FINISH) }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }

    /// MS-DOS time and date fields of `date` in UTC (two-second resolution).
    static func dosTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        let t = CalendarParts(date)
        let year = min(max(t.year, 1980), 2107) - 1980
        return (UInt16(t.hour << 11 | t.minute << 5 | t.second / 2), UInt16(year << 9 | t.month << 5 | t.day))
    }

    static func read16(_ bytes: [UInt8], _ at: Int) -> Int? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    static func read32(_ bytes: [UInt8], _ at: Int) -> Int? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes += [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    private static func put32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
