internal import CSealShim
public import Foundation

/// Verifies seals offline against trust anchors (and optional CRLs). Each step is a check in the
/// report; nothing is thrown for a bad seal.
public struct SealVerifier: Sendable {
    public var trust: TrustAnchors
    public var revocationLists: [RevocationList]
    /// True when the CRLs come from the authority's own archive (online verification): they are
    /// then complete as of now, so no CRL means nothing is revoked and nextUpdate does not apply.
    public var revocationListsAreCurrent: Bool
    /// The current time; injected in tests.
    public var clock: @Sendable () -> Date
    /// What this verifier remembers between seals (validated paths, ESS bindings).
    public let cache: VerificationCache

    public init(trust: TrustAnchors, revocationLists: [RevocationList] = [], revocationListsAreCurrent: Bool = false,
                clock: @escaping @Sendable () -> Date = { Date() }, cache: VerificationCache = VerificationCache()) {
        self.trust = trust
        self.revocationLists = revocationLists
        self.revocationListsAreCurrent = revocationListsAreCurrent
        self.clock = clock
        self.cache = cache
    }

    /// Verifies `sealDER` as a detached seal over `document`.
    /// `then` runs further checks (the archive's) on the parsed seal, unless parsing failed,
    /// with the document's digest under the seal's algorithm (hashed once for every check).
    public func verify(seal sealDER: [UInt8], document: [UInt8],
                       then further: (SealSignature, _ documentDigest: [UInt8]?, inout VerificationReport) -> Void = { _, _, _ in })
        -> VerificationReport {
        var report = VerificationReport(validationTime: clock())
        let seal: SealSignature
        do {
            seal = try SealSignature(der: sealDER)
            report.append(.passed(.format, "detached CMS SignedData with one signer"))
        } catch {
            report.append(.failed(.format, .totalFailed, .formatFailure, "not a seal: \(error)"))
            return report
        }
        let digest = Self.contentDigest(of: seal, content: [document[...]])
        verify(seal, contentDigest: digest, profile: .cades, into: &report)
        further(seal, digest, &report)
        return report
    }

    /// The digest of `content` (the parts in order) under the seal's digest algorithm, or nil
    /// when that algorithm is not accepted. Computed once per verification and given to every
    /// check that needs it: hashing a 100 KB PDF twice was a tenth of verifying it.
    public static func contentDigest(of seal: SealSignature, content: [ArraySlice<UInt8>]) -> [UInt8]? {
        seal.digestAlgorithm.map { $0.hash(parts: content) }
    }

    /// The signed attributes a signature must carry.
    public enum Profile: Sendable {
        /// CAdES-B (ETSI EN 319 122-1 §5.2): content-type, message-digest, signing-time,
        /// signing-certificate-v2. Seal's detached seals.
        case cades
        /// PAdES baseline (ETSI EN 319 142-1 §6.3): the same without signing-time, whose claimed
        /// time is the PDF's `/M`.
        case pades
        /// A PDF's adbe.pkcs7.detached (ISO 32000-1 §12.8.3.3): content-type and message-digest;
        /// a signing-certificate attribute is checked when present.
        case pkcs7
    }

