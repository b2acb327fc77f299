internal import CSealShim
public import Foundation
import SwiftASN1

/// Makes seals: CAdES-B signed attributes over a detached document, and (CAdES-T) the
/// authority's RFC 3161 token over the signature value. Whether a seal *may* be used (validity,
/// revocation, access) is the service's decision, not this type's.
public final class SealSigner: @unchecked Sendable {
    public let certificate: Certificate
    let key: PrivateKey
    /// Intermediate CA certificates between the seal and the root (the root itself is not carried).
    public let intermediates: [Certificate]
    let timeStampAuthority: TimeStampAuthority?
    /// The department's GB/T 38540 seal object, for SM2 seals that have one.
    public let electronicSeal: ElectronicSeal?
    let clock: @Sendable () -> Date
    /// What every seal of this signer repeats, encoded once.
    let parts: SignerParts
    let intermediateParts: [EncodedDER]

    /// A new seal's bytes and the fields the archive records, without parsing the seal again.
    public struct Sealed: Sendable {
        public let der: [UInt8]
        public let signatureValue: [UInt8]
        public let signerCertificate: [UInt8]
        public let timeStampToken: [UInt8]?
        public let digestAlgorithm: DigestAlgorithm
        /// What a new seal was assembled from: adding an unsigned attribute (the receipt) then
        /// assembles it again instead of parsing it.
        let assembly: Assembly?

        struct Assembly: Sendable {
            let parts: SignerParts
            let intermediates: [EncodedDER]
            let signer: CMSSignerInfo
        }

        public init(_ seal: SealSignature) throws(OpenSSLError) {
            guard let algorithm = seal.digestAlgorithm, let certificate = seal.signerCertificate else {
                throw OpenSSLError("the seal lacks its digest algorithm or certificate")
            }
            self.init(der: seal.der, signatureValue: seal.signatureValue, signerCertificate: certificate.der,
                      timeStampToken: seal.timeStampToken, digestAlgorithm: algorithm)
        }

        init(der: [UInt8], signatureValue: [UInt8], signerCertificate: [UInt8], timeStampToken: [UInt8]?,
             digestAlgorithm: DigestAlgorithm, assembly: Assembly? = nil) {
            self.der = der
            self.signatureValue = signatureValue
            self.signerCertificate = signerCertificate
            self.timeStampToken = timeStampToken
            self.digestAlgorithm = digestAlgorithm
            self.assembly = assembly
        }

        /// This seal's DER with unsigned attribute `oid` set to the DER `value`.
        public func der(settingUnsignedAttribute oid: String, to value: [UInt8]) throws(SealSignature.FormatError) -> [UInt8] {
            guard let assembly else { return try SealSignature.der(der, settingUnsignedAttribute: oid, to: value) }
            guard let type = SealOID.type(oid) else { throw .profile("not an OID: \(oid)") }
            guard TLV.read(value, at: 0)?.end == value.count else { throw .profile("the attribute value is not one DER element") }
            var signer = assembly.signer
            do {
                signer.setUnsignedAttribute(type, to: EncodedDER(encoded: value))
                return try SealAssembler.seal(assembly.parts, intermediates: assembly.intermediates, signer: signer)
            } catch {
                throw .profile("cannot set the unsigned attribute: \(error)")
            }
        }
    }

    public enum SetupError: Error, Sendable, CustomStringConvertible {
        case keyMismatch
        case unreadableCertificate
        public var description: String {
            switch self {
            case .keyMismatch: "the seal key does not belong to the seal certificate"
            case .unreadableCertificate: "the seal certificate's issuer and serial number cannot be read"
            }
        }
    }

