internal import CSealShim
public import SwiftASN1
import Foundation

// The CMS (RFC 5652), ESS (RFC 5035) and time-stamp (RFC 3161) structures Seal writes and
// edits, as typed values on swift-asn1: the one ASN.1 toolkit of the project. Fields that Seal
// carries without looking inside (certificates, signer identifiers, attribute values) stay
// `EncodedDER`, which keeps their exact bytes and writes them back unchanged.

/// One DER element kept as its bytes: what Seal carries without looking inside, and what it
/// encodes once per signer and copies into every seal (certificates, ESS attributes).
struct EncodedDER: DERParseable, DERSerializable, Hashable, Sendable {
    let bytes: [UInt8]

    /// Bytes Seal encoded itself (or OpenSSL wrote): one whole DER element, not re-parsed.
    init(encoded bytes: [UInt8]) { self.bytes = bytes }

    init(erasing value: some DERSerializable) throws {
        var coder = DER.Serializer()
        try coder.serialize(value)
        bytes = coder.serializedBytes
    }

    /// The node's own bytes, as parsed (no re-encoding).
    init(derEncoded node: ASN1Node) throws { bytes = Array(node.encodedBytes) }

    func serialize(into coder: inout DER.Serializer) throws { coder.serializeRawBytes(bytes) }
}

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
struct AlgorithmIdentifier: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var algorithm: OID
    var parameters: EncodedDER?

    init(algorithm: OID, parameters: EncodedDER? = nil) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            let algorithm = try OID(derEncoded: &nodes)
            let parameters = try nodes.next().map { try EncodedDER(derEncoded: $0) }
            return AlgorithmIdentifier(algorithm: algorithm, parameters: parameters)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructed(identifier: identifier) { coder in
            try coder.serialize(algorithm)
            if let parameters { try coder.serialize(parameters) }
        }
    }

    /// The explicit NULL some encoders put in a digest's parameters (RFC 5754 §2 allows both).
    static let null = EncodedDER(encoded: [0x05, 0x00])

    /// `digest` with absent parameters (the CMS signer's form) or NULL ones (the TS responder's).
    init(_ digest: DigestAlgorithm, null: Bool) {
        self.init(algorithm: digest.oid, parameters: null ? Self.null : nil)
    }
}

/// Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }
struct CMSAttribute: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var type: OID
    var values: [EncodedDER]

    init(_ type: OID, _ value: EncodedDER) {
        self.type = type
        values = [value]
    }

    init(_ type: OID, _ value: some DERSerializable) throws {
        self.init(type, try EncodedDER(erasing: value))
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        (type, values) = try DER.sequence(root, identifier: identifier) { nodes in
            (try OID(derEncoded: &nodes), try DER.set(of: EncodedDER.self, identifier: .set, nodes: &nodes))
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructed(identifier: identifier) { coder in
            try coder.serialize(type)
            try coder.serializeSet(values)
        }
    }

    /// The DER of a SET OF attributes with `identifier`: signed attributes are signed with the
    /// universal SET tag and carried with [0] (RFC 5652 §5.4).
    static func set(_ attributes: [CMSAttribute], identifier: ASN1Identifier = .set) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.serializeSet(attributes, identifier: identifier)
        return coder.serializedBytes
    }
}

