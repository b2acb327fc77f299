internal import CSealShim
public import Foundation
import SwiftASN1

/// A seal: a detached CMS SignedData (RFC 5652) with exactly one signer, owned by this object.
/// Parsing checks the shape only; `SealVerifier` judges it.
public final class SealSignature: @unchecked Sendable {
    let cms: OpaquePointer
    /// Borrowed from `cms`; valid as long as this object lives.
    let signerInfo: OpaquePointer
    /// The exact bytes this seal was parsed from or encoded to.
    public let der: [UInt8]

    public enum FormatError: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case notCMS
        case notSignedData
        case notDetached
        case signerCount(Int)
        case notDER
        case profile(String)
        public var description: String {
            switch self {
            case .empty: "the seal file is empty"
            case .notCMS: "not a DER CMS structure (truncated or not a seal)"
            case .notSignedData: "the CMS structure is not SignedData"
            case .notDetached: "the seal embeds its content; Seal uses detached seals"
            case .signerCount(let n): "the seal has \(n) signers; a seal has exactly one"
            case .notDER: "the seal is not in canonical DER (it was re-encoded or altered)"
            case .profile(let why): "the seal does not follow the profile: \(why)"
            }
        }
    }

    /// Parses and shape-checks a DER seal. Trailing bytes are refused.
    public convenience init(der: [UInt8]) throws(FormatError) {
        guard !der.isEmpty else { throw .empty }
        guard let cms = DER.decode(der, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: CMS_ContentInfo_free) else {
            throw .notCMS
        }
        // Only canonical DER: OpenSSL's decoder tolerates some BER, and any byte that can change
        // without changing the parse would make the seal malleable.
        guard (try? DER.encode("a seal", { i2d_CMS_ContentInfo(cms, $0) })) == der else {
            CMS_ContentInfo_free(cms)
            throw .notDER
        }
        try self.init(taking: cms, der: der)
        try checkProfile()
    }

    /// The parts of SignedData that no signature covers must hold the only values the profile
    /// allows (RFC 5652 §5.1, §5.3): versions 1, a digestAlgorithms set naming exactly the
    /// signer's digest, and a signature algorithm that fits the key and the digest.
    private func checkProfile() throws(FormatError) {
        let raw = der
        guard let fields = SignedDataFields(raw) else { throw .profile("unreadable SignedData fields") }
        guard fields.signedDataVersion == 1 else { throw .profile("SignedData version \(fields.signedDataVersion), expected 1") }
        guard fields.signerInfoVersion == 1 else { throw .profile("SignerInfo version \(fields.signerInfoVersion), expected 1") }
        var digest: UnsafeMutablePointer<X509_ALGOR>? = nil
        var signature: UnsafeMutablePointer<X509_ALGOR>? = nil
        CMS_SignerInfo_get0_algs(signerInfo, nil, nil, &digest, &signature)
        guard let digest, let signature, let digestOID = Self.oid(digest), let signatureOID = Self.oid(signature) else {
            throw .profile("missing algorithm identifiers")
        }
        guard fields.digestAlgorithmOIDs == [digestOID] else {
            throw .profile("digestAlgorithms must name exactly the signer's digest")
        }
        guard Self.signatureAlgorithm(signatureOID, fits: digestOID) else {
            throw .profile("signature algorithm \(signatureOID) does not fit digest \(digestOID)")
        }
        // Unsigned attributes: only the two the profile defines. An unknown one could be a
        // time-stamp whose type was altered to make the seal look merely un-time-stamped.
        // Each known one appears at most once and holds one SEQUENCE: a malformed time-stamp must
        // not read as an absent one.
        let known = [OBJ_nid2obj(NID_id_smime_aa_timeStampToken), OBJ_txt2obj(SealOID.archiveReceipt, 1)]
        defer { ASN1_OBJECT_free(known[1]) }
        var seen = Set<Int>()
        for index in 0..<max(0, CMS_unsigned_get_attr_count(signerInfo)) {
            guard let attribute = CMS_unsigned_get_attr(signerInfo, index),
                  let type = X509_ATTRIBUTE_get0_object(attribute),
                  let which = known.firstIndex(where: { $0 != nil && OBJ_cmp($0, type) == 0 }) else {
                throw .profile("unknown unsigned attribute")
            }
            guard seen.insert(which).inserted, X509_ATTRIBUTE_count(attribute) == 1,
                  let value = X509_ATTRIBUTE_get0_type(attribute, 0), ASN1_TYPE_get(value) == V_ASN1_SEQUENCE else {
                throw .profile("a time-stamp or receipt attribute is repeated or malformed")
            }
        }
        guard Self.parametersAreAbsentOrNull(digest), fields.digestParametersAreAbsentOrNull else {
            throw .profile("digest algorithm parameters must be absent or NULL")
        }
    }

    /// RFC 5754 §2: SHA-2 AlgorithmIdentifiers carry no parameters, or NULL.
    static func parametersAreAbsentOrNull(_ algorithm: UnsafeMutablePointer<X509_ALGOR>) -> Bool {
        var type: Int32 = 0
        X509_ALGOR_get0(nil, &type, nil, algorithm)
        return type == V_ASN1_UNDEF || type == V_ASN1_NULL
    }

    /// Signature algorithms that fit a digest: ECDSA with that digest, RSASSA-PSS, or RSA
    /// PKCS #1 v1.5 (with that digest, or rsaEncryption as OpenSSL writes it).
    static func signatureAlgorithm(_ signatureOID: String, fits digestOID: String) -> Bool {
        let allowed: [String: [String]] = [
            "2.16.840.1.101.3.4.2.1": ["1.2.840.10045.4.3.2", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.1"],
            "2.16.840.1.101.3.4.2.2": ["1.2.840.10045.4.3.3", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.1"],
            "2.16.840.1.101.3.4.2.3": ["1.2.840.10045.4.3.4", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.1"],
        ]
        return allowed[digestOID]?.contains(signatureOID) == true
    }

    static func oid(_ algorithm: UnsafeMutablePointer<X509_ALGOR>) -> String? {
        var object: OpaquePointer? = nil
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        guard let object else { return nil }
        var buffer = [CChar](repeating: 0, count: 96)
        guard OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1) > 0 else { return nil }
        return String(cString: buffer)
    }

    /// Takes ownership of `cms` (freeing it if the shape check fails).
    init(taking cms: OpaquePointer, der: [UInt8]) throws(FormatError) {
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else {
            CMS_ContentInfo_free(cms)
            throw .notSignedData
        }
        guard CMS_is_detached(cms) == 1 else {
            CMS_ContentInfo_free(cms)
            throw .notDetached
        }
        let signers = CMS_get0_SignerInfos(cms)
        let count = signers.map { Int(CSealShim_sk_CMS_SignerInfo_num($0)) } ?? 0
        guard count == 1, let signerInfo = CSealShim_sk_CMS_SignerInfo_value(signers, 0) else {
            CMS_ContentInfo_free(cms)
            throw .signerCount(count)
        }
        self.cms = cms
        self.signerInfo = signerInfo
        self.der = der
    }

    deinit { CMS_ContentInfo_free(cms) }

    /// Every certificate carried in the SignedData `certificates` field.
    public var certificates: [Certificate] {
        guard let stack = CMS_get1_certs(cms) else {
            OpenSSLError.clearQueue()
            return []
        }
        defer { CSealShim_sk_X509_pop_free(stack) }
        return (0..<CSealShim_sk_X509_num(stack)).compactMap { index in
            CSealShim_sk_X509_value(stack, index).flatMap { try? Certificate(retaining: $0) }
        }
    }

    /// The carried certificate the SignerIdentifier points at, if any.
    public var signerCertificate: Certificate? {
        certificates.first { CMS_SignerInfo_cert_cmp(signerInfo, $0.pointer) == 0 }
    }

    /// The signature value (SignerInfo.signature).
    public var signatureValue: [UInt8] {
        guard let octets = CMS_SignerInfo_get0_signature(signerInfo) else { return [] }
        return ASN1Bytes.of(octets)
    }

    /// The digest algorithm the signer used for the message digest, if Seal supports it.
    public var digestAlgorithm: DigestAlgorithm? {
        var digest: UnsafeMutablePointer<X509_ALGOR>? = nil
        CMS_SignerInfo_get0_algs(signerInfo, nil, nil, &digest, nil)
        var object: OpaquePointer? = nil
        X509_ALGOR_get0(&object, nil, nil, digest)
        return DigestAlgorithm(nid: OBJ_obj2nid(object))
    }

    /// The message-digest signed attribute.
    public var messageDigest: [UInt8]? { signedOctetString(NID_pkcs9_messageDigest) }

    /// The claimed signing-time signed attribute (the signer's own clock; not proof of time).
    public var claimedSigningTime: Date? {
        guard let object = OBJ_nid2obj(NID_pkcs9_signingTime) else { return nil }
        defer { OpenSSLError.clearQueue() }
        // The call checks the value's type; a time is UTCTime (to 2049) or GeneralizedTime.
        for type in [V_ASN1_UTCTIME, V_ASN1_GENERALIZEDTIME] {
            if let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, type) {
                return ASN1Time.date(value.assumingMemoryBound(to: ASN1_TIME.self))
            }
        }
        return nil
    }

    /// Whether the content-type signed attribute is present and names id-data (RFC 5652 §11.1).
    public var contentTypeIsData: Bool {
        guard let object = OBJ_nid2obj(NID_pkcs9_contentType),
              let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_OBJECT) else { return false }
        return OBJ_obj2nid(OpaquePointer(value)) == NID_pkcs7_data
            && OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_pkcs7_data
    }

    /// The raw DER of the signing-certificate-v2 attribute value (RFC 5035), if present.
    var signingCertificateV2: [UInt8]? { signedSequence(NID_id_smime_aa_signingCertificateV2) }

    /// The DER time-stamp token in the signature-time-stamp unsigned attribute, if present.
    public var timeStampToken: [UInt8]? { unsignedSequence(NID_id_smime_aa_timeStampToken) }

    /// The DER value of an unsigned attribute identified by a dotted OID, if present.
    public func unsignedAttribute(_ oid: String) -> [UInt8]? {
        guard let object = OBJ_txt2obj(oid, 1) else { return nil }
        defer { ASN1_OBJECT_free(object) }
        return unsignedSequence(object)
    }

    /// A copy of this seal with one more unsigned attribute (a SEQUENCE given as DER). Any
    /// attribute already present under `oid` is replaced.
    public func adding(unsignedAttribute oid: String, value: [UInt8]) throws(OpenSSLError) -> SealSignature {
        try reparsed(der(settingUnsignedAttribute: oid, to: value))
    }

    /// A copy of this seal without the unsigned attribute `oid` (e.g. a seal without its receipt).
    public func removing(unsignedAttribute oid: String) throws(OpenSSLError) -> SealSignature {
        try reparsed(der(settingUnsignedAttribute: oid, to: nil))
    }

    private func reparsed(_ edit: @autoclosure () throws(FormatError) -> [UInt8]) throws(OpenSSLError) -> SealSignature {
        do { return try SealSignature(der: try edit()) } catch { throw OpenSSLError("editing a seal: \(error)") }
    }

    private func signedOctetString(_ nid: Int32) -> [UInt8]? {
        guard let object = OBJ_nid2obj(nid),
              let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_OCTET_STRING) else { return nil }
        return ASN1Bytes.of(value.assumingMemoryBound(to: ASN1_STRING.self))
    }

    private func signedSequence(_ nid: Int32) -> [UInt8]? {
        guard let object = OBJ_nid2obj(nid),
              let value = CMS_signed_get0_data_by_OBJ(signerInfo, object, -3, V_ASN1_SEQUENCE) else { return nil }
        return ASN1Bytes.of(value.assumingMemoryBound(to: ASN1_STRING.self))
    }

    private func unsignedSequence(_ nid: Int32) -> [UInt8]? {
        guard let object = OBJ_nid2obj(nid) else { return nil }
        return unsignedSequence(object)
    }

    /// Reads a single-valued SEQUENCE unsigned attribute. An attribute present twice, or with more
    /// than one value, is treated as absent: Seal never writes such seals.
    private func unsignedSequence(_ object: OpaquePointer) -> [UInt8]? {
        let index = CMS_unsigned_get_attr_by_OBJ(signerInfo, object, -1)
        guard index >= 0, CMS_unsigned_get_attr_by_OBJ(signerInfo, object, index) < 0,
              let attribute = CMS_unsigned_get_attr(signerInfo, index),
              X509_ATTRIBUTE_count(attribute) == 1,
              let type = X509_ATTRIBUTE_get0_type(attribute, 0), ASN1_TYPE_get(type) == V_ASN1_SEQUENCE,
              let string = CSealShim_ASN1_TYPE_get0_string(type) else { return nil }
        return ASN1Bytes.of(string)
    }
}

