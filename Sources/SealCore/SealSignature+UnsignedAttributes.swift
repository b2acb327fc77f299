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
        guard let object = KnownObjects.object(oid) else { throw .profile("not an OID: \(oid)") }
        guard let encodedOID = object.der else { throw .profile("not an OID: \(oid)") }
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
