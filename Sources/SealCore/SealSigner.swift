internal import CSealShim
public import Foundation

/// Makes seals: CAdES-B signed attributes over a detached document, and (CAdES-T) the
/// authority's RFC 3161 token over the signature value. Whether a seal *may* be used (validity,
/// revocation, access) is the service's decision, not this type's.
public final class SealSigner: @unchecked Sendable {
    public let certificate: Certificate
    let key: PrivateKey
    /// Intermediate CA certificates between the seal and the root (the root itself is not carried).
    public let intermediates: [Certificate]
    let timeStampAuthority: TimeStampAuthority?
    let clock: @Sendable () -> Date
    /// Precomputed DER for the assembled (ECDSA) path; nil: OpenSSL's CMS builds the seal.
    let parts: SignerParts?

    /// A new seal's bytes and the fields the archive records, without parsing the seal again.
    public struct Sealed: Sendable {
        public let der: [UInt8]
        public let signatureValue: [UInt8]
        public let signerCertificate: [UInt8]
        public let timeStampToken: [UInt8]?
        public let digestAlgorithm: DigestAlgorithm

        public init(_ seal: SealSignature) throws(OpenSSLError) {
            guard let algorithm = seal.digestAlgorithm, let certificate = seal.signerCertificate else {
                throw OpenSSLError("the seal lacks its digest algorithm or certificate")
            }
            self.init(der: seal.der, signatureValue: seal.signatureValue, signerCertificate: certificate.der,
                      timeStampToken: seal.timeStampToken, digestAlgorithm: algorithm)
        }

        init(der: [UInt8], signatureValue: [UInt8], signerCertificate: [UInt8], timeStampToken: [UInt8]?,
             digestAlgorithm: DigestAlgorithm) {
            self.der = der
            self.signatureValue = signatureValue
            self.signerCertificate = signerCertificate
            self.timeStampToken = timeStampToken
            self.digestAlgorithm = digestAlgorithm
        }
    }

    public enum SetupError: Error, Sendable, CustomStringConvertible {
        case keyMismatch
        public var description: String { "the seal key does not belong to the seal certificate" }
    }

    public init(certificate: Certificate, key: PrivateKey, intermediates: [Certificate] = [],
                timeStampAuthority: TimeStampAuthority?, clock: @escaping @Sendable () -> Date = { Date() }) throws(SetupError) {
        guard certificate.matches(key) else { throw .keyMismatch }
        self.certificate = certificate
        self.key = key
        self.intermediates = intermediates
        self.timeStampAuthority = timeStampAuthority
        self.clock = clock
        // The assembled path needs an ECDSA seal and, if there is one, an assembling TSA.
        let assemblingTSA = timeStampAuthority.map { $0.parts != nil } ?? true
        parts = assemblingTSA ? SignerParts(certificate: certificate, algorithm: key.algorithm) : nil
    }

    /// The digest algorithm the seal's signed attributes use for the document.
    public var documentDigestAlgorithm: DigestAlgorithm { key.algorithm.digest }

    /// Seals `document`: a DER detached CMS SignedData, time-stamped when a TSA is configured.
    public func seal(_ document: [UInt8]) throws(OpenSSLError) -> SealSignature {
        try seal(digest: documentDigestAlgorithm.hash(document))
    }

    /// Seals a document known only by its digest (`documentDigestAlgorithm`), so a department
    /// need not send the content; the result is the same seal `seal(_:)` makes.
    public func seal(digest: [UInt8]) throws(OpenSSLError) -> SealSignature {
        if parts != nil {
            let der = try sealed(digest: digest).der
            do { return try SealSignature(der: der) } catch { throw OpenSSLError("an assembled seal does not parse: \(error)") }
        }
        return try opensslSeal(digest: digest)
    }

    /// Seals a digest and returns the bytes with the fields the archive needs, without parsing
    /// the result (the archive path: parsing a CMS decodes every certificate's key).
    public func sealed(digest: [UInt8]) throws(OpenSSLError) -> Sealed {
        try checkDigestLength(digest)
        guard let parts else { return try Sealed(try opensslSeal(digest: digest)) }
        let signed = try SealAssembler.signSeal(parts, key: key, documentDigest: digest, at: clock())
        var token: [UInt8]? = nil
        var unsigned: [[UInt8]] = []
        if let timeStampAuthority {
            let issued = try timeStampAuthority.timestamp(imprint: DigestAlgorithm.sha256.hash(signed.signature))
            token = issued
            unsigned.append(SealAssembler.attribute(SealAssembler.OID.timeStampToken, issued))
        }
        return Sealed(der: SealAssembler.seal(parts, intermediates: intermediates.map(\.der), signed: signed, unsigned: unsigned),
                      signatureValue: signed.signature, signerCertificate: parts.certificate, timeStampToken: token,
                      digestAlgorithm: parts.digest)
    }

    private func checkDigestLength(_ digest: [UInt8]) throws(OpenSSLError) {
        guard digest.count == documentDigestAlgorithm.byteCount else {
            throw OpenSSLError("a \(documentDigestAlgorithm) digest has \(documentDigestAlgorithm.byteCount) bytes, not \(digest.count)")
        }
    }

    /// OpenSSL's CMS path (RSA-PSS, and the reference the assembled path is tested against).
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
        let der = try DER.encode("a seal") { i2d_CMS_ContentInfo(cms, $0) }
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
        return try DER.encode("a CMS signature") { i2d_CMS_ContentInfo(cms, $0) }
    }

    /// A CAdES-B seal without a time-stamp (for interop checks and test vectors).
    public func sealWithoutTimeStamp(_ document: [UInt8]) throws(OpenSSLError) -> SealSignature {
        let cms = try signedData(digest: documentDigestAlgorithm.hash(document))
        defer { CMS_ContentInfo_free(cms) }
        let der = try DER.encode("a seal") { i2d_CMS_ContentInfo(cms, $0) }
        do { return try SealSignature(der: der) } catch { throw OpenSSLError("re-reading a new seal") }
    }
}
