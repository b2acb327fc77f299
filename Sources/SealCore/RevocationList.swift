internal import CSealShim
public import Foundation

/// An X.509 CRL (RFC 5280), owned by this object.
public final class RevocationList: @unchecked Sendable {
    let pointer: OpaquePointer

    public enum ParseError: Error, Sendable, CustomStringConvertible {
        case notACRL
        public var description: String { "not a PEM or DER X.509 CRL" }
    }

    /// Reads a CRL in PEM or DER.
    public init(bytes: [UInt8]) throws(ParseError) {
        if bytes.starts(with: Array("-----BEGIN".utf8)) {
            guard let bio = try? MemoryBIO(bytes), let crl = PEM_read_bio_X509_CRL(bio.pointer, nil, nil, nil) else {
                OpenSSLError.clearQueue()
                throw .notACRL
            }
            pointer = crl
        } else {
            guard let crl = DER.decode(bytes, { d2i_X509_CRL(nil, $0, $1) }, free: X509_CRL_free) else { throw .notACRL }
            pointer = crl
        }
    }

    deinit { X509_CRL_free(pointer) }

    public var issuer: DistinguishedName { DistinguishedName(reading: X509_CRL_get_issuer(pointer)) }
    public var thisUpdate: Date? { ASN1Time.date(X509_CRL_get0_lastUpdate(pointer)) }
    public var nextUpdate: Date? { ASN1Time.date(X509_CRL_get0_nextUpdate(pointer)) }

    /// Whether `issuer` signed this CRL (names match and the signature verifies).
    public func isIssued(by issuer: Certificate) -> Bool {
        defer { OpenSSLError.clearQueue() }
        guard X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_subject_name(issuer.pointer)) == 0,
              let key = X509_get0_pubkey(issuer.pointer) else { return false }
        return X509_CRL_verify(pointer, key) == 1
    }

    /// The entry revoking `certificate`, if this CRL lists it.
    public func entry(for certificate: Certificate) -> RevocationEntry? {
        var revoked: OpaquePointer? = nil
        guard X509_CRL_get0_by_cert(pointer, &revoked, certificate.pointer) == 1, let revoked,
              let date = ASN1Time.date(X509_REVOKED_get0_revocationDate(revoked)) else { return nil }
        var reason: RevocationReason = .unspecified
        if let code = X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, nil, nil) {
            let enumerated = code.assumingMemoryBound(to: ASN1_ENUMERATED.self)
            reason = RevocationReason(rawValue: Int(ASN1_ENUMERATED_get(enumerated))) ?? .unspecified
            ASN1_ENUMERATED_free(enumerated)
        }
        var invalidity: Date? = nil
        if let time = X509_REVOKED_get_ext_d2i(revoked, NID_invalidity_date, nil, nil) {
            let generalized = time.assumingMemoryBound(to: ASN1_GENERALIZEDTIME.self)
            invalidity = ASN1Time.date(generalized)
            ASN1_GENERALIZEDTIME_free(generalized)
        }
        OpenSSLError.clearQueue()
        return RevocationEntry(revocationDate: date, reason: reason, invalidityDate: invalidity)
    }
}

/// One revoked certificate in a CRL.
public struct RevocationEntry: Sendable, Equatable {
    public let revocationDate: Date
    public let reason: RevocationReason
    public let invalidityDate: Date?

    /// From when seals by the revoked key are no longer trusted: for a compromised key, the
    /// invalidity date if known (ETSI EN 319 102-1 uses the earliest time the key is suspect);
    /// otherwise the revocation date.
    public var effectiveDate: Date {
        reason == .keyCompromise ? min(invalidityDate ?? revocationDate, revocationDate) : revocationDate
    }
}

/// RFC 5280 §5.3.1 reason codes.
public enum RevocationReason: Int, Sendable, Codable, CustomStringConvertible {
    case unspecified = 0, keyCompromise = 1, cACompromise = 2, affiliationChanged = 3, superseded = 4
    case cessationOfOperation = 5, certificateHold = 6, removeFromCRL = 8, privilegeWithdrawn = 9, aACompromise = 10

    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .keyCompromise: "key-compromise"
        case .cACompromise: "ca-compromise"
        case .affiliationChanged: "affiliation-changed"
        case .superseded: "superseded"
        case .cessationOfOperation: "cessation"
        case .certificateHold: "certificate-hold"
        case .removeFromCRL: "remove-from-crl"
        case .privilegeWithdrawn: "privilege-withdrawn"
        case .aACompromise: "aa-compromise"
        }
    }
}
