internal import CSealShim
public import Foundation

/// A parsed RFC 3161 time-stamp token (a CMS SignedData over TSTInfo), owned by this object.
final class TimeStampToken {
    let message: SignedMessage
    let info: OpaquePointer
    /// The encapsulated TSTInfo's DER, which the message-digest attribute covers.
    private let content: [UInt8]

    /// Parses a token that is canonical DER and fits RFC 3161 §2.4.2: SignedData version 3,
    /// one SignerInfo, a digestAlgorithms set naming exactly its digest, a signature algorithm
    /// that fits that digest, and an encapsulated canonical TSTInfo. None of these is covered by
    /// the token's signature.
    init?(der: [UInt8]) {
        guard let message = try? SignedMessage(der: der), (try? message.checkAlgorithms()) != nil,
              message.layout.signedDataVersion == 3, [1, 3].contains(message.layout.signerInfoVersion),
              message.contentTypeNID == NID_id_smime_ct_TSTInfo, let content = message.content,
              let info = OpenSSLDER.decode(content, { d2i_TS_TST_INFO(nil, $0, $1) }, free: TS_TST_INFO_free) else {
            OpenSSLError.clearQueue()
            return nil
        }
        guard (try? OpenSSLDER.encode("a TSTInfo", { i2d_TS_TST_INFO(info, $0) })) == content else {
            TS_TST_INFO_free(info)
            return nil
        }
        self.message = message
        self.info = info
        self.content = content
    }

    deinit { TS_TST_INFO_free(info) }

    var generationTime: Date? { ASN1Time.date(TS_TST_INFO_get_time(info)) }

    var imprintAlgorithm: DigestAlgorithm? {
        guard let imprint = TS_TST_INFO_get_msg_imprint(info), let algorithm = TS_MSG_IMPRINT_get_algo(imprint) else { return nil }
        var object: OpaquePointer? = nil
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        return DigestAlgorithm(nid: OBJ_obj2nid(object))
    }

    var imprint: [UInt8] {
        guard let imprint = TS_TST_INFO_get_msg_imprint(info), let message = TS_MSG_IMPRINT_get_msg(imprint) else { return [] }
        return ASN1Bytes.of(message)
    }

    var serialNumber: String {
        guard let serial = TS_TST_INFO_get_serial(info), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CSealShim_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    var policy: String {
        guard let object = TS_TST_INFO_get_policy_id(info) else { return "" }
        // Read from the content octets: OpenSSL's text conversion goes through a bignum per arc.
        // Arcs past 64 bits (a 2.25 UUID policy) still take it.
        if let content = OBJ_get0_data(object),
           let dotted = TLV.dottedOID(ArraySlice(UnsafeBufferPointer(start: content, count: OBJ_length(object)))) {
            return dotted
        }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return length > 0 ? String(cString: buffer) : ""
    }

    /// The TSA certificate that the token's SignerInfo identifies, when the token carries it.
    var signerCertificate: Certificate? { message.signerCertificate }

    /// Checks what RFC 3161 §2.4.2 and RFC 5652 §5.4 ask of the token itself, with `tsa` as the
    /// signer: TSTInfo version 1, content-type and message-digest attributes matching the
    /// TSTInfo, an ESS signing-certificate (v1 or v2) naming `tsa` first with any further
    /// certificates it names found in `chain`, and the signature. The TSA's path is checked apart.
    func verifySignature(tsa: Certificate, chain: [Certificate], cache: VerificationCache) -> Result<Void, OpenSSLError> {
        guard TS_TST_INFO_get_version(info) == 1 else { return .failure(OpenSSLError("the TSTInfo version is not 1")) }
        guard message.contentTypeAttributeMatches else {
            return .failure(OpenSSLError("the content-type attribute does not name TSTInfo"))
        }
        guard let algorithm = message.digestAlgorithm, let digest = message.messageDigest,
              constantTimeEqual(digest, algorithm.hash(content)) else {
            return .failure(OpenSSLError("the message-digest attribute does not match the TSTInfo"))
        }
        guard ESSBinding.matches(v1: message.signedSequence(NID_id_smime_aa_signingCertificate),
                                 v2: message.signedSequence(NID_id_smime_aa_signingCertificateV2), chain: [tsa] + chain,
                                 cache: cache) else {
            return .failure(OpenSSLError("the ESS signing-certificate attribute does not name the TSA certificate"))
        }
        guard message.signatureVerifies(with: tsa) else {
            return .failure(OpenSSLError("the signature over the signed attributes does not verify"))
        }
        return .success(())
    }
}


extension TimestampSummary {
    /// What an RFC 3161 token says (time, TSA, serial, policy), without verifying it.
    public init?(token der: [UInt8]) {
        guard let token = TimeStampToken(der: der), let time = token.generationTime else { return nil }
        self.init(time: time, authority: token.signerCertificate?.subject.commonName,
                  serialNumber: token.serialNumber, policy: token.policy)
    }
}
