/// One DER element's position, for tests that craft malformed or re-ordered encodings byte by
/// byte (what no DER serializer will write): walk, cut and re-assemble without parsing leaves.
struct TLV {
    let tag: UInt8
    let start: Int
    let contentStart: Int
    let end: Int
    var range: Range<Int> { start..<end }

    /// The element at `offset` (single-byte tags, definite minimal lengths), or nil.
    static func read(_ bytes: [UInt8], at offset: Int, limit: Int? = nil) -> TLV? {
        let limit = limit ?? bytes.count
        guard offset + 2 <= limit, bytes[offset] & 0x1F != 0x1F else { return nil }
        let first = bytes[offset + 1]
        var length = 0
        var header = 2
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard (1...4).contains(count), offset + 2 + count <= limit, bytes[offset + 2] != 0 else { return nil }
            for index in 0..<count { length = length << 8 | Int(bytes[offset + 2 + index]) }
            guard length >= 0x80 else { return nil }
            header += count
        }
        guard offset + header + length <= limit else { return nil }
        return TLV(tag: bytes[offset], start: offset, contentStart: offset + header, end: offset + header + length)
    }

    /// The elements that exactly fill this one's content, or nil.
    func children(of bytes: [UInt8]) -> [TLV]? {
        var result: [TLV] = []
        var offset = contentStart
        while offset < end {
            guard let child = TLV.read(bytes, at: offset, limit: end) else { return nil }
            result.append(child)
            offset = child.end
        }
        return result
    }

    /// DER orders a SET OF by its members' encodings (X.690 §11.6).
    static func setOrder(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> Bool {
        for (a, b) in zip(left, right) where a != b { return a < b }
        return left.count < right.count
    }

    /// `tag`, a minimal DER length, then the parts.
    static func encode(_ tag: UInt8, _ parts: [ArraySlice<UInt8>]) -> [UInt8] {
        let length = parts.reduce(0) { $0 + $1.count }
        var bytes: [UInt8] = [tag]
        bytes.reserveCapacity(length + 6)
        if length < 0x80 {
            bytes.append(UInt8(length))
        } else {
            var lengthBytes: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                lengthBytes.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            bytes.append(0x80 | UInt8(lengthBytes.count))
            bytes += lengthBytes
        }
        for part in parts { bytes += part }
        return bytes
    }
}