    public init(certificate: Certificate, key: PrivateKey, intermediates: [Certificate] = [],
                timeStampAuthority: TimeStampAuthority?, electronicSeal: ElectronicSeal? = nil,
                clock: @escaping @Sendable () -> Date = { Date() }) throws(SetupError) {
        guard certificate.matches(key) else { throw .keyMismatch }
        self.electronicSeal = electronicSeal
        self.certificate = certificate
        self.key = key
        self.intermediates = intermediates
        self.timeStampAuthority = timeStampAuthority
        self.clock = clock
        guard let parts = SignerParts(certificate: certificate, algorithm: key.algorithm) else { throw .unreadableCertificate }
        self.parts = parts
        intermediateParts = intermediates.map { EncodedDER(encoded: $0.der) }
    }

    /// Which signed attributes a seal carries.
    public enum Profile: Sendable {
        /// CAdES-B (ETSI EN 319 122-1): content-type, signing-time, message-digest, signing-certificate-v2.
        case cades
        /// PAdES baseline (ETSI EN 319 142-1): the same without signing-time; the claimed time
        /// is the PDF signature dictionary's `/M`.
        case pades
    }

    /// The digest algorithm the seal's signed attributes use for the document.
    public var documentDigestAlgorithm: DigestAlgorithm { key.algorithm.digest }

    /// Seals `document`: a DER detached CMS SignedData, time-stamped when a TSA is configured.
    /// The parsed form of `sealed(digest:)`, for callers that inspect the seal.
    public func seal(_ document: [UInt8]) throws(OpenSSLError) -> SealSignature {
        let der = try sealed(digest: documentDigestAlgorithm.hash(document)).der
        do { return try SealSignature(der: der) } catch { throw OpenSSLError("a new seal does not parse: \(error)") }
    }

    /// Seals a document known by its digest (`documentDigestAlgorithm`): the bytes with the
    /// fields the archive needs, without parsing the result (parsing a CMS decodes every
    /// certificate's key).
    public func sealed(digest: [UInt8], profile: Profile = .cades) throws(OpenSSLError) -> Sealed {
        try checkDigestLength(digest)
        var signer = try SealAssembler.signSeal(parts, key: key, documentDigest: digest, at: profile == .cades ? clock() : nil)
        let signature = Array(signer.signature.bytes)
        var token: [UInt8]? = nil
        if let timeStampAuthority {
            let issued = try timeStampAuthority.timestamp(imprint: DigestAlgorithm.sha256.hash(signature))
            token = issued
            signer.setUnsignedAttribute(.cms.timeStampToken, to: EncodedDER(encoded: issued))
        }
        return Sealed(der: try SealAssembler.seal(parts, intermediates: intermediateParts, signer: signer),
                      signatureValue: signature, signerCertificate: certificate.der, timeStampToken: token,
                      digestAlgorithm: parts.digest, assembly: Sealed.Assembly(parts: parts, intermediates: intermediateParts, signer: signer))
    }

    private func checkDigestLength(_ digest: [UInt8]) throws(OpenSSLError) {
        guard digest.count == documentDigestAlgorithm.byteCount else {
            throw OpenSSLError("a \(documentDigestAlgorithm) digest has \(documentDigestAlgorithm.byteCount) bytes, not \(digest.count)")
        }
    }

