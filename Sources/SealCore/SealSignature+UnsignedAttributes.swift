internal import CSealShim

extension SealSignature {
    /// This seal's DER with unsigned attribute `oid` set to the single DER `value` (replacing any
    /// earlier one), or removed when `value` is nil. The edit is made in the bytes, walking only
    /// the headers on the path to the SignerInfo: re-parsing the CMS would decode every carried
    /// certificate's key, which costs more than the signatures. The signed part is copied unchanged.
    public func der(settingUnsignedAttribute oid: String, to value: [UInt8]?) throws(FormatError) -> [UInt8] {
        try Self.der(der, settingUnsignedAttribute: oid, to: value)
    }

    /// `der(settingUnsignedAttribute:to:)` on a seal's bytes that were never parsed (a new seal).
    public static func der(_ der: [UInt8], settingUnsignedAttribute oid: String, to value: [UInt8]?) throws(FormatError) -> [UInt8] {
        // Encoded by OpenSSL: the project's own arc (2.25.<UUID>) has a 128-bit component.
        guard let object = OBJ_txt2obj(oid, 1) else { throw .profile("not an OID: \(oid)") }
        defer { ASN1_OBJECT_free(object) }
        guard let encodedOID = try? DER.encode("an OID", { i2d_ASN1_OBJECT(object, $0) }) else { throw .profile("not an OID: \(oid)") }
        guard let edited = settingUnsignedAttribute(in: der, oid: encodedOID, value: value) else {
            throw .profile("cannot edit the unsigned attributes: unexpected structure")
        }
        return edited
    }

    /// ContentInfo { contentType, [0] { SignedData { …, signerInfos SET { SignerInfo { …, [1] attrs? } } } } }.
    /// `oid` is the attribute type's whole DER encoding. Nil when the bytes do not have that shape.
    static func settingUnsignedAttribute(in der: [UInt8], oid: [UInt8], value: [UInt8]?) -> [UInt8]? {
        guard let root = TLV.read(der, at: 0), root.tag == 0x30, root.end == der.count,
              let contentInfo = root.children(of: der), contentInfo.count == 2, contentInfo[1].tag == 0xA0,
              let wrapper = contentInfo[1].children(of: der), wrapper.count == 1, wrapper[0].tag == 0x30,
              let signedData = wrapper[0].children(of: der), let signerInfos = signedData.last, signerInfos.tag == 0x31,
              let infos = signerInfos.children(of: der), infos.count == 1, infos[0].tag == 0x30,
              var fields = infos[0].children(of: der) else { return nil }
        var attributes: [ArraySlice<UInt8>] = []
        if let last = fields.last, last.tag == 0xA1 {
            fields.removeLast()
            guard let existing = last.children(of: der) else { return nil }
            for attribute in existing {
                guard attribute.tag == 0x30, let type = attribute.children(of: der)?.first else { return nil }
                if !der[type.range].elementsEqual(oid) { attributes.append(der[attribute.range]) }
            }
        }
        if let value { attributes.append(ArraySlice(TLV.encode(0x30, [ArraySlice(oid), ArraySlice(TLV.encode(0x31, [ArraySlice(value)]))]))) }
        attributes.sort(by: TLV.setOrder)
        var signerFields = fields.map { der[$0.range] }
        if !attributes.isEmpty { signerFields.append(ArraySlice(TLV.encode(0xA1, attributes))) }
        let signerInfo = TLV.encode(0x30, signerFields)
        let newSignedData = TLV.encode(0x30, signedData.dropLast().map { der[$0.range] } + [ArraySlice(TLV.encode(0x31, [ArraySlice(signerInfo)]))])
        return TLV.encode(0x30, [der[contentInfo[0].range], ArraySlice(TLV.encode(0xA0, [ArraySlice(newSignedData)]))])
    }
}

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