    /// Verifies an already-parsed seal, appending to `report`, under `profile`; `contentDigest`
    /// is the content's digest (`contentDigest(of:content:)`, computed once for every check that
    /// needs it), `claimedTime` the time a PDF signature claims in `/M`.
    public func verify(_ seal: SealSignature, contentDigest: [UInt8]?, profile: Profile,
                       claimedTime: Date? = nil, into report: inout VerificationReport) {
        var missing: [String] = []
        switch profile {
        case .cades:
            report.signingTime = seal.claimedSigningTime
            if report.signingTime == nil { missing.append("signing-time") }
        case .pades:
            report.signingTime = claimedTime
            if seal.hasSigningTimeAttribute { missing.append("no signing-time (PAdES claims its time in /M)") }
        case .pkcs7:
            report.signingTime = seal.claimedSigningTime ?? claimedTime
        }
        if !seal.contentTypeIsData { missing.append("content-type") }
        if seal.messageDigest == nil { missing.append("message-digest") }
        if seal.signingCertificateV2 == nil && profile != .pkcs7 { missing.append("signing-certificate-v2") }
        if missing.isEmpty {
            let names = switch profile {
            case .cades: "content-type, message-digest, signing-time and signing-certificate-v2 present"
            case .pades: "content-type, message-digest and signing-certificate-v2 present, no signing-time"
            case .pkcs7: "content-type and message-digest present"
            }
            report.append(.passed(.signedAttributes, names))
        } else {
            report.append(.failed(.signedAttributes, .totalFailed, .formatFailure,
                                  "missing or malformed signed attributes: \(missing.joined(separator: ", "))"))
        }

        guard let signer = seal.signerCertificate else {
            report.append(.failed(.signingCertificate, .indeterminate, .noSigningCertificateFound,
                                  "the seal does not carry the certificate of its signer"))
            return
        }
        report.signer = SignerSummary(signer)
        if seal.signingCertificateV2 != nil || profile != .pkcs7 { report.append(signingCertificateCheck(seal, signer: signer)) }
        report.append(messageDigestCheck(seal, contentDigest: contentDigest))
        report.append(signatureCheck(seal, signer: signer))

        // Proof of existence: the time-stamp's time when it holds, otherwise only "now".
        let proofOfExistence = timestampChecks(seal, into: &report)
        let checkTime = proofOfExistence ?? report.validationTime
        let intermediates = seal.certificates.filter { $0 != signer }
        report.append(chainCheck(signer: signer, intermediates: intermediates, at: checkTime,
                                 hasProof: proofOfExistence != nil))
        report.append(keyUsageCheck(signer))
        report.append(revocationCheck(signer: signer, proofOfExistence: proofOfExistence, into: &report))
    }

    private func signingCertificateCheck(_ seal: SealSignature, signer: Certificate) -> VerificationCheck {
        guard let attribute = seal.signingCertificateV2 else {
            return .failed(.signingCertificate, .indeterminate, .noSigningCertificateFound,
                           "no signing-certificate-v2 attribute binds the signer certificate")
        }
        let bound = ESSBinding.matches(v2: attribute, chain: [signer], cache: cache)
        return bound
            ? .passed(.signingCertificate, "signing-certificate-v2 matches the carried signer certificate")
            : .failed(.signingCertificate, .indeterminate, .noSigningCertificateFound,
                      "signing-certificate-v2 does not match the carried signer certificate")
    }

    private func messageDigestCheck(_ seal: SealSignature, contentDigest: [UInt8]?) -> VerificationCheck {
        guard let algorithm = seal.digestAlgorithm, let contentDigest else {
            return .failed(.messageDigest, .indeterminate, .cryptoConstraintsFailure,
                           "the digest algorithm is not accepted (SHA-256, SHA-384 or SHA-512 only)")
        }
        guard let claimed = seal.messageDigest else {
            return .failed(.messageDigest, .totalFailed, .formatFailure, "no message-digest attribute")
        }
        return constantTimeEqual(claimed, contentDigest)
            ? .passed(.messageDigest, "the document's \(algorithm.rawValue) matches the sealed digest")
            : .failed(.messageDigest, .totalFailed, .hashFailure, "the document was changed after sealing (digest mismatch)")
    }

    private func signatureCheck(_ seal: SealSignature, signer: Certificate) -> VerificationCheck {
        guard seal.message.signatureVerifies(with: signer) else {
            return .failed(.signature, .totalFailed, .sigCryptoFailure,
                           "the seal's signature does not verify with the signer's key (seal altered)")
        }
        return .passed(.signature, "the signature over the signed attributes verifies")
    }