/// SignerInfo (RFC 5652 §5.3).
struct CMSSignerInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    static let signedAttributesTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let unsignedAttributesTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)

    var version: Int
    /// IssuerAndSerialNumber or [0] SubjectKeyIdentifier, as encoded.
    var signerIdentifier: EncodedDER
    var digestAlgorithm: AlgorithmIdentifier
    var signedAttributes: [CMSAttribute]?
    var signatureAlgorithm: AlgorithmIdentifier
    var signature: ASN1OctetString
    var unsignedAttributes: [CMSAttribute]?

    init(version: Int, signerIdentifier: EncodedDER, digestAlgorithm: AlgorithmIdentifier, signedAttributes: [CMSAttribute]?,
         signatureAlgorithm: AlgorithmIdentifier, signature: [UInt8], unsignedAttributes: [CMSAttribute]?) {
        self.version = version
        self.signerIdentifier = signerIdentifier
        self.digestAlgorithm = digestAlgorithm
        self.signedAttributes = signedAttributes
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = ASN1OctetString(contentBytes: ArraySlice(signature))
        self.unsignedAttributes = unsignedAttributes
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            guard let signerIdentifier = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "SignerInfo without sid") }
            let digestAlgorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let signed = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                try DER.set(of: CMSAttribute.self, identifier: Self.signedAttributesTag, rootNode: node)
            }
            let signatureAlgorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let signature = try ASN1OctetString(derEncoded: &nodes)
            let unsigned = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { node in
                try DER.set(of: CMSAttribute.self, identifier: Self.unsignedAttributesTag, rootNode: node)
            }
            return CMSSignerInfo(version: version, signerIdentifier: try EncodedDER(derEncoded: signerIdentifier),
                                 digestAlgorithm: digestAlgorithm, signedAttributes: signed, signatureAlgorithm: signatureAlgorithm,
                                 signature: Array(signature.bytes), unsignedAttributes: unsigned)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructed(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serialize(signerIdentifier)
            try coder.serialize(digestAlgorithm)
            if let signedAttributes { try coder.serializeSet(signedAttributes, identifier: Self.signedAttributesTag) }
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(signature)
            if let unsignedAttributes, !unsignedAttributes.isEmpty {
                try coder.serializeSet(unsignedAttributes, identifier: Self.unsignedAttributesTag)
            }
        }
    }

    /// The unsigned attributes with `type` replaced by `value` (or removed when nil).
    mutating func setUnsignedAttribute(_ type: OID, to value: EncodedDER?) {
        var attributes = (unsignedAttributes ?? []).filter { $0.type != type }
        if let value { attributes.append(CMSAttribute(type, value)) }
        unsignedAttributes = attributes.isEmpty ? nil : attributes
    }
}

/// EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
struct CMSEncapsulatedContentInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var contentType: OID
    var content: ASN1OctetString?

    init(contentType: OID, content: [UInt8]? = nil) {
        self.contentType = contentType
        self.content = content.map { ASN1OctetString(contentBytes: ArraySlice($0)) }
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        (contentType, content) = try DER.sequence(root, identifier: identifier) { nodes in
            (try OID(derEncoded: &nodes),
             try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { try ASN1OctetString(derEncoded: $0) })
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructed(identifier: identifier) { coder in
            try coder.serialize(contentType)
            if let content {
                try coder.appendConstructed(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { try $0.serialize(content) }
            }
        }
    }
}

/// SignedData (RFC 5652 §5.1) inside its ContentInfo. Seal writes one SignerInfo and no CRLs; a
/// CRLs field read from elsewhere is kept as it was.
struct CMSSignedData: Hashable, Sendable {
    static let certificatesTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let crlsTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)

    var version: Int
    var digestAlgorithms: [AlgorithmIdentifier]
    var encapsulatedContent: CMSEncapsulatedContentInfo
    /// The carried certificates, each as encoded, in the order they are written: DER wants a SET
    /// OF sorted, but many signers (time-stamping authorities among them) write certificates in
    /// chain order, and the order is kept so such a structure writes back unchanged.
    var certificates: [EncodedDER]?
    var crls: EncodedDER?
    var signerInfos: [CMSSignerInfo]

    init(version: Int, digestAlgorithms: [AlgorithmIdentifier], encapsulatedContent: CMSEncapsulatedContentInfo,
         certificates: [EncodedDER]?, signerInfos: [CMSSignerInfo]) {
        self.version = version
        self.digestAlgorithms = digestAlgorithms
        self.encapsulatedContent = encapsulatedContent
        self.certificates = certificates
        self.crls = nil
        self.signerInfos = signerInfos
    }

    /// Reads a ContentInfo holding SignedData.
    init(contentInfo der: [UInt8]) throws {
        let root = try DER.parse(der)
        self = try DER.sequence(root, identifier: .sequence) { nodes in
            guard try OID(derEncoded: &nodes) == .cms.signedData else {
                throw ASN1Error.invalidASN1Object(reason: "not a SignedData")
            }
            return try DER.explicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                try DER.sequence(node, identifier: .sequence) { nodes in
                    let version = try Int(derEncoded: &nodes)
                    let digests = try DER.set(of: AlgorithmIdentifier.self, identifier: .set, nodes: &nodes)
                    let content = try CMSEncapsulatedContentInfo(derEncoded: &nodes)
                    let certificates = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                        guard case .constructed(let members) = node.content else {
                            throw ASN1Error.invalidASN1Object(reason: "certificates not constructed")
                        }
                        return try members.map { try EncodedDER(derEncoded: $0) }
                    }
                    let crls = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { try EncodedDER(derEncoded: $0) }
                    let signers = try DER.set(of: CMSSignerInfo.self, identifier: .set, nodes: &nodes)
                    var signedData = CMSSignedData(version: version, digestAlgorithms: digests, encapsulatedContent: content,
                                                   certificates: certificates, signerInfos: signers)
                    signedData.crls = crls
                    return signedData
                }
            }
        }
    }

    /// The ContentInfo's DER.
    func contentInfo() throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.appendConstructed(identifier: .sequence) { coder in
            try coder.serialize(OID.cms.signedData)
            try coder.appendConstructed(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                try coder.appendConstructed(identifier: .sequence) { coder in
                    try coder.serialize(version)
                    try coder.serializeSet(digestAlgorithms)
                    try coder.serialize(encapsulatedContent)
                    if let certificates {
                        try coder.appendConstructed(identifier: Self.certificatesTag) { coder in
                            for certificate in certificates { try coder.serialize(certificate) }
                        }
                    }
                    if let crls { try coder.serialize(crls) }
                    try coder.serializeSet(signerInfos)
                }
            }
        }
        return coder.serializedBytes
    }
}

