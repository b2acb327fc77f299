internal import CSealShim
import Foundation
import SwiftASN1

/// The signature algorithms a seal can use. Every place that depends on the algorithm (key
/// generation, digest, padding) asks this type, so adding one (SM2, Ed25519) is one change here.
public enum SignatureAlgorithm: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// ECDSA on P-256 with SHA-256 (the default).
    case ecdsaP256 = "ecdsa-p256"
    /// ECDSA on P-384 with SHA-384.
    case ecdsaP384 = "ecdsa-p384"
    /// RSASSA-PSS, 3072-bit modulus, SHA-256, MGF1-SHA-256, 32-byte salt.
    case rsaPSS = "rsa-pss"
    /// SM2 with SM3 (GB/T 32918, GB/T 35276), user ID "1234567812345678": China's own
    /// algorithm, what GB/T 38540 electronic seals are signed with.
    case sm2 = "sm2"

    public var description: String { rawValue }

    /// The digest used with this algorithm for signatures and CMS message digests.
    public var digest: DigestAlgorithm {
        switch self {
        case .ecdsaP256, .rsaPSS: .sha256
        case .ecdsaP384: .sha384
        case .sm2: .sm3
        }
    }

    /// The SM2 user ID (distinguishing identifier) every SM2 signature and certificate uses: the
    /// GB/T 35276 default. OpenSSL 3.0 would use an empty ID unless told, which no other SM2
    /// implementation reads.
    public static let sm2UserID: [UInt8] = Array("1234567812345678".utf8)

    /// RSA modulus size for generated keys.
    static let rsaBits: Int32 = 3072

    /// Generates a fresh key pair for this algorithm.
    func generateKey() throws(OpenSSLError) -> OpaquePointer {
        let name = switch self {
        case .rsaPSS: "RSA"
        case .sm2: "SM2"
        case .ecdsaP256, .ecdsaP384: "EC"
        }
        let context = try check(EVP_PKEY_CTX_new_from_name(nil, name, nil), "creating a \(self) key context")
        defer { EVP_PKEY_CTX_free(context) }
        try check(EVP_PKEY_keygen_init(context), "starting \(self) key generation")
        switch self {
        case .ecdsaP256: try check(EVP_PKEY_CTX_set_group_name(context, "P-256"), "selecting P-256")
        case .ecdsaP384: try check(EVP_PKEY_CTX_set_group_name(context, "P-384"), "selecting P-384")
        case .rsaPSS: try check(EVP_PKEY_CTX_set_rsa_keygen_bits(context, Self.rsaBits), "setting RSA key size")
        case .sm2: break
        }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw OpenSSLError("generating a \(self) key") }
        return key
    }

    /// Identifies the algorithm of an existing key, or nil for a key type Seal does not seal with.
    static func of(key: OpaquePointer) -> SignatureAlgorithm? {
        if EVP_PKEY_is_a(key, "RSA") == 1 { return EVP_PKEY_get_bits(key) >= 2048 ? .rsaPSS : nil }
        // OpenSSL 3 reads a key on the SM2 curve (1.2.156.10197.1.301) as an SM2 key.
        if EVP_PKEY_is_a(key, "SM2") == 1 { return .sm2 }
        guard EVP_PKEY_is_a(key, "EC") == 1 else { return nil }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else { return nil }
        switch String(cString: name) {
        case "prime256v1", "P-256": return .ecdsaP256
        case "secp384r1", "P-384": return .ecdsaP384
        default: return nil
        }
    }

    /// What a signature is for: the two CMS signers Seal writes follow different profiles.
    enum Purpose: Sendable {
        /// A seal: OpenSSL's CMS signer, RSASSA-PSS for RSA keys.
        case seal
        /// A time-stamp token: OpenSSL's TS responder signs RSA with PKCS #1 v1.5, which is
        /// what `openssl ts -verify` and other RFC 3161 clients read.
        case timeStampToken
    }

    /// The SignerInfo's signatureAlgorithm for `purpose`.
    func identifier(for purpose: Purpose) -> AlgorithmIdentifier {
        switch (self, purpose) {
        case (.ecdsaP256, _): AlgorithmIdentifier(algorithm: .algorithms.ecdsaWithSHA256)
        case (.ecdsaP384, _): AlgorithmIdentifier(algorithm: .algorithms.ecdsaWithSHA384)
        case (.rsaPSS, .seal): AlgorithmIdentifier(algorithm: .algorithms.rsassaPSS, parameters: Self.pssParameterValue)
        case (.rsaPSS, .timeStampToken): AlgorithmIdentifier(algorithm: .algorithms.rsaEncryption, parameters: AlgorithmIdentifier.null)
        case (.sm2, _): AlgorithmIdentifier(algorithm: .algorithms.sm2WithSM3)
        }
    }

    private static let pssParameterValue = EncodedDER(encoded: pssParameters)

    /// Applies what this algorithm needs to a signing or verifying key context: the SM2 user ID,
    /// or the padding of RSA seals.
    func configure(_ context: OpaquePointer, for purpose: Purpose = .seal) throws(OpenSSLError) {
        if self == .sm2 {
            try check(EVP_PKEY_CTX_set1_id(context, Self.sm2UserID, Int32(Self.sm2UserID.count)), "setting the SM2 user ID")
            return
        }
        guard self == .rsaPSS, purpose == .seal else { return }
        try check(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING), "selecting PSS padding")
        try check(EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST), "setting the PSS salt length")
        try check(EVP_PKEY_CTX_set_rsa_mgf1_md(context, digest.evp), "setting MGF1")
    }
}

/// Digest algorithms Seal computes or accepts.
public enum DigestAlgorithm: String, Codable, Sendable, CaseIterable {
    case sha256 = "SHA-256"
    case sha384 = "SHA-384"
    case sha512 = "SHA-512"
    /// SM3 (GB/T 32905), the digest of SM2 signatures and OFD references.
    case sm3 = "SM3"

