internal import CSealShim
public import Foundation

/// An X.509 CRL (RFC 5280): a value over a private storage object that owns the OpenSSL
/// `X509_CRL` and frees it in `deinit`.
public struct RevocationList: Sendable {
    private let storage: Storage
    /// Borrowed from the storage; valid while this value (or a copy) lives.
    var pointer: OpaquePointer { storage.pointer }

    private final class Storage: @unchecked Sendable {
        let pointer: OpaquePointer
        init(taking pointer: OpaquePointer) { self.pointer = pointer }
        deinit { X509_CRL_free(pointer) }

        /// The encoding, written once: a verification looks its CRL up by these bytes in the
        /// cache of checked issuers, and a carried CRL is shared by every document.
        let encoded = ReadOnce<[UInt8]>()
    }

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
            storage = Storage(taking: crl)
        } else {
            guard let crl = OpenSSLDER.decode(bytes, { d2i_X509_CRL(nil, $0, $1) }, free: X509_CRL_free) else { throw .notACRL }
            storage = Storage(taking: crl)
        }
    }

    /// A CRL carried in a document (a PDF's DSS), shared by exact bytes: every document
    /// sealed by one authority carries the same current CRL, and parsing it was a sixteenth of
    /// verifying a sealed PDF (`perf`). Only small CRLs are kept, so hostile documents cannot
    /// fill memory with them.
    public static func carried(_ bytes: [UInt8]) throws(ParseError) -> RevocationList {
        guard bytes.count <= carriedCacheLimit else { return try RevocationList(bytes: bytes) }
        return try carriedCache.value(for: ByteString(bytes)) { () throws(ParseError) -> RevocationList in try RevocationList(bytes: bytes) }
    }

    private static let carriedCache = BoundedCache<ByteString, RevocationList>(capacity: 64)
    static let carriedCacheLimit = 256 * 1024

    /// Takes ownership of a CRL.
    init(taking pointer: OpaquePointer) { storage = Storage(taking: pointer) }

    public var issuer: DistinguishedName { DistinguishedName(reading: X509_CRL_get_issuer(pointer)) }
    public var thisUpdate: Date? { ASN1Time.date(X509_CRL_get0_lastUpdate(pointer)) }
    public var nextUpdate: Date? { ASN1Time.date(X509_CRL_get0_nextUpdate(pointer)) }

    /// Whether `issuer` signed this CRL (names match and the signature verifies).
    public func isIssued(by issuer: Certificate) -> Bool {
        defer { OpenSSLError.clearQueue() }
        guard X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_subject_name(issuer.pointer)) == 0,
              let key = X509_get0_pubkey(issuer.pointer) else { return false }
        if X509_CRL_get_signature_nid(pointer) == NID_SM2_with_SM3 { return sm2SignatureVerifies(issuer) }
        return X509_CRL_verify(pointer, key) == 1
    }

    /// OpenSSL 3.0's `X509_CRL_verify` checks SM2 with an empty user ID and a CRL has no slot for
    /// another, so an SM2 CRL is checked here: CertificateList { tbsCertList, signatureAlgorithm,
    /// signatureValue }, with the outer algorithm equal to the one inside tbsCertList.
    private func sm2SignatureVerifies(_ issuer: Certificate) -> Bool {
        guard let der = try? der, let root = TLV.read(der, at: 0), root.end == der.count,
              let parts = root.children(of: der), parts.count == 3, parts[0].tag == 0x30, parts[2].tag == 0x03,
              let fields = parts[0].children(of: der), let inner = fields.first(where: { $0.tag == 0x30 }),
              der[inner.range].elementsEqual(der[parts[1].range]),
              parts[2].end - parts[2].contentStart > 1, der[parts[2].contentStart] == 0,
              let key = issuer.publicKey(), key.algorithm == .sm2 else { return false }
        return key.isValidSignature(Array(der[(parts[2].contentStart + 1)..<parts[2].end]), for: Array(der[parts[0].range]))
    }

    /// The entry revoking `certificate`, if this CRL lists it.
    public func entry(for certificate: Certificate) -> RevocationEntry? {
        var revoked: OpaquePointer? = nil
        guard X509_CRL_get0_by_cert(pointer, &revoked, certificate.pointer) == 1, let revoked else {
            OpenSSLError.clearQueue()
            return nil
        }
        let (date, reason, invalidity) = Self.details(of: revoked)
        return RevocationEntry(revocationDate: date, reason: reason, invalidityDate: invalidity)
    }
}