    /// OpenSSL's CMS signer: the reference the assembled seals are tested against, byte for byte.
    func opensslSeal(digest: [UInt8]) throws(OpenSSLError) -> SealSignature {
        try checkDigestLength(digest)
        let cms = try signedData(digest: digest)
        defer { CMS_ContentInfo_free(cms) }
        if let timeStampAuthority {
            let signerInfo = try check(CSealShim_sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0), "reading the signer")
            let signature = ASN1Bytes.of(try check(CMS_SignerInfo_get0_signature(signerInfo), "reading the signature"))
            let token = try timeStampAuthority.opensslTimestamp(imprint: DigestAlgorithm.sha256.hash(signature))
            try check(CMS_unsigned_add1_attr_by_NID(signerInfo, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                                    token, Int32(token.count)), "attaching the time-stamp")
        }
        let der = try OpenSSLDER.encode("a seal") { i2d_CMS_ContentInfo(cms, $0) }
        do { return try SealSignature(der: der) } catch { throw OpenSSLError("re-reading a new seal") }
    }

    /// The signed CMS structure without any unsigned attribute; the caller owns it. The document
    /// is represented by its digest alone: the content-type and message-digest attributes are
    /// set here, which is what `CMS_final` would do after hashing the content itself.
    private func signedData(digest: [UInt8]) throws(OpenSSLError) -> OpaquePointer {
        let flags = UInt32(CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | CMS_CADES)
        let cms = try check(CMS_sign(nil, nil, nil, nil, flags), "starting a SignedData")
        do throws(OpenSSLError) {
            // PSS needs its key context configured, which CMS_KEY_PARAM allows; OpenSSL then leaves
            // the signature AlgorithmIdentifier to CMS_final, which never runs here, so it is set below.
            let keyParameters = key.algorithm == .rsaPSS ? UInt32(CMS_KEY_PARAM) : 0
            let signerInfo = try check(CMS_add1_signer(cms, certificate.pointer, key.pointer, key.algorithm.digest.evp,
                                                       flags | keyParameters), "adding the signer")
            if keyParameters != 0 {
                let keyContext = try check(CMS_SignerInfo_get0_pkey_ctx(signerInfo), "reading the key context")
                try key.algorithm.configure(keyContext)
                try key.algorithm.setSignatureAlgorithm(of: signerInfo)
            }
            let signingTime = try check(ASN1_TIME_new(), "allocating the signing time")
            defer { ASN1_TIME_free(signingTime) }
            try ASN1Time.set(signingTime, to: clock())
            try check(CMS_signed_add1_attr_by_NID(signerInfo, NID_pkcs9_signingTime, ASN1_STRING_type(signingTime),
                                                  signingTime, -1), "adding the signing time")
            for intermediate in intermediates {
                try check(CMS_add1_cert(cms, intermediate.pointer), "adding an intermediate certificate")
            }
            let data = try check(OBJ_nid2obj(NID_pkcs7_data), "naming the content type")
            try check(CMS_signed_add1_attr_by_NID(signerInfo, NID_pkcs9_contentType, V_ASN1_OBJECT, UnsafeRawPointer(data), -1),
                      "adding the content type")
            try check(CMS_signed_add1_attr_by_NID(signerInfo, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest,
                                                  Int32(digest.count)), "adding the message digest")
            try check(CMS_SignerInfo_sign(signerInfo), "signing")
            try check(CMS_set_detached(cms, 1), "detaching the content")
            return cms
        } catch {
            CMS_ContentInfo_free(cms)
            throw error
        }
    }

    /// A plain detached CMS signature by OpenSSL's `CMS_sign` (no CAdES attributes, no
    /// time-stamp): the peer figure `seal-bench` compares sealing with.
    public func opensslDetachedCMS(_ document: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        let content = try MemoryBIO(document)
        let flags = UInt32(CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP)
        let cms = try check(CMS_sign(certificate.pointer, key.pointer, nil, content.pointer, flags), "CMS_sign")
        defer { CMS_ContentInfo_free(cms) }
        return try OpenSSLDER.encode("a CMS signature") { i2d_CMS_ContentInfo(cms, $0) }
    }

    /// A CAdES-B seal without a time-stamp (for interop checks and test vectors).
    public func sealWithoutTimeStamp(_ document: [UInt8]) throws(OpenSSLError) -> SealSignature {
        let cms = try signedData(digest: documentDigestAlgorithm.hash(document))
        defer { CMS_ContentInfo_free(cms) }
        let der = try OpenSSLDER.encode("a seal") { i2d_CMS_ContentInfo(cms, $0) }
        do { return try SealSignature(der: der) } catch { throw OpenSSLError("re-reading a new seal") }
    }
}