extension DER.Serializer {
    /// A constructed node whose content is written apart and then copied once behind its
    /// header. swift-asn1's `appendConstructedNode` guesses a one-byte length and moves the
    /// content byte by byte when it is longer: measured, that move was a fifth of a seal's time,
    /// since a seal nests its time-stamp token and certificates eight levels deep.
    mutating func appendConstructed(identifier: ASN1Identifier, _ body: (inout DER.Serializer) throws -> Void) rethrows {
        var inner = DER.Serializer()
        try body(&inner)
        let content = inner.serializedBytes
        precondition(identifier.tagNumber < 31, "multi-byte tags are not used here")
        let tagClass: UInt8 = switch identifier.tagClass {
        case .universal: 0x00
        case .application: 0x40
        case .contextSpecific: 0x80
        case .private: 0xC0
        }
        var header: [UInt8] = [tagClass | 0x20 | UInt8(identifier.tagNumber)]
        if content.count < 0x80 {
            header.append(UInt8(content.count))
        } else {
            var length: [UInt8] = []
            var remaining = content.count
            while remaining > 0 {
                length.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            header.append(0x80 | UInt8(length.count))
            header += length
        }
        serializeRawBytes(header)
        serializeRawBytes(content)
    }

    /// A SET OF in DER order (X.690 §11.6), written as `appendConstructed` does.
    mutating func serializeSet<Element: DERSerializable>(_ elements: [Element], identifier: ASN1Identifier = .set) throws {
        // One member needs no ordering, and is written in place (most sets here have one).
        if elements.count == 1 {
            try appendConstructed(identifier: identifier) { try $0.serialize(elements[0]) }
            return
        }
        let encoded = try elements.map { try EncodedDER(erasing: $0) }.sorted(by: EncodedDER.setOrder)
        appendConstructed(identifier: identifier) { coder in
            for element in encoded { coder.serializeRawBytes(element.bytes) }
        }
    }
}

extension EncodedDER {
    /// In DER's SET OF order (X.690 §11.6): as octet strings, the shorter padded with zeros.
    static func setOrder(_ left: EncodedDER, _ right: EncodedDER) -> Bool {
        for (a, b) in zip(left.bytes, right.bytes) where a != b { return a < b }
        return left.bytes.count < right.bytes.count
    }
}

/// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
/// inside SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } (RFC 5035).
struct SigningCertificateV2: DERSerializable, Hashable, Sendable {
    var hashAlgorithm: AlgorithmIdentifier?
    var certificateHash: [UInt8]
    /// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }, as encoded.
    var issuerSerial: EncodedDER?

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructed(identifier: .sequence) { coder in
            try coder.appendConstructed(identifier: .sequence) { coder in
                try coder.appendConstructed(identifier: .sequence) { coder in
                    if let hashAlgorithm { try coder.serialize(hashAlgorithm) }
                    try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(certificateHash)))
                    if let issuerSerial { try coder.serialize(issuerSerial) }
                }
            }
        }
    }
}

