internal import CSealShim
public import Foundation

/// A CMS SignedData (RFC 5652) with exactly one signer, parsed for verification: a seal, or the
/// RFC 3161 token inside one. Owns its OpenSSL object.
///
/// OpenSSL parses the structure with its `certificates` field cut out, and the certificates come
/// from `CertificateCache`: decoding a carried certificate's key through OpenSSL 3's provider
/// decoders costs more than checking both of a seal's signatures, and every seal of a department
/// carries the same certificate.
final class SignedMessage: @unchecked Sendable {
    let cms: OpaquePointer
    /// Borrowed from `cms`; valid as long as this object lives.
    let signerInfo: OpaquePointer
    /// The exact bytes parsed, certificates included.
    let der: [UInt8]
    let layout: SignedDataLayout
    /// The carried certificates, in order.
    let certificates: [Certificate]

    typealias FormatError = SealSignature.FormatError

    /// Parses canonical DER with one SignerInfo; trailing bytes are refused.
    init(der: [UInt8]) throws(FormatError) {
        guard !der.isEmpty else { throw .empty }
        guard let layout = SignedDataLayout(der) else { throw Self.diagnose(der) }
        // Only canonical DER: OpenSSL's decoder tolerates some BER, and any byte that can change
        // without changing the parse would make the structure malleable. The walk above already
        // refused non-minimal lengths on the path and around each certificate.
        let stripped = layout.withoutCertificates
        guard let cms = OpenSSLDER.decode(stripped, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: CMS_ContentInfo_free) else {
            throw .notCMS
        }
        guard (try? OpenSSLDER.encode("a signed message", { i2d_CMS_ContentInfo(cms, $0) })) == stripped else {
            CMS_ContentInfo_free(cms)
            throw .notDER
        }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else {
            CMS_ContentInfo_free(cms)
            throw .notSignedData
        }
        let signers = CMS_get0_SignerInfos(cms)
        let count = signers.map { Int(CSealShim_sk_CMS_SignerInfo_num($0)) } ?? 0
        guard count == 1, let signerInfo = CSealShim_sk_CMS_SignerInfo_value(signers, 0) else {
            CMS_ContentInfo_free(cms)
            throw .signerCount(count)
        }
        var certificates: [Certificate] = []
        for encoding in layout.certificates {
            do { certificates.append(try CertificateCache.certificate(encoding)) } catch {
                CMS_ContentInfo_free(cms)
                throw error == .notCanonical ? .notDER : .notCMS
            }
        }
        self.cms = cms
        self.signerInfo = signerInfo
        self.der = der
        self.layout = layout
        self.certificates = certificates
    }

    deinit { CMS_ContentInfo_free(cms) }

    /// Why bytes the layout walk refused are not a signed message: OpenSSL's reading decides
    /// between not CMS at all, another content type, non-canonical DER and an odd SignedData.
    private static func diagnose(_ der: [UInt8]) -> FormatError {
        guard let cms = OpenSSLDER.decode(der, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: CMS_ContentInfo_free) else { return .notCMS }
        defer { CMS_ContentInfo_free(cms) }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else { return .notSignedData }
        guard (try? OpenSSLDER.encode("a signed message", { i2d_CMS_ContentInfo(cms, $0) })) == der else { return .notDER }
        return .profile("unreadable SignedData fields (only X.509 certificates may be carried, and the signer identifier must fit the SignerInfo version)")
    }

    /// The parts no signature covers must hold the only values a profile allows (RFC 5652 §5.1,
    /// §5.3, RFC 5754): a digestAlgorithms set naming exactly the signer's digest, without
    /// parameters, and a signature algorithm that fits the key and the digest.
    func checkAlgorithms() throws(FormatError) {
        let signer = layout.signerAlgorithms
        guard layout.digestAlgorithmOIDs == [signer.digestOID] else {
            throw .profile("digestAlgorithms must name exactly the signer's digest")
        }
        guard Self.signatureAlgorithm(signer.signatureOID, fits: signer.digestOID) else {
            throw .profile("signature algorithm \(signer.signatureOID) does not fit digest \(signer.digestOID)")
        }
        guard signer.digestParametersAreAbsentOrNull, layout.digestParametersAreAbsentOrNull else {
            throw .profile("digest algorithm parameters must be absent or NULL")
        }
    }

