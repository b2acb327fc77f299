/// One DER element's position: just enough to walk and re-assemble a structure without parsing
/// what is inside its leaves.
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
        var writer = DERWriter(capacity: parts.reduce(6) { $0 + $1.count })
        writer.element(tag, parts)
        return writer.bytes
    }

    /// The value of a one-byte non-negative INTEGER (version fields), or nil.
    static func smallInteger(_ element: TLV, in bytes: [UInt8]) -> Int? {
        guard element.tag == 0x02, element.end - element.contentStart == 1, bytes[element.contentStart] < 0x80 else { return nil }
        return Int(bytes[element.contentStart])
    }

    /// The dotted form of an OBJECT IDENTIFIER's content octets, or nil unless every arc is
    /// minimally encoded (X.690 §8.19).
    static func dottedOID(_ content: ArraySlice<UInt8>) -> String? {
        guard let last = content.last, last & 0x80 == 0 else { return nil }
        var text: [UInt8] = []
        text.reserveCapacity(content.count * 3 + 2)
        var value: UInt64 = 0
        var startsArc = true
        for byte in content {
            if startsArc && byte == 0x80 { return nil }
            guard value >> 57 == 0 else { return nil }
            value = value << 7 | UInt64(byte & 0x7F)
            startsArc = byte & 0x80 == 0
            guard startsArc else { continue }
            if text.isEmpty {
                // The first subidentifier holds the first two arcs (X.690 §8.19.4).
                let root: UInt64 = value < 40 ? 0 : value < 80 ? 1 : 2
                DecimalDigits.append(root, to: &text)
                text.append(UInt8(ascii: "."))
                DecimalDigits.append(value - root * 40, to: &text)
            } else {
                text.append(UInt8(ascii: "."))
                DecimalDigits.append(value, to: &text)
            }
            value = 0
        }
        return String(decoding: text, as: UTF8.self)
    }
}