/// TSTInfo (RFC 3161 §2.4.2) as Seal's TSA issues it: accuracy in whole seconds, a nonce, no
/// ordering, no TSA name, no extensions.
struct TSTInfo: DERSerializable, Hashable, Sendable {
    var policy: OID
    var imprintAlgorithm: AlgorithmIdentifier
    var imprint: [UInt8]
    /// A positive INTEGER's content octets.
    var serialNumber: [UInt8]
    var generationTime: GeneralizedTime
    var accuracySeconds: Int
    var nonce: [UInt8]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructed(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(policy)
            try coder.appendConstructed(identifier: .sequence) { coder in
                try coder.serialize(imprintAlgorithm)
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(imprint)))
            }
            try coder.serialize(ArraySlice(serialNumber))
            try coder.serialize(generationTime)
            try coder.appendConstructed(identifier: .sequence) { coder in try coder.serialize(accuracySeconds) }
            try coder.serialize(ArraySlice(nonce))
        }
    }
}

// MARK: object identifiers

extension OID {
    enum cms {
        static let data: OID = "1.2.840.113549.1.7.1"
        static let signedData: OID = "1.2.840.113549.1.7.2"
        static let contentType: OID = "1.2.840.113549.1.9.3"
        static let messageDigest: OID = "1.2.840.113549.1.9.4"
        static let signingTime: OID = "1.2.840.113549.1.9.5"
        static let signingCertificateV2: OID = "1.2.840.113549.1.9.16.2.47"
        static let tstInfo: OID = "1.2.840.113549.1.9.16.1.4"
        static let timeStampToken: OID = "1.2.840.113549.1.9.16.2.14"
    }

    enum algorithms {
        static let sha256: OID = "2.16.840.1.101.3.4.2.1"
        static let sha384: OID = "2.16.840.1.101.3.4.2.2"
        static let sha512: OID = "2.16.840.1.101.3.4.2.3"
        static let ecdsaWithSHA256: OID = "1.2.840.10045.4.3.2"
        static let ecdsaWithSHA384: OID = "1.2.840.10045.4.3.3"
        static let rsaEncryption: OID = "1.2.840.113549.1.1.1"
        static let rsassaPSS: OID = "1.2.840.113549.1.1.10"
    }
}

extension DigestAlgorithm {
    var oid: OID {
        switch self {
        case .sha256: .algorithms.sha256
        case .sha384: .algorithms.sha384
        case .sha512: .algorithms.sha512
        }
    }
}

// MARK: times

extension UTCTime {
    /// The whole seconds of `date`; nil outside 1950–2049.
    init?(_ date: Date) {
        let parts = CalendarParts(date)
        try? self.init(year: parts.year, month: parts.month, day: parts.day, hours: parts.hour, minutes: parts.minute, seconds: parts.second)
    }
}

extension GeneralizedTime {
    /// The whole seconds of `date`.
    init(wholeSeconds date: Date) throws {
        let parts = CalendarParts(date)
        try self.init(year: parts.year, month: parts.month, day: parts.day, hours: parts.hour, minutes: parts.minute,
                      seconds: parts.second, fractionalSeconds: 0)
    }
}

/// A date's UTC calendar fields, whole seconds (gmtime_r: no Calendar lock on the sealing path).
struct CalendarParts {
    let year, month, day, hour, minute, second: Int

    init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
    }
}
