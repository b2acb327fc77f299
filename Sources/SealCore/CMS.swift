internal import CSealShim
public import SwiftASN1
import Foundation

// The CMS (RFC 5652), ESS (RFC 5035) and time-stamp (RFC 3161) structures Seal writes and
// edits, as typed values on swift-asn1: the one ASN.1 toolkit of the project. Fields that Seal
// carries without looking inside (certificates, signer identifiers, attribute values) stay
// `EncodedDER`, which keeps their exact bytes and writes them back unchanged.

/// One DER element kept as its bytes: what Seal carries without looking inside, and what it
/// encodes once per signer and copies into every seal (certificates, ESS attributes).
struct EncodedDER: DERParseable, DERSerializable, DERWritable, Hashable, Sendable {
    let bytes: [UInt8]

    /// Bytes Seal encoded itself (or OpenSSL wrote): one whole DER element, not re-parsed.
    init(encoded bytes: [UInt8]) { self.bytes = bytes }

    init(erasing value: some DERSerializable) throws {
        var coder = DER.Serializer()
        try coder.serialize(value)
        bytes = coder.serializedBytes
    }

    init(writing value: some DERWritable) throws { bytes = try value.derEncoded() }

    /// The node's own bytes, as parsed (no re-encoding).
    init(derEncoded node: ASN1Node) throws { bytes = Array(node.encodedBytes) }

    func serialize(into coder: inout DER.Serializer) throws { coder.serializeRawBytes(bytes) }

    func write(to writer: inout DERWriter) { writer.raw(bytes) }
}

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
struct AlgorithmIdentifier: DERImplicitlyTaggable, DERWritable, Hashable, Sendable {
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