    static let sm2WithSM3 = "1.2.156.10197.1.501"

    /// Signature algorithms that fit a digest: ECDSA with that digest, RSASSA-PSS, or RSA
    /// PKCS #1 v1.5 (with that digest, or rsaEncryption as OpenSSL writes it).
    static func signatureAlgorithm(_ signatureOID: String, fits digestOID: String) -> Bool {
        let allowed: [String: [String]] = [
            "2.16.840.1.101.3.4.2.1": ["1.2.840.10045.4.3.2", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.1"],
            "2.16.840.1.101.3.4.2.2": ["1.2.840.10045.4.3.3", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.1"],
            "2.16.840.1.101.3.4.2.3": ["1.2.840.10045.4.3.4", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.1"],
            "1.2.156.10197.1.401": [sm2WithSM3],
        ]
        return allowed[digestOID]?.contains(signatureOID) == true
    }

    /// The carried certificate the SignerIdentifier names exactly, if any (RFC 5652 §5.3).
    ///
    /// No signature covers the identifier, and OpenSSL's own match (`CMS_SignerInfo_cert_cmp`)
    /// compares names case-insensitively and re-emits the name's bytes as read, so its canonical-DER
    /// check cannot see a changed identifier either. The identifier must be byte for byte the
    /// certificate's own issuer and serial number (version 1), or its subject key identifier
    /// (version 3); anything else names no certificate.
    var signerCertificate: Certificate? {
        certificates.first { layout.signerIdentifier.names($0) }
    }

    /// The signature value (SignerInfo.signature).
    var signatureValue: [UInt8] {
        guard let octets = CMS_SignerInfo_get0_signature(signerInfo) else { return [] }
        return ASN1Bytes.of(octets)
    }

    /// The digest algorithm the signer used, if Seal supports it.
    var digestAlgorithm: DigestAlgorithm? {
        var digest: UnsafeMutablePointer<X509_ALGOR>? = nil
        CMS_SignerInfo_get0_algs(signerInfo, nil, nil, &digest, nil)
        var object: OpaquePointer? = nil
        X509_ALGOR_get0(&object, nil, nil, digest)
        return DigestAlgorithm(nid: OBJ_obj2nid(object))
    }

    /// The NID of the encapsulated content's type (eContentType).
    var contentTypeNID: Int32 { OBJ_obj2nid(CMS_get0_eContentType(cms)) }

    /// The encapsulated content, when it is carried (not detached).
    var content: [UInt8]? {
        guard CMS_is_detached(cms) == 0, let slot = CMS_get0_content(cms), let octets = slot.pointee else { return nil }
        return ASN1Bytes.of(octets)
    }

    /// Whether the content-type signed attribute is present and names the eContentType
    /// (RFC 5652 §11.1).
    var contentTypeAttributeMatches: Bool {
        guard let object = OBJ_nid2obj(NID_pkcs9_contentType),
              let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_OBJECT) else { return false }
        return OBJ_obj2nid(OpaquePointer(value)) == contentTypeNID
    }

    /// The message-digest signed attribute.
    var messageDigest: [UInt8]? { signedOctetString(NID_pkcs9_messageDigest) }

    /// Whether the signature over the signed attributes verifies with `signer`'s key. This binds
    /// the key to this object's own SignerInfo; a signed message is never shared.
    func signatureVerifies(with signer: Certificate) -> Bool {
        defer { OpenSSLError.clearQueue() }
        // OpenSSL 3.0's CMS verifier checks SM2 with an empty user ID and takes no other: an SM2
        // signer's signature is checked here over the DER SET of its signed attributes.
        if layout.signerAlgorithms.signatureOID == Self.sm2WithSM3 {
            guard let range = layout.signedAttributes, let key = signer.publicKey(), key.algorithm == .sm2 else { return false }
            return key.isValidSignature(signatureValue, for: [0x31] + der[(range.lowerBound + 1)..<range.upperBound])
        }
        CMS_SignerInfo_set1_signer_cert(signerInfo, signer.pointer)
        return CMS_SignerInfo_verify(signerInfo) == 1
    }

    func signedOctetString(_ nid: Int32) -> [UInt8]? {
        guard let object = OBJ_nid2obj(nid),
              let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_OCTET_STRING) else { return nil }
        return ASN1Bytes.of(value.assumingMemoryBound(to: ASN1_STRING.self))
    }

    func signedSequence(_ nid: Int32) -> [UInt8]? {
        guard let object = OBJ_nid2obj(nid),
              let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_SEQUENCE) else { return nil }
        return ASN1Bytes.of(value.assumingMemoryBound(to: ASN1_STRING.self))
    }