    /// The digest fetched once from the default provider. OpenSSL 3 re-fetches (taking a lock)
    /// on every use of EVP_sha256(); an explicitly fetched EVP_MD skips that.
    var evp: OpaquePointer {
        switch self {
        case .sha256: Self.fetched.sha256
        case .sha384: Self.fetched.sha384
        case .sha512: Self.fetched.sha512
        case .sm3: Self.fetched.sm3
        }
    }

    private struct Fetched: @unchecked Sendable {
        // Fetched once and kept for the life of the process.
        let sha256 = EVP_MD_fetch(nil, "SHA2-256", nil)!
        let sha384 = EVP_MD_fetch(nil, "SHA2-384", nil)!
        let sha512 = EVP_MD_fetch(nil, "SHA2-512", nil)!
        let sm3 = EVP_MD_fetch(nil, "SM3", nil)!
    }
    private static let fetched = Fetched()

    /// Looks up an OpenSSL digest NID (from an AlgorithmIdentifier) among the supported ones.
    init?(nid: Int32) {
        switch nid {
        case NID_sha256: self = .sha256
        case NID_sha384: self = .sha384
        case NID_sha512: self = .sha512
        case NID_sm3: self = .sm3
        default: return nil
        }
    }

    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        case .sm3: 32
        }
    }

    /// The digest of `prefix ‖ first ‖ second`, without building the concatenation (domain-
    /// separated hashing of Merkle leaves and nodes).
    public func hash(prefix: UInt8, _ first: [UInt8], _ second: [UInt8] = []) -> [UInt8] {
        let context = DigestContext.current
        var output = [UInt8](repeating: 0, count: byteCount)
        var prefixByte = prefix
        var length: UInt32 = 0
        let ok = EVP_DigestInit_ex(context, evp, nil) == 1
            && EVP_DigestUpdate(context, &prefixByte, 1) == 1
            && EVP_DigestUpdate(context, first, first.count) == 1
            && EVP_DigestUpdate(context, second, second.count) == 1
            && EVP_DigestFinal_ex(context, &output, &length) == 1
        // Digesting memory only fails on allocation failure.
        precondition(ok && Int(length) == byteCount, "digest failed")
        return output
    }

    /// The digest of `bytes`.
    /// The digest of `parts` one after the other, without joining them (a PDF's byte ranges).
    public func hash(parts: [ArraySlice<UInt8>]) -> [UInt8] {
        let context = DigestContext.current
        var output = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        var ok = EVP_DigestInit_ex(context, evp, nil) == 1
        for part in parts where ok {
            ok = part.withUnsafeBufferPointer { EVP_DigestUpdate(context, $0.baseAddress, $0.count) == 1 }
        }
        ok = ok && EVP_DigestFinal_ex(context, &output, &length) == 1
        precondition(ok && Int(length) == byteCount, "digest failed")
        return output
    }

    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        let context = DigestContext.current
        var output = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = EVP_DigestInit_ex(context, evp, nil) == 1 && EVP_DigestUpdate(context, bytes, bytes.count) == 1
            && EVP_DigestFinal_ex(context, &output, &length) == 1
        // A one-shot digest over memory only fails on allocation failure.
        precondition(ok && Int(length) == byteCount, "digest failed")
        return output
    }
}


/// One reusable EVP_MD_CTX per thread: hashing is the archive's inner loop, and allocating a
/// context per digest costs as much as hashing a small input.
private final class DigestContext {
    let pointer: OpaquePointer = EVP_MD_CTX_new()!
    deinit { EVP_MD_CTX_free(pointer) }

    /// The calling thread's context; freed when the thread exits.
    static var current: OpaquePointer {
        if let raw = pthread_getspecific(key) { return Unmanaged<DigestContext>.fromOpaque(raw).takeUnretainedValue().pointer }
        let context = DigestContext()
        pthread_setspecific(key, Unmanaged.passRetained(context).toOpaque())
        return context.pointer
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<DigestContext>.fromOpaque(raw).release() }
        }
        return key
    }()
}

extension SignatureAlgorithm {
    /// RSASSA-PSS-params for SHA-256, MGF1-SHA-256, 32-byte salt, as OpenSSL encodes them
    /// (hash parameters NULL).
    static let pssParameters: [UInt8] = [
        0x30, 0x34,
        0xA0, 0x0F, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
        0xA1, 0x1C, 0x30, 0x1A, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08,
        0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
        0xA2, 0x03, 0x02, 0x01, 0x20,
    ]

    /// Writes the SignerInfo's signatureAlgorithm for a signer whose key context was configured
    /// by hand (CMS_KEY_PARAM), where OpenSSL would only set it while hashing content.
    func setSignatureAlgorithm(of signerInfo: OpaquePointer) throws(OpenSSLError) {
        guard self == .rsaPSS else { return }
        var algorithm: UnsafeMutablePointer<X509_ALGOR>? = nil
        CMS_SignerInfo_get0_algs(signerInfo, nil, nil, nil, &algorithm)
        let target = try check(algorithm, "reading the signature algorithm")
        let parameters = try check(ASN1_STRING_type_new(V_ASN1_SEQUENCE), "allocating PSS parameters")
        guard ASN1_STRING_set(parameters, Self.pssParameters, Int32(Self.pssParameters.count)) == 1 else {
            ASN1_STRING_free(parameters)
            throw OpenSSLError("encoding PSS parameters")
        }
        guard X509_ALGOR_set0(target, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, parameters) == 1 else {
            ASN1_STRING_free(parameters)
            throw OpenSSLError("setting the PSS algorithm")
        }
    }
}