    func write(to writer: inout DERWriter) {
        writer.constructed(.sequence) { writer in
            writer.oid(algorithm)
            if let parameters { writer.raw(parameters.bytes) }
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
struct CMSAttribute: DERImplicitlyTaggable, DERWritable, Hashable, Sendable {
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

    init(_ type: OID, _ value: some DERWritable) throws {
        self.init(type, try EncodedDER(writing: value))
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        (type, values) = try DER.sequence(root, identifier: identifier) { nodes in
            (try OID(derEncoded: &nodes), try DER.set(of: EncodedDER.self, identifier: .set, nodes: &nodes))
        }
    }

    func write(to writer: inout DERWriter) {
        writer.constructed(.sequence) { writer in
            writer.oid(type)
            writer.set(values)
        }
    }
}

/// A SignerInfo's signed attributes with the exact SET OF bytes the signature covers (universal
/// SET tag, DER order; RFC 5652 §5.4): encoded once when signed, kept as read when parsed, and
/// carried under [0] unchanged.
struct SignedAttributes: Hashable, Sendable {
    let attributes: [CMSAttribute]
    let signedBytes: [UInt8]

    init(_ attributes: [CMSAttribute]) throws {
        self.attributes = attributes
        var writer = DERWriter(capacity: 256)
        writer.set(try attributes.map { try EncodedDER(writing: $0) })
        signedBytes = writer.bytes
    }

    /// From the [0] node of a SignerInfo.
    init(parsing node: ASN1Node) throws {
        attributes = try DER.set(of: CMSAttribute.self, identifier: CMSSignerInfo.signedAttributesTag, rootNode: node)
        var writer = DERWriter(capacity: node.encodedBytes.count)
        writer.raw(Array(node.encodedBytes), retagged: .set)
        signedBytes = writer.bytes
    }
}

/// SignerInfo (RFC 5652 §5.3).
struct CMSSignerInfo: DERImplicitlyTaggable, DERWritable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    static let signedAttributesTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let unsignedAttributesTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)

    var version: Int
    /// IssuerAndSerialNumber or [0] SubjectKeyIdentifier, as encoded.
    var signerIdentifier: EncodedDER
    var digestAlgorithm: AlgorithmIdentifier
    var signedAttributes: SignedAttributes?
    var signatureAlgorithm: AlgorithmIdentifier
    var signature: ASN1OctetString
    var unsignedAttributes: [CMSAttribute]?

    init(version: Int, signerIdentifier: EncodedDER, digestAlgorithm: AlgorithmIdentifier, signedAttributes: SignedAttributes?,
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
            let signed = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try SignedAttributes(parsing: $0)
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

    func write(to writer: inout DERWriter) throws {
        try writer.constructed(.sequence) { writer in
            writer.integer(version)
            writer.raw(signerIdentifier.bytes)
            digestAlgorithm.write(to: &writer)
            if let signedAttributes { writer.raw(signedAttributes.signedBytes, retagged: Self.signedAttributesTag) }
            signatureAlgorithm.write(to: &writer)
            writer.octetString(signature.bytes)
            if let unsignedAttributes, !unsignedAttributes.isEmpty {
                try writer.set(of: unsignedAttributes, identifier: Self.unsignedAttributesTag)
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
struct CMSEncapsulatedContentInfo: DERImplicitlyTaggable, DERWritable, Hashable, Sendable {
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

    func write(to writer: inout DERWriter) {
        writer.constructed(.sequence) { writer in
            writer.oid(contentType)
            if let content {
                writer.constructed(ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { $0.octetString(content.bytes) }
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
        let capacity = (certificates ?? []).reduce(4096) { $0 + $1.bytes.count } + (encapsulatedContent.content?.bytes.count ?? 0)
        var writer = DERWriter(capacity: capacity)
        try writer.constructed(.sequence) { writer in
            writer.oid(.cms.signedData)
            try writer.constructed(ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { writer in
                try writer.constructed(.sequence) { writer in
                    writer.integer(version)
                    try writer.set(of: digestAlgorithms)
                    encapsulatedContent.write(to: &writer)
                    if let certificates {
                        writer.constructed(Self.certificatesTag) { writer in
                            for certificate in certificates { writer.raw(certificate.bytes) }
                        }
                    }
                    if let crls { writer.raw(crls.bytes) }
                    try writer.set(of: signerInfos)
                }
            }
        }
        return writer.bytes
    }
}

extension EncodedDER {
    /// In DER's SET OF order (X.690 §11.6).
    static func setOrder(_ left: EncodedDER, _ right: EncodedDER) -> Bool {
        TLV.setOrder(left.bytes[...], right.bytes[...])
    }
}

/// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
/// inside SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } (RFC 5035).
struct SigningCertificateV2: DERWritable, Hashable, Sendable {
    var hashAlgorithm: AlgorithmIdentifier?
    var certificateHash: [UInt8]
    /// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }, as encoded.
    var issuerSerial: EncodedDER?

    func write(to writer: inout DERWriter) {
        writer.constructed(.sequence) { writer in
            writer.constructed(.sequence) { writer in
                writer.constructed(.sequence) { writer in
                    if let hashAlgorithm { hashAlgorithm.write(to: &writer) }
                    writer.octetString(certificateHash)
                    if let issuerSerial { writer.raw(issuerSerial.bytes) }
                }
            }
        }
    }
}

/// TSTInfo (RFC 3161 §2.4.2) as Seal's TSA issues it: accuracy in whole seconds, a nonce, no
/// ordering, no TSA name, no extensions.
struct TSTInfo: DERWritable, Hashable, Sendable {
    var policy: OID
    var imprintAlgorithm: AlgorithmIdentifier
    var imprint: [UInt8]
    /// A positive INTEGER's content octets.
    var serialNumber: [UInt8]
    var generationTime: GeneralizedTime
    var accuracySeconds: Int
    var nonce: [UInt8]

    func write(to writer: inout DERWriter) throws {
        try writer.constructed(.sequence) { writer in
            writer.integer(1)
            writer.oid(policy)
            writer.constructed(.sequence) { writer in
                imprintAlgorithm.write(to: &writer)
                writer.octetString(imprint)
            }
            writer.integer(contentOctets: serialNumber)
            try writer.serialize(generationTime)
            writer.constructed(.sequence) { $0.integer(accuracySeconds) }
            writer.integer(contentOctets: nonce)
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
        static let sm3: OID = "1.2.156.10197.1.401"
        static let sm2WithSM3: OID = "1.2.156.10197.1.501"
    }
}

extension DigestAlgorithm {
    var oid: OID {
        switch self {
        case .sha256: .algorithms.sha256
        case .sha384: .algorithms.sha384
        case .sha512: .algorithms.sha512
        case .sm3: .algorithms.sm3
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
