internal import CSealShim
public import Foundation

/// A parsed RFC 3161 time-stamp token (a CMS SignedData over TSTInfo), owned by this object.
final class TimeStampToken {
    let pkcs7: UnsafeMutablePointer<PKCS7>
    let info: OpaquePointer

    /// Parses a token that is canonical DER and fits RFC 3161 §2.4.2: SignedData version 3,
    /// one SignerInfo, a digestAlgorithms set naming exactly its digest, and a signature
    /// algorithm that fits that digest. None of these is covered by the token's signature.
    init?(der: [UInt8]) {
        guard let pkcs7 = DER.decode(der, { d2i_PKCS7(nil, $0, $1) }, free: PKCS7_free) else { return nil }
        guard (try? DER.encode("a time-stamp token", { i2d_PKCS7(pkcs7, $0) })) == der,
              let fields = SignedDataFields(der), fields.signedDataVersion == 3, [1, 3].contains(fields.signerInfoVersion),
              let signers = PKCS7_get_signer_info(pkcs7), CSealShim_sk_PKCS7_SIGNER_INFO_num(signers) == 1,
              let signer = CSealShim_sk_PKCS7_SIGNER_INFO_value(signers, 0) else {
            OpenSSLError.clearQueue()
            PKCS7_free(pkcs7)
            return nil
        }
        var digest: UnsafeMutablePointer<X509_ALGOR>? = nil
        var signature: UnsafeMutablePointer<X509_ALGOR>? = nil
        PKCS7_SIGNER_INFO_get0_algs(signer, nil, &digest, &signature)
        guard let digest, let signature, let digestOID = SealSignature.oid(digest), let signatureOID = SealSignature.oid(signature),
              fields.digestAlgorithmOIDs == [digestOID], SealSignature.signatureAlgorithm(signatureOID, fits: digestOID),
              fields.digestParametersAreAbsentOrNull, SealSignature.parametersAreAbsentOrNull(digest) else {
            PKCS7_free(pkcs7)
            return nil
        }
        guard let info = PKCS7_to_TS_TST_INFO(pkcs7) else {
            OpenSSLError.clearQueue()
            PKCS7_free(pkcs7)
            return nil
        }
        self.pkcs7 = pkcs7
        self.info = info
    }

    deinit {
        TS_TST_INFO_free(info)
        PKCS7_free(pkcs7)
    }

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
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return length > 0 ? String(cString: buffer) : ""
    }

    /// The TSA certificate that the token's SignerInfo identifies, when the token carries it.
    var signerCertificate: Certificate? {
        guard let stack = PKCS7_get0_signers(pkcs7, nil, 0) else {
            OpenSSLError.clearQueue()
            return nil
        }
        defer { CSealShim_sk_X509_free(stack) }
        guard CSealShim_sk_X509_num(stack) == 1, let x509 = CSealShim_sk_X509_value(stack, 0) else { return nil }
        return try? Certificate(retaining: x509)
    }

    /// Verifies the token's own signature, its ESS signing-certificate binding and the TSA chain
    /// (extended key usage timeStamping) in `store`, at the store's configured time.
    func verifySignature(store: X509Store) -> Result<Void, OpenSSLError> {
        guard let context = TS_VERIFY_CTX_new() else { return .failure(OpenSSLError("allocating a TSA verifier")) }
        defer { TS_VERIFY_CTX_free(context) }
        // The context frees its store: hand it a reference of its own.
        X509_STORE_up_ref(store.pointer)
        TS_VERIFY_CTX_set_store(context, store.pointer)
        TS_VERIFY_CTX_set_flags(context, Int32(TS_VFY_SIGNATURE | TS_VFY_VERSION))
        guard TS_RESP_verify_token(context, pkcs7) == 1 else { return .failure(OpenSSLError("verifying the time-stamp token")) }
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