    /// Appends the time-stamp checks; returns the time-stamped time when the token holds.
    private func timestampChecks(_ seal: SealSignature, into report: inout VerificationReport) -> Date? {
        guard let tokenDER = seal.timeStampToken else {
            report.append(.skipped(.timestampImprint, "no signature time-stamp: the signing time is only the signer's claim"))
            return nil
        }
        let signature = seal.signatureValue
        let verdict = verifyTimeStamp(tokenDER) { algorithm in algorithm.hash(signature) }
        report.timestamp = verdict.summary
        verdict.checks.forEach { report.append($0) }
        return verdict.time
    }

    /// Checks a document time-stamp (a PDF's ETSI.RFC3161 signature): the token over `content`.
    public func verifyDocumentTimeStamp(_ tokenDER: [UInt8], content: [ArraySlice<UInt8>], into report: inout VerificationReport) {
        let verdict = verifyTimeStamp(tokenDER) { algorithm in algorithm.hash(parts: content) }
        report.timestamp = verdict.summary
        verdict.checks.forEach { report.append($0) }
    }

    /// The outcome of checking one RFC 3161 token: its checks, and the time when all passed.
    public struct TimeStampVerdict: Sendable {
        public let checks: [VerificationCheck]
        public let summary: TimestampSummary?
        /// The time-stamped time, only when every check passed.
        public let time: Date?
    }

    /// Checks a time-stamp token: its imprint against `expectedImprint` (the digest, with the
    /// token's own algorithm, of what it should cover, or nil when that algorithm is not
    /// acceptable), the TSA certificate and path at the time-stamped time, and the signature.
    public func verifyTimeStamp(_ tokenDER: [UInt8], expectedImprint: (DigestAlgorithm) -> [UInt8]?) -> TimeStampVerdict {
        var checks: [VerificationCheck] = []
        func fail(_ summary: TimestampSummary?) -> TimeStampVerdict { TimeStampVerdict(checks: checks, summary: summary, time: nil) }
        guard let token = TimeStampToken(der: tokenDER), let time = token.generationTime else {
            checks.append(.failed(.timestampImprint, .totalFailed, .formatFailure, "the signature time-stamp is not a valid RFC 3161 token"))
            return fail(nil)
        }
        let tsa = token.signerCertificate
        let summary = TimestampSummary(time: time, authority: tsa?.subject.commonName,
                                       serialNumber: token.serialNumber, policy: token.policy)
        guard let algorithm = token.imprintAlgorithm, let expected = expectedImprint(algorithm),
              constantTimeEqual(token.imprint, expected) else {
            checks.append(.failed(.timestampImprint, .totalFailed, .hashFailure, "the time-stamp is over a different signature"))
            return fail(summary)
        }
        checks.append(.passed(.timestampImprint, "the time-stamp covers this seal's signature"))

        guard let tsa else {
            checks.append(.failed(.timestampChain, .indeterminate, .noSigningCertificateFound,
                                  "the time-stamp does not carry its TSA certificate"))
            return fail(summary)
        }
        guard tsa.isTimeStampingCertificate else {
            checks.append(.failed(.timestampChain, .indeterminate, .chainConstraintsFailure,
                                  "the TSA certificate lacks the critical timeStamping extended key usage"))
            return fail(summary)
        }
        // Other certificates the token carries (intermediates) may help build the path; only the
        // trust anchors are trusted.
        let carried = token.message.certificates.filter { $0 != tsa }
        let path = trust.validatePath(leaf: tsa, untrusted: carried, at: time, purpose: X509_PURPOSE_TIMESTAMP_SIGN, cache: cache)
        guard path == .valid else {
            let (indication, sub, detail) = Self.classify(path, hasProof: false)
            checks.append(.failed(.timestampChain, indication, sub, "TSA certificate: \(detail)"))
            return fail(summary)
        }
        checks.append(.passed(.timestampChain, "the TSA certificate chains to a trusted root at the time-stamped time"))

        if case .failure(let error) = token.verifySignature(tsa: tsa, chain: carried + trust.roots, cache: cache) {
            checks.append(.failed(.timestampSignature, .totalFailed, .sigCryptoFailure,
                                  "the time-stamp token's signature does not verify: \(error.queue.last ?? error.description)"))
            return fail(summary)
        }
        checks.append(.passed(.timestampSignature, "the time-stamp token is signed by the TSA"))
        return TimeStampVerdict(checks: checks, summary: summary, time: time)
    }