    /// Reads a single-valued SEQUENCE unsigned attribute. An attribute present twice, or with more
    /// than one value, is treated as absent: Seal never writes such seals.
    func unsignedSequence(_ object: OpaquePointer) -> [UInt8]? {
        let index = CMS_unsigned_get_attr_by_OBJ(signerInfo, object, -1)
        guard index >= 0, CMS_unsigned_get_attr_by_OBJ(signerInfo, object, index) < 0,
              let attribute = CMS_unsigned_get_attr(signerInfo, index),
              X509_ATTRIBUTE_count(attribute) == 1,
              let type = X509_ATTRIBUTE_get0_type(attribute, 0), ASN1_TYPE_get(type) == V_ASN1_SEQUENCE,
              let string = CSealShim_ASN1_TYPE_get0_string(type) else { return nil }
        return ASN1Bytes.of(string)
    }
}

/// Where the parts of a ContentInfo holding a SignedData sit in its DER, read by walking element
/// headers: the fields OpenSSL does not expose, and the certificates.
///
/// Seals are written with the typed CMS structures but read with this walk: reading them with
/// swift-asn1 (a parse into nodes, the round trip that proves the bytes canonical, and the
/// stripped copy) measured 30% of an offline verification, 2,871 against 1,389 verifications a
/// second on one core. The walk touches only headers; OpenSSL's re-encoding of the stripped
/// structure and the certificate cache prove every byte canonical.
///
///     ContentInfo { contentType, [0] { SignedData { version, digestAlgorithms, encapContentInfo,
///                   [0] certificates?, [1] crls?, signerInfos } } }
struct SignedDataLayout {
    let signedDataVersion: Int
    let digestAlgorithmOIDs: [String]
    let digestParametersAreAbsentOrNull: Bool
    let signerInfoVersion: Int
    let signerIdentifier: SignerIdentifier
    /// The SignerInfo's digest and signature algorithms.
    let signerAlgorithms: (digestOID: String, digestParametersAreAbsentOrNull: Bool, signatureOID: String)
    /// Where the signed attributes ([0] IMPLICIT SET) sit, when present.
    let signedAttributes: Range<Int>?
    /// Each carried certificate's DER, in order.
    let certificates: [ArraySlice<UInt8>]
    /// The same ContentInfo without its certificates field (the input itself when it has none).
    let withoutCertificates: [UInt8]