/// One revoked certificate in a CRL.
public struct RevocationEntry: Sendable, Equatable {
    public let revocationDate: Date
    public let reason: RevocationReason
    public let invalidityDate: Date?

    public init(revocationDate: Date, reason: RevocationReason, invalidityDate: Date?) {
        self.revocationDate = revocationDate
        self.reason = reason
        self.invalidityDate = invalidityDate
    }

    /// From when seals by the revoked key are no longer trusted: for a compromised key, the
    /// invalidity date if known (ETSI EN 319 102-1 uses the earliest time the key is suspect);
    /// otherwise the revocation date.
    public var effectiveDate: Date {
        reason == .keyCompromise ? min(invalidityDate ?? revocationDate, revocationDate) : revocationDate
    }
}

/// RFC 5280 §5.3.1 reason codes.
public enum RevocationReason: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
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

/// A certificate to list in a CRL.
public struct RevokedCertificate: Sendable, Equatable {
    public let serialNumber: String
    public let revocationDate: Date
    public let reason: RevocationReason
    public let invalidityDate: Date?

    public init(serialNumber: String, revocationDate: Date, reason: RevocationReason, invalidityDate: Date?) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
        self.reason = reason
        self.invalidityDate = invalidityDate
    }
}

extension RevocationList {
    /// Issues an RFC 5280 v2 CRL signed by `issuer`: CRL number, authority key identifier, and per
    /// entry a reason code and (when given) an invalidity date.
    public static func issue(by issuer: Certificate, key: PrivateKey, number: Int, thisUpdate: Date, nextUpdate: Date,
                             revoked: [RevokedCertificate]) throws(OpenSSLError) -> RevocationList {
        let crl = try check(X509_CRL_new(), "allocating a CRL")
        var owned = true
        defer { if owned { X509_CRL_free(crl) } }
        try check(X509_CRL_set_version(crl, Int(X509_CRL_VERSION_2)), "setting the CRL version")
        try check(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.pointer)), "setting the CRL issuer")
        let time = try check(ASN1_TIME_new(), "allocating a time")
        defer { ASN1_TIME_free(time) }
        try ASN1Time.set(time, to: thisUpdate)
        try check(X509_CRL_set1_lastUpdate(crl, time), "setting thisUpdate")
        try ASN1Time.set(time, to: nextUpdate)
        try check(X509_CRL_set1_nextUpdate(crl, time), "setting nextUpdate")

        for entry in revoked {
            let item = try check(X509_REVOKED_new(), "allocating a CRL entry")
            do throws(OpenSSLError) {
                let serial = try serialInteger(entry.serialNumber)
                defer { ASN1_INTEGER_free(serial) }
                try check(X509_REVOKED_set_serialNumber(item, serial), "setting a revoked serial")
                let date = try check(ASN1_TIME_new(), "allocating a time")
                defer { ASN1_TIME_free(date) }
                try ASN1Time.set(date, to: entry.revocationDate)
                try check(X509_REVOKED_set_revocationDate(item, date), "setting a revocation date")
                let reason = try check(ASN1_ENUMERATED_new(), "allocating a reason")
                defer { ASN1_ENUMERATED_free(reason) }
                try check(ASN1_ENUMERATED_set(reason, entry.reason.rawValue), "setting a reason")
                try check(X509_REVOKED_add1_ext_i2d(item, NID_crl_reason, reason, 0, UInt(X509V3_ADD_DEFAULT)), "adding a reason")
                if let invalidity = entry.invalidityDate {
                    let time = try check(ASN1_GENERALIZEDTIME_set(nil, time_t(invalidity.timeIntervalSince1970.rounded(.down))),
                                         "setting an invalidity date")
                    defer { ASN1_GENERALIZEDTIME_free(time) }
                    try check(X509_REVOKED_add1_ext_i2d(item, NID_invalidity_date, time, 0, UInt(X509V3_ADD_DEFAULT)),
                              "adding an invalidity date")
                }
                try check(X509_CRL_add0_revoked(crl, item), "adding a CRL entry")
            } catch {
                X509_REVOKED_free(item)
                throw error
            }
        }
        let crlNumber = try check(ASN1_INTEGER_new(), "allocating the CRL number")
        defer { ASN1_INTEGER_free(crlNumber) }
        try check(ASN1_INTEGER_set(crlNumber, number), "setting the CRL number")
        try check(X509_CRL_add1_ext_i2d(crl, NID_crl_number, crlNumber, 0, 0), "adding the CRL number")
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer.pointer, nil, nil, crl, 0)
        let aki = try check(X509V3_EXT_conf_nid(nil, &context, NID_authority_key_identifier, "keyid:always"), "building the AKI")
        defer { X509_EXTENSION_free(aki) }
        try check(X509_CRL_add_ext(crl, aki, -1), "adding the AKI")
        try check(X509_CRL_sort(crl), "sorting the CRL")
        try key.withSigningContext { context throws(OpenSSLError) in
            guard X509_CRL_sign_ctx(crl, context) > 0 else { throw OpenSSLError("signing the CRL") }
        }
        owned = false
        return RevocationList(taking: crl)
    }

    public var der: [UInt8] {
        get throws(OpenSSLError) {
            let pointer = pointer
            return try storage.encoded.get { () throws(OpenSSLError) in try OpenSSLDER.encode("a CRL") { i2d_X509_CRL(pointer, $0) } }
        }
    }

    public var pem: String {
        get throws(OpenSSLError) {
            let base64 = Data(try der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            return "-----BEGIN X509 CRL-----\n\(base64)\n-----END X509 CRL-----\n"
        }
    }

    /// The CRL number extension, if present.
    public var number: Int? {
        guard let value = X509_CRL_get_ext_d2i(pointer, NID_crl_number, nil, nil) else { return nil }
        let integer = value.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        return Int(ASN1_INTEGER_get(integer))
    }

    /// Every entry, in the CRL's order.
    public var entries: [RevokedCertificate] {
        guard let stack = X509_CRL_get_REVOKED(pointer) else { return [] }
        return (0..<CSealShim_sk_X509_REVOKED_num(stack)).compactMap { index in
            guard let item = CSealShim_sk_X509_REVOKED_value(stack, index),
                  let serial = X509_REVOKED_get0_serialNumber(item), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return nil }
            defer { BN_free(bn) }
            guard let hex = BN_bn2hex(bn) else { return nil }
            defer { CSealShim_OPENSSL_free(hex) }
            let details = Self.details(of: item)
            return RevokedCertificate(serialNumber: String(cString: hex), revocationDate: details.date,
                                      reason: details.reason, invalidityDate: details.invalidity)
        }
    }

    static func details(of revoked: OpaquePointer) -> (date: Date, reason: RevocationReason, invalidity: Date?) {
        let date = ASN1Time.date(X509_REVOKED_get0_revocationDate(revoked)) ?? .distantPast
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
        return (date, reason, invalidity)
    }

    private static func serialInteger(_ hex: String) throws(OpenSSLError) -> UnsafeMutablePointer<ASN1_INTEGER> {
        var bn: OpaquePointer? = nil
        guard BN_hex2bn(&bn, hex) > 0, let bn else { throw OpenSSLError("parsing serial \(hex)") }
        defer { BN_free(bn) }
        return try check(BN_to_ASN1_INTEGER(bn, nil), "converting serial \(hex)")
    }
}