    func chainCheck(signer: Certificate, intermediates: [Certificate], at time: Date,
                            hasProof: Bool) -> VerificationCheck {
        let path = trust.validatePath(leaf: signer, untrusted: intermediates, at: time, cache: cache)
        guard path == .valid else {
            let (indication, sub, detail) = Self.classify(path, hasProof: hasProof)
            return .failed(.certificateChain, indication, sub, detail)
        }
        let when = hasProof ? "at the time-stamped time" : "now"
        return .passed(.certificateChain, "the seal certificate chains to a trusted root and was valid \(when)")
    }

    /// Maps an X.509 path failure to an ETSI indication. Validity failures of the signing
    /// certificate are TOTAL-FAILED only when a time-stamp proves when the seal was made.
    static func classify(_ path: TrustAnchors.PathResult, hasProof: Bool) -> (Indication, SubIndication, String) {
        if case .strayCertificate = path {
            return (.totalFailed, .formatFailure, "a carried certificate is neither on the signer's path nor a trust anchor, so nothing verifies it")
        }
        guard case .invalid(let code, let depth, let reason) = path else {
            return (.totalPassed, .formatFailure, "")
        }
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED where depth == 0:
            return hasProof ? (.totalFailed, .expired, "the seal certificate had expired when the seal was time-stamped")
                            : (.indeterminate, .outOfBoundsNoPOE, "the seal certificate has expired and no time-stamp proves the seal is older")
        case X509_V_ERR_CERT_NOT_YET_VALID where depth == 0:
            return hasProof ? (.totalFailed, .notYetValid, "the seal certificate was not yet valid when the seal was time-stamped")
                            : (.indeterminate, .notYetValid, "the seal certificate is not yet valid")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return (.indeterminate, .noCertificateChainFound, "no path to a trusted root (\(reason))")
        case X509_V_ERR_INVALID_PURPOSE:
            return (.indeterminate, .chainConstraintsFailure, "certificate not usable for this purpose (\(reason))")
        default:
            return (.indeterminate, .certificateChainGeneralFailure, "certificate path invalid at depth \(depth) (\(reason))")
        }
    }

    func keyUsageCheck(_ signer: Certificate) -> VerificationCheck {
        let usage = signer.keyUsage
        guard !usage.isDisjoint(with: [.digitalSignature, .nonRepudiation]) else {
            return .failed(.keyUsage, .indeterminate, .chainConstraintsFailure,
                           "the seal certificate's key usage allows neither digitalSignature nor nonRepudiation")
        }
        return .passed(.keyUsage, "the seal certificate may sign (key usage)")
    }

    /// Applies the CRLs given. A seal time-stamped before its certificate was revoked stays
    /// valid, unless the key was compromised before the time-stamp (ETSI EN 319 102-1 §5.5).
    func revocationCheck(signer: Certificate, proofOfExistence: Date?,
                                 into report: inout VerificationReport) -> VerificationCheck {
        guard !revocationLists.isEmpty else {
            if revocationListsAreCurrent {
                report.revocation = RevocationSummary(status: .good, source: "archive")
                return .passed(.revocation, "the authority's archive records no revoked seal")
            }
            return .skipped(.revocation, "no revocation information given")
        }
        guard let issuerRoot = trust.roots.first(where: { root in
                  X509_check_issued(root.pointer, signer.pointer) == X509_V_OK }),
              let crl = revocationLists.first(where: { crl in
                  guard let der = try? crl.der else { return false }
                  return cache.issuedLists.value(for: ByteString(der + issuerRoot.der)) { crl.isIssued(by: issuerRoot) }
              }) else {
            report.revocation = RevocationSummary(status: .notChecked, source: "crl")
            return .failed(.revocation, .indeterminate, .tryLater, "no CRL given was issued by the seal certificate's issuer")
        }
        var summary = RevocationSummary(status: .good, source: revocationListsAreCurrent ? "archive" : "crl",
                                        thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate)
        defer { report.revocation = summary }
        if let entry = crl.entry(for: signer) {
            summary.reason = entry.reason.description
            summary.revokedAt = entry.revocationDate
            summary.invalidSince = entry.invalidityDate
            guard let proofOfExistence else {
                summary.status = .revoked
                return .failed(.revocation, .indeterminate, .revokedNoPOE,
                               "the seal certificate is revoked (\(entry.reason)) and no time-stamp proves the seal is older")
            }
            guard proofOfExistence < entry.effectiveDate else {
                summary.status = .revoked
                return .failed(.revocation, .totalFailed, .revoked,
                               "the seal certificate was revoked (\(entry.reason)) before the seal was time-stamped")
            }
            summary.status = .revokedAfterSealing
            return .passed(.revocation, "the seal certificate was revoked (\(entry.reason)) after the seal was time-stamped")
        }
        if let next = crl.nextUpdate, next < report.validationTime, !revocationListsAreCurrent {
            summary.status = .stale
            return .failed(.revocation, .indeterminate, .tryLater, "the CRL is out of date (nextUpdate \(next.rfc3339))")
        }
        return .passed(.revocation, "not revoked according to the CRL of \(crl.thisUpdate?.rfc3339 ?? "unknown date")")
    }
}