    private static let signedDataOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]

    init?(_ der: [UInt8]) {
        guard let root = TLV.read(der, at: 0), root.tag == 0x30, root.end == der.count,
              let contentInfo = root.children(of: der), contentInfo.count == 2,
              der[contentInfo[0].range].elementsEqual(Self.signedDataOID), contentInfo[1].tag == 0xA0,
              let wrapper = contentInfo[1].children(of: der), wrapper.count == 1, wrapper[0].tag == 0x30,
              let fields = wrapper[0].children(of: der), (4...6).contains(fields.count),
              let signedDataVersion = TLV.smallInteger(fields[0], in: der),
              fields[1].tag == 0x31, let digests = fields[1].children(of: der), fields[2].tag == 0x30,
              let infos = fields.last, infos.tag == 0x31, let firstInfo = infos.children(of: der)?.first,
              firstInfo.tag == 0x30, let signerFields = firstInfo.children(of: der), signerFields.count >= 5,
              let signerInfoVersion = TLV.smallInteger(signerFields[0], in: der),
              let signerIdentifier = SignerIdentifier(signerFields[1], in: der, version: signerInfoVersion),
              // SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, … }
              let digest = Self.algorithm(signerFields[2], in: der),
              let signature = Self.algorithm(signerFields[signerFields[3].tag == 0xA0 ? 4 : 3], in: der) else { return nil }
        // Between encapContentInfo and signerInfos: [0] certificates, then [1] crls, each optional.
        let optional = fields[3..<(fields.count - 1)]
        guard optional.map(\.tag).elementsEqual([0xA0, 0xA1].filter { tag in optional.contains { $0.tag == tag } }) else { return nil }

        var oids: [String] = []
        var parametersOK = true
        for element in digests {
            guard let algorithm = Self.algorithm(element, in: der) else { return nil }
            oids.append(algorithm.oid)
            parametersOK = parametersOK && algorithm.parametersAreAbsentOrNull
        }

        var certificates: [ArraySlice<UInt8>] = []
        if let field = optional.first, field.tag == 0xA0 {
            guard let carried = field.children(of: der) else { return nil }
            for certificate in carried {
                // Only plain X.509 certificates (the CertificateChoices SEQUENCE alternative).
                guard certificate.tag == 0x30 else { return nil }
                certificates.append(der[certificate.range])
            }
            let kept = fields.filter { $0.start != field.start }.map { der[$0.range] }
            let signedData = TLV.encode(0x30, kept)
            withoutCertificates = TLV.encode(0x30, [der[contentInfo[0].range], ArraySlice(TLV.encode(0xA0, [ArraySlice(signedData)]))])
        } else {
            withoutCertificates = der
        }
        self.signedDataVersion = signedDataVersion
        self.digestAlgorithmOIDs = oids
        self.digestParametersAreAbsentOrNull = parametersOK
        self.signerInfoVersion = signerInfoVersion
        self.signerIdentifier = signerIdentifier
        self.signerAlgorithms = (digest.oid, digest.parametersAreAbsentOrNull, signature.oid)
        self.certificates = certificates
        signedAttributes = signerFields[3].tag == 0xA0 ? signerFields[3].range : nil
    }

    /// An AlgorithmIdentifier's OID, and whether its parameters are absent or NULL (RFC 5754 §2).
    private static func algorithm(_ element: TLV, in der: [UInt8]) -> (oid: String, parametersAreAbsentOrNull: Bool)? {
        guard element.tag == 0x30, let parts = element.children(of: der), (1...2).contains(parts.count),
              parts[0].tag == 0x06, let oid = TLV.dottedOID(der[parts[0].contentStart..<parts[0].end]) else { return nil }
        return (oid, parts.count == 1 || der[parts[1].range].elementsEqual([0x05, 0x00]))
    }
}

/// SignerIdentifier ::= CHOICE { issuerAndSerialNumber, subjectKeyIdentifier [0] } (RFC 5652
/// §5.3), with the SignerInfo version each choice requires: 1 and 3.
enum SignerIdentifier: Equatable {
    /// The whole DER of the IssuerAndSerialNumber SEQUENCE.
    case issuerAndSerialNumber([UInt8])
    /// The key identifier's octets.
    case subjectKeyIdentifier([UInt8])

    init?(_ element: TLV, in der: [UInt8], version: Int) {
        switch (element.tag, version) {
        case (0x30, 1): self = .issuerAndSerialNumber(Array(der[element.range]))
        case (0x80, 3) where element.end > element.contentStart: self = .subjectKeyIdentifier(Array(der[element.contentStart..<element.end]))
        default: return nil
        }
    }

    /// Whether this identifier is exactly `certificate`'s.
    func names(_ certificate: Certificate) -> Bool {
        switch self {
        case .issuerAndSerialNumber(let bytes): certificate.issuerAndSerialNumber == bytes
        case .subjectKeyIdentifier(let identifier): certificate.subjectKeyIdentifier == identifier
        }
    }
}

/// Certificates parsed once per distinct encoding, process-wide. A certificate is immutable once
/// parsed, so sharing it between seals and threads is safe; the key is the exact bytes, and only
/// an encoding OpenSSL writes back unchanged is admitted.
enum CertificateCache {
    enum Failure: Error, Equatable {
        case notACertificate
        case notCanonical
    }

    static let shared = BoundedCache<ByteString, Certificate>(capacity: 1024)

    static func certificate(_ der: ArraySlice<UInt8>) throws(Failure) -> Certificate {
        try shared.value(for: ByteString(der)) { () throws(Failure) -> Certificate in
            let bytes = Array(der)
            let parsed: Certificate
            do { parsed = try Certificate(der: bytes) } catch { throw .notACertificate }
            guard parsed.der == bytes else { throw .notCanonical }
            return parsed
        }
    }
}
