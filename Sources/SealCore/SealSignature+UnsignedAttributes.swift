internal import CSealShim
import SwiftASN1

extension SealSignature {
    /// This seal's DER with unsigned attribute `oid` set to the single DER `value` (replacing any
    /// earlier one), or removed when `value` is nil. The edit is made in the bytes: re-parsing the
    /// CMS would decode every carried certificate's key, which costs more than the signatures.
    /// The signed part is copied unchanged.
    public func der(settingUnsignedAttribute oid: String, to value: [UInt8]?) throws(FormatError) -> [UInt8] {
        // Encoded by OpenSSL: the project's own arc (2.25.<UUID>) has a 128-bit component.
        guard let object = OBJ_txt2obj(oid, 1) else { throw .profile("not an OID: \(oid)") }
        defer { ASN1_OBJECT_free(object) }
        do {
            let encodedOID = try DER.encode("an OID") { i2d_ASN1_OBJECT(object, $0) }
            return try Self.settingUnsignedAttribute(in: der, oid: encodedOID, value: value)
        } catch {
            throw .profile("cannot edit the unsigned attributes: \(error)")
        }
    }

    /// ContentInfo { contentType, [0] { SignedData { …, signerInfos SET { SignerInfo { …, [1] attrs? } } } } }
    /// `oid` is the attribute type's whole DER encoding (tag, length, content).
    static func settingUnsignedAttribute(in der: [UInt8], oid: [UInt8], value: [UInt8]?) throws -> [UInt8] {
        func children(_ node: ASN1Node) throws -> [ASN1Node] {
            guard case .constructed(let collection) = node.content else { throw ASN1Error.unexpectedFieldType(node.identifier) }
            return Array(collection)
        }
        let root = try SwiftASN1.DER.parse(der)
        let contentInfo = try children(root)
        guard contentInfo.count == 2 else { throw ASN1Error.invalidASN1Object(reason: "ContentInfo") }
        let wrapper = try children(contentInfo[1])
        guard wrapper.count == 1 else { throw ASN1Error.invalidASN1Object(reason: "[0] SignedData") }
        let signedData = try children(wrapper[0])
        guard let signerInfosNode = signedData.last, signerInfosNode.identifier == .set else {
            throw ASN1Error.invalidASN1Object(reason: "signerInfos")
        }
        let signerInfos = try children(signerInfosNode)
        guard signerInfos.count == 1 else { throw ASN1Error.invalidASN1Object(reason: "one SignerInfo") }
        var fields = try children(signerInfos[0])
        let unsignedTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)
        var attributes: [ArraySlice<UInt8>] = []
        if let last = fields.last, last.identifier == unsignedTag {
            fields.removeLast()
            for attribute in try children(last) {
                guard let type = try children(attribute).first else { throw ASN1Error.invalidASN1Object(reason: "Attribute") }
                if !type.encodedBytes.elementsEqual(oid) { attributes.append(attribute.encodedBytes) }
            }
        }
        if let value {
            var serializer = SwiftASN1.DER.Serializer()
            try serializer.appendConstructedNode(identifier: .sequence) { attribute in
                attribute.serializeRawBytes(oid)
                try attribute.appendConstructedNode(identifier: .set) { $0.serializeRawBytes(value) }
            }
            attributes.append(ArraySlice(serializer.serializedBytes))
        }
        // DER orders a SET OF by its members' encodings (X.690 §11.6).
        attributes.sort { left, right in
            for (a, b) in zip(left, right) where a != b { return a < b }
            return left.count < right.count
        }
        func wrap(_ identifier: ASN1Identifier, _ parts: [ArraySlice<UInt8>]) throws -> ArraySlice<UInt8> {
            var serializer = SwiftASN1.DER.Serializer()
            try serializer.appendConstructedNode(identifier: identifier) { node in
                for part in parts { node.serializeRawBytes(part) }
            }
            return ArraySlice(serializer.serializedBytes)
        }
        let signerInfo = try wrap(.sequence, fields.map(\.encodedBytes) + (attributes.isEmpty ? [] : [try wrap(unsignedTag, attributes)]))
        let newSignedData = try wrap(.sequence, signedData.dropLast().map(\.encodedBytes) + [try wrap(.set, [signerInfo])])
        return Array(try wrap(.sequence, [contentInfo[0].encodedBytes, try wrap(contentInfo[1].identifier, [newSignedData])]))
    }
}
