internal import CSealShim
public import Foundation
import SwiftASN1

/// The authority's RFC 3161 time-stamping unit: issues tokens over message imprints.
public final class TimeStampAuthority: @unchecked Sendable {
    public let certificate: Certificate
    let key: PrivateKey
    /// Where the time comes from; tests and vector generation inject a fixed clock.
    let clock: @Sendable () -> Date
    /// What every token repeats, encoded once.
    let parts: SignerParts
    static let policy = OID(stringLiteral: SealOID.timeStampPolicy)

    public enum SetupError: Error, Sendable, CustomStringConvertible {
        case notATimeStampingCertificate
        case keyMismatch
        case unreadableCertificate
        public var description: String {
            switch self {
            case .unreadableCertificate: "the TSA certificate's issuer and serial number cannot be read"
            case .notATimeStampingCertificate: "the TSA certificate lacks the critical timeStamping extended key usage"
            case .keyMismatch: "the TSA key does not belong to the TSA certificate"
            }
        }
    }

    public init(certificate: Certificate, key: PrivateKey, clock: @escaping @Sendable () -> Date = { Date() }) throws(SetupError) {
        guard certificate.isTimeStampingCertificate else { throw .notATimeStampingCertificate }
        guard certificate.matches(key) else { throw .keyMismatch }
        self.certificate = certificate
        self.key = key
        self.clock = clock
        guard let parts = SignerParts(certificate: certificate, algorithm: key.algorithm) else { throw .unreadableCertificate }
        self.parts = parts
    }

    /// A time-stamp token (DER ContentInfo) over `imprint`, a digest computed with `algorithm`.
    public func timestamp(imprint: [UInt8], algorithm: DigestAlgorithm = .sha256) throws(OpenSSLError) -> [UInt8] {
        guard imprint.count == algorithm.byteCount else { throw OpenSSLError("time-stamping: imprint length") }
        return try SealAssembler.token(parts, key: key, policy: Self.policy, imprint: imprint, imprintAlgorithm: algorithm, at: clock())
    }

    /// OpenSSL's TS responder: the reference the assembled tokens are tested against.
    func opensslTimestamp(imprint: [UInt8], algorithm: DigestAlgorithm = .sha256) throws(OpenSSLError) -> [UInt8] {
        guard imprint.count == algorithm.byteCount else { throw OpenSSLError("time-stamping: imprint length") }
        let request = try makeRequest(imprint: imprint, algorithm: algorithm)
        let reading = ClockReading(seconds: clock().timeIntervalSince1970)
        let context = try makeContext(reading: reading)
        defer { TS_RESP_CTX_free(context) }
        let requestBIO = try MemoryBIO(request)
        let response = try check(withExtendedLifetime(reading) { TS_RESP_create_response(context, requestBIO.pointer) },
                                 "creating a time-stamp response")
        defer { TS_RESP_free(response) }
        let status = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(response))
        guard ASN1_INTEGER_get(status) == Int(TS_STATUS_GRANTED) || ASN1_INTEGER_get(status) == Int(TS_STATUS_GRANTED_WITH_MODS),
              let token = TS_RESP_get_token(response) else {
            throw OpenSSLError("time-stamping: request rejected")
        }
        return try OpenSSLDER.encode("a time-stamp token") { i2d_PKCS7(token, $0) }
    }

    private func makeRequest(imprint: [UInt8], algorithm: DigestAlgorithm) throws(OpenSSLError) -> [UInt8] {
        let request = try check(TS_REQ_new(), "allocating a time-stamp request")
        defer { TS_REQ_free(request) }
        let messageImprint = try check(TS_MSG_IMPRINT_new(), "allocating an imprint")
        defer { TS_MSG_IMPRINT_free(messageImprint) }
        let algorithmID = try check(X509_ALGOR_new(), "allocating an algorithm identifier")
        defer { X509_ALGOR_free(algorithmID) }
        X509_ALGOR_set_md(algorithmID, algorithm.evp)
        try check(TS_MSG_IMPRINT_set_algo(messageImprint, algorithmID), "setting the imprint algorithm")
        // The pointer lives only inside the closure; OpenSSL copies the bytes.
        try check(imprint.withUnsafeBufferPointer { TS_MSG_IMPRINT_set_msg(messageImprint, UnsafeMutablePointer(mutating: $0.baseAddress), Int32($0.count)) },
                  "setting the imprint")
        try check(TS_REQ_set_version(request, 1), "setting the request version")
        try check(TS_REQ_set_msg_imprint(request, messageImprint), "setting the request imprint")
        try check(TS_REQ_set_cert_req(request, 1), "asking for the TSA certificate")
        let nonce = try randomInteger()
        defer { ASN1_INTEGER_free(nonce) }
        try check(TS_REQ_set_nonce(request, nonce), "setting the nonce")
        return try OpenSSLDER.encode("a time-stamp request") { i2d_TS_REQ(request, $0) }
    }

    /// A response context; `reading` must outlive every use of it (the time callback reads it).
    private func makeContext(reading: ClockReading) throws(OpenSSLError) -> OpaquePointer {
        let context = try check(TS_RESP_CTX_new(), "allocating a TSA context")
        do {
            try check(TS_RESP_CTX_set_signer_cert(context, certificate.pointer), "setting the TSA certificate")
            try check(TS_RESP_CTX_set_signer_key(context, key.pointer), "setting the TSA key")
            try check(TS_RESP_CTX_set_signer_digest(context, key.algorithm.digest.evp), "setting the TSA digest")
            try check(TS_RESP_CTX_set_ess_cert_id_digest(context, EVP_sha256()), "choosing ESSCertIDv2")
            let policy = try check(OBJ_txt2obj(SealOID.timeStampPolicy, 1), "parsing the TSA policy")
            defer { ASN1_OBJECT_free(policy) }
            try check(TS_RESP_CTX_set_def_policy(context, policy), "setting the TSA policy")
            for digest in DigestAlgorithm.allCases {
                try check(TS_RESP_CTX_add_md(context, digest.evp), "accepting \(digest.rawValue)")
            }
            try check(TS_RESP_CTX_set_accuracy(context, 1, 0, 0), "setting the accuracy")
            TS_RESP_CTX_set_serial_cb(context, { _, _ in
                do { return try randomInteger() } catch { return nil }
            }, nil)
            TS_RESP_CTX_set_time_cb(context, { _, data, sec, usec in
                guard let data, let sec, let usec else { return 0 }
                let reading = Unmanaged<ClockReading>.fromOpaque(data).takeUnretainedValue()
                sec.pointee = Int(reading.seconds.rounded(.down))
                usec.pointee = 0
                return 1
            }, Unmanaged.passUnretained(reading).toOpaque())
            return context
        } catch {
            TS_RESP_CTX_free(context)
            throw error
        }
    }
}

/// The time a response should carry, read by OpenSSL's time callback.
private final class ClockReading {
    let seconds: TimeInterval
    init(seconds: TimeInterval) { self.seconds = seconds }
}

/// A positive random 64-bit ASN1_INTEGER for nonces and token serial numbers; the caller owns it.
private func randomInteger() throws(OpenSSLError) -> UnsafeMutablePointer<ASN1_INTEGER> {
    let bn = try check(BN_new(), "allocating a random number")
    defer { BN_free(bn) }
    try check(BN_rand(bn, 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), "drawing a random number")
    return try check(BN_to_ASN1_INTEGER(bn, nil), "converting a random number")
}
