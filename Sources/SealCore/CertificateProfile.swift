internal import CSealShim
public import Foundation

/// What a certificate says: who it names, when it is valid and what its key may do. The standard
/// profiles (root, TSA, department seal) are built here; tests and the vector generator vary them.
public struct CertificateProfile: Sendable {
    public var subject: DistinguishedName
    public var notBefore: Date
    public var notAfter: Date
    public var isCertificateAuthority: Bool
    public var keyUsage: KeyUsage
    /// Critical extended key usage id-kp-timeStamping (RFC 3161 TSA certificates).
    public var timeStamping: Bool

    public init(subject: DistinguishedName, notBefore: Date, notAfter: Date, isCertificateAuthority: Bool,
                keyUsage: KeyUsage, timeStamping: Bool = false) {
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isCertificateAuthority = isCertificateAuthority
        self.keyUsage = keyUsage
        self.timeStamping = timeStamping
    }

    /// A self-signed root that issues seal and TSA certificates.
    public static func root(name: String, country: String? = nil, from start: Date, years: Int = 20) -> CertificateProfile {
        CertificateProfile(subject: DistinguishedName(commonName: name, organization: name, country: country),
                           notBefore: start, notAfter: start.adding(days: 365 * years),
                           isCertificateAuthority: true, keyUsage: [.keyCertSign, .cRLSign])
    }

    /// The authority's time-stamping unit.
    public static func timeStampAuthority(authority: String, from start: Date, years: Int = 10) -> CertificateProfile {
        CertificateProfile(subject: DistinguishedName(commonName: "\(authority) Time-Stamping Unit", organization: authority),
                           notBefore: start, notAfter: start.adding(days: 365 * years),
                           isCertificateAuthority: false, keyUsage: [.digitalSignature], timeStamping: true)
    }

    /// A department's electronic seal.
    public static func departmentSeal(department: String, organizationIdentifier: String?, authority: String,
                                      from start: Date, days: Int) -> CertificateProfile {
        CertificateProfile(subject: DistinguishedName(commonName: department, organization: authority,
                                                      organizationIdentifier: organizationIdentifier),
                           notBefore: start, notAfter: start.adding(days: days),
                           isCertificateAuthority: false, keyUsage: [.digitalSignature, .nonRepudiation])
    }
}

extension Date {
    func adding(days: Int) -> Date { addingTimeInterval(TimeInterval(days) * 86_400) }
}

extension Certificate {
    /// Issues a certificate for `subjectKey` under `profile`, signed by `issuerKey`. A nil
    /// `issuer` makes it self-signed. The serial number is 127 random bits.
    public static func issue(_ profile: CertificateProfile, for subjectKey: PrivateKey,
                             issuer: Certificate?, issuerKey: PrivateKey) throws(OpenSSLError) -> Certificate {
        let x509 = try check(X509_new(), "allocating a certificate")
        var owned = true
        defer { if owned { X509_free(x509) } }

        try check(X509_set_version(x509, Int(X509_VERSION_3)), "setting the certificate version")
        let serial = try check(BN_new(), "allocating a serial")
        defer { BN_free(serial) }
        try check(BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "drawing a serial")
        guard BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) != nil else { throw OpenSSLError("setting the serial") }

        let subject = try profile.subject.makeName()
        defer { X509_NAME_free(subject) }
        try check(X509_set_subject_name(x509, subject), "setting the subject")
        try check(X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.pointer) } ?? subject), "setting the issuer")
        try ASN1Time.set(X509_getm_notBefore(x509), to: profile.notBefore)
        try ASN1Time.set(X509_getm_notAfter(x509), to: profile.notAfter)
        try check(X509_set_pubkey(x509, subjectKey.pointer), "setting the public key")

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, profile.isCertificateAuthority ? "critical,CA:TRUE" : "critical,CA:FALSE"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        if profile.keyUsage != .unrestricted {
            extensions.append((NID_key_usage, "critical," + profile.keyUsage.configNames.joined(separator: ",")))
        }
        if profile.timeStamping { extensions.append((NID_ext_key_usage, "critical,timeStamping")) }
        for (nid, value) in extensions {
            let ext = try check(X509V3_EXT_conf_nid(nil, &context, nid, value), "building extension \(nid)")
            defer { X509_EXTENSION_free(ext) }
            try check(X509_add_ext(x509, ext, -1), "adding extension \(nid)")
        }

        try issuerKey.withSigningContext { context throws(OpenSSLError) in
            guard X509_sign_ctx(x509, context) > 0 else { throw OpenSSLError("signing a certificate") }
        }
        owned = false
        return try Certificate(taking: x509)
    }
}