enum ASN1Bytes {
    static func of(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}


/// The few SignedData fields OpenSSL does not expose, read from the DER with swift-asn1.
struct SignedDataFields {
    let signedDataVersion: Int
    let digestAlgorithmOIDs: [String]
    let digestParametersAreAbsentOrNull: Bool
    let signerInfoVersion: Int

    init?(_ der: [UInt8]) {
        func children(_ node: ASN1Node?) -> [ASN1Node]? {
            guard let node, case .constructed(let collection) = node.content else { return nil }
            return Array(collection)
        }
        // ContentInfo { contentType, [0] { SignedData { version, digestAlgorithms, encapContentInfo,
        // [0] certificates?, [1] crls?, signerInfos } } }
        guard let root = try? SwiftASN1.DER.parse(der), let outer = children(root), outer.count == 2,
              let wrapper = children(outer[1]), wrapper.count == 1, let fields = children(wrapper[0]), fields.count >= 4,
              let signedDataVersion = try? Int(derEncoded: fields[0]), let digests = children(fields[1]),
              let infos = children(fields[fields.count - 1]), let firstInfo = children(infos.first), let infoVersion = firstInfo.first,
              let signerInfoVersion = try? Int(derEncoded: infoVersion) else { return nil }
        var oids: [String] = []
        var parametersOK = true
        for algorithm in digests {
            guard let parts = children(algorithm), let oid = parts.first,
                  let identifier = try? ASN1ObjectIdentifier(derEncoded: oid) else { return nil }
            oids.append(identifier.description)
            if parts.count > 2 || (parts.count == 2 && (try? ASN1Null(derEncoded: parts[1])) == nil) { parametersOK = false }
        }
        self.signedDataVersion = signedDataVersion
        self.digestAlgorithmOIDs = oids
        self.digestParametersAreAbsentOrNull = parametersOK
        self.signerInfoVersion = signerInfoVersion
    }
}
