internal import CSealShim
public import Foundation

/// A seal: a detached CMS SignedData (RFC 5652) with exactly one signer; a value over the parsed
/// message (`SignedMessage`, which owns the OpenSSL object). Parsing checks the shape only;
/// `SealVerifier` judges it.
public struct SealSignature: Sendable {
    let message: SignedMessage
    /// The exact bytes this seal was parsed from or encoded to.
    public var der: [UInt8] { message.der }

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
    public init(der: [UInt8]) throws(FormatError) {
        let message = try SignedMessage(der: der)
        guard CMS_is_detached(message.cms) == 1 else { throw .notDetached }
        try Self.checkProfile(message)
        self.init(checked: message)
    }

    private init(checked message: SignedMessage) { self.message = message }

    /// Parses a detached CMS signature another producer made (a PDF signature): BER is
    /// accepted and re-encoded as DER by OpenSSL, and any version or unsigned attribute is
    /// allowed; the algorithms must still be ones Seal accepts. What this returns is judged by
    /// the same `SealVerifier` checks; only Seal's own seals are held to `init(der:)`: one that
    /// carries Seal's archive receipt claims to be Seal's, and is refused unless it is.
    public init(foreign bytes: [UInt8]) throws(FormatError) {
        let strictError: FormatError
        do {
            self = try SealSignature(der: bytes)
            return
        } catch {
            strictError = error
        }
        guard let cms = OpenSSLDER.decode(bytes, { d2i_CMS_ContentInfo(nil, $0, $1) }, free: CMS_ContentInfo_free) else { throw .notCMS }
        let der = try? OpenSSLDER.encode("a signed message", { i2d_CMS_ContentInfo(cms, $0) })
        CMS_ContentInfo_free(cms)
        guard let der else { throw .notCMS }
        let message = try SignedMessage(der: der)
        guard CMS_is_detached(message.cms) == 1 else { throw .notDetached }
        try message.checkAlgorithms()
        self.init(checked: message)
        if unsignedAttribute(SealOID.archiveReceipt) != nil { throw strictError }
    }

    /// The parts of SignedData that no signature covers must hold the only values the profile
    /// allows (RFC 5652 §5.1, §5.3): versions 1, and the algorithms `SignedMessage` checks.
    private static func checkProfile(_ message: SignedMessage) throws(FormatError) {
        let layout = message.layout
        guard layout.signedDataVersion == 1 else { throw .profile("SignedData version \(layout.signedDataVersion), expected 1") }
        guard layout.signerInfoVersion == 1 else { throw .profile("SignerInfo version \(layout.signerInfoVersion), expected 1") }
        try message.checkAlgorithms()
        // Unsigned attributes: only the two the profile defines. An unknown one could be a
        // time-stamp whose type was altered to make the seal look merely un-time-stamped.
        // Each known one appears at most once and holds one SEQUENCE: a malformed time-stamp must
        // not read as an absent one.
        let receipt = KnownObjects.object(SealOID.archiveReceipt)
        defer { withExtendedLifetime(receipt) {} }
        let known = [OBJ_nid2obj(NID_id_smime_aa_timeStampToken), receipt?.pointer]
        var seen = Set<Int>()
        for index in 0..<max(0, CMS_unsigned_get_attr_count(message.signerInfo)) {
            guard let attribute = CMS_unsigned_get_attr(message.signerInfo, index),
                  let type = X509_ATTRIBUTE_get0_object(attribute),
                  let which = known.firstIndex(where: { $0 != nil && OBJ_cmp($0, type) == 0 }) else {
                throw .profile("unknown unsigned attribute")
            }
            guard seen.insert(which).inserted, X509_ATTRIBUTE_count(attribute) == 1,
                  let value = X509_ATTRIBUTE_get0_type(attribute, 0), ASN1_TYPE_get(value) == V_ASN1_SEQUENCE else {
                throw .profile("a time-stamp or receipt attribute is repeated or malformed")
            }
        }
    }

    /// Every certificate carried in the SignedData `certificates` field.
    public var certificates: [Certificate] { message.certificates }

    /// The carried certificate the SignerIdentifier points at, if any.
    public var signerCertificate: Certificate? { message.signerCertificate }

    /// The signature value (SignerInfo.signature).
    public var signatureValue: [UInt8] { message.signatureValue }

    /// The digest algorithm the signer used for the message digest, if Seal supports it.
    public var digestAlgorithm: DigestAlgorithm? { message.digestAlgorithm }

    /// The message-digest signed attribute.
    public var messageDigest: [UInt8]? { message.messageDigest }

    /// The claimed signing-time signed attribute (the signer's own clock; not proof of time).
    public var claimedSigningTime: Date? {
        guard let object = OBJ_nid2obj(NID_pkcs9_signingTime) else { return nil }
        defer { OpenSSLError.clearQueue() }
        // The call checks the value's type; a time is UTCTime (to 2049) or GeneralizedTime.
        for type in [V_ASN1_UTCTIME, V_ASN1_GENERALIZEDTIME] {
            if let value = CMS_signed_get0_data_by_OBJ(message.signerInfo, object, -3, type) {
                return ASN1Time.date(value.assumingMemoryBound(to: ASN1_TIME.self))
            }
        }
        return nil
    }

    /// Whether a signing-time signed attribute is present, whatever its value.
    public var hasSigningTimeAttribute: Bool {
        CMS_signed_get_attr_by_NID(message.signerInfo, NID_pkcs9_signingTime, -1) >= 0
    }

    /// Whether the content-type signed attribute is present and names id-data (RFC 5652 §11.1).
    public var contentTypeIsData: Bool { message.contentTypeNID == NID_pkcs7_data && message.contentTypeAttributeMatches }

    /// The raw DER of the signing-certificate-v2 attribute value (RFC 5035), if present.
    var signingCertificateV2: [UInt8]? { message.signedSequence(NID_id_smime_aa_signingCertificateV2) }

    /// The DER time-stamp token in the signature-time-stamp unsigned attribute, if present.
    public var timeStampToken: [UInt8]? {
        guard let object = OBJ_nid2obj(NID_id_smime_aa_timeStampToken) else { return nil }
        return message.unsignedSequence(object)
    }

    /// The DER value of an unsigned attribute identified by a dotted OID, if present.
    public func unsignedAttribute(_ oid: String) -> [UInt8]? {
        guard let object = KnownObjects.object(oid) else { return nil }
        return withExtendedLifetime(object) { message.unsignedSequence(object.pointer) }
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
}

enum ASN1Bytes {
    static func of(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}

/// An OpenSSL OBJECT IDENTIFIER parsed from its dotted form, freed in `deinit`.
final class ASN1Object: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The OBJECT IDENTIFIER's whole DER encoding.
    let der: [UInt8]?
    init?(_ dotted: String) {
        guard let pointer = OBJ_txt2obj(dotted, 1) else {
            OpenSSLError.clearQueue()
            return nil
        }
        self.pointer = pointer
        der = try? OpenSSLDER.encode("an OID") { i2d_ASN1_OBJECT(pointer, $0) }
    }
    deinit { ASN1_OBJECT_free(pointer) }
}

/// The OIDs Seal names in code, parsed once per process: parsing the text costs more than the
/// attribute lookup it serves.
enum KnownObjects {
    private static let shared = BoundedCache<String, ASN1Object>(capacity: 64)

    static func object(_ dotted: String) -> ASN1Object? {
        if let known = shared.value(for: dotted) { return known }
        guard let parsed = ASN1Object(dotted) else { return nil }
        shared.insert(dotted, parsed)
        return parsed
    }
}