/// Equal length and content, in time independent of where they differ.
func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return CRYPTO_memcmp(lhs, rhs, lhs.count) == 0
}

/// The ESS signing-certificate checks (RFC 2634 v1, RFC 5035 v2), through OpenSSL's ESS code:
/// the first certificate an attribute names must be `chain[0]`, and any other it names must be in
/// `chain`.
///
/// A match is remembered by the exact attribute bytes and certificates: every seal of one
/// certificate carries the same attribute.
enum ESSBinding {
    struct Key: Hashable {
        let v1: ByteString?
        let v2: ByteString?
        let chain: [ByteString]
    }

    static func matches(v1: [UInt8]? = nil, v2: [UInt8]?, chain: [Certificate], cache: VerificationCache) -> Bool {
        let key = Key(v1: v1.map(ByteString.init), v2: v2.map(ByteString.init), chain: chain.map { ByteString($0.der) })
        if cache.bindings.value(for: key) != nil { return true }
        guard check(v1: v1, v2: v2, chain: chain) else { return false }
        cache.bindings.insert(key, true)
        return true
    }

    private static func check(v1: [UInt8]?, v2: [UInt8]?, chain: [Certificate]) -> Bool {
        defer { OpenSSLError.clearQueue() }
        guard v1 != nil || v2 != nil else { return false }
        var first: OpaquePointer? = nil
        var second: OpaquePointer? = nil
        defer {
            ESS_SIGNING_CERT_free(first)
            ESS_SIGNING_CERT_V2_free(second)
        }
        if let v1 {
            guard let binding = OpenSSLDER.decode(v1, { d2i_ESS_SIGNING_CERT(nil, $0, $1) }, free: ESS_SIGNING_CERT_free) else { return false }
            first = binding
        }
        if let v2 {
            guard let binding = OpenSSLDER.decode(v2, { d2i_ESS_SIGNING_CERT_V2(nil, $0, $1) }, free: ESS_SIGNING_CERT_V2_free) else { return false }
            second = binding
        }
        guard let stack = CSealShim_sk_X509_new_null() else { return false }
        defer { CSealShim_sk_X509_pop_free(stack) }
        for certificate in chain {
            X509_up_ref(certificate.pointer)
            guard CSealShim_sk_X509_push(stack, certificate.pointer) > 0 else {
                X509_free(certificate.pointer)
                return false
            }
        }
        return OSSL_ESS_check_signing_certs(first, second, stack, 1) > 0
    }
}
