internal import CSealShim
public import Foundation
import SwiftASN1

/// An X.509 certificate: a value over a private storage object that holds one OpenSSL `X509`
/// reference and releases it in `deinit` (swift-crypto's habit). Immutable after creation, so
/// copies share the storage freely between threads; two certificates are equal when their DER is.
public struct Certificate: Sendable, Hashable, CustomStringConvertible {
    private let storage: Storage

    private final class Storage: @unchecked Sendable {
        let pointer: OpaquePointer
        let der: [UInt8]
        let issuerAndSerialNumber: [UInt8]?

        init(pointer: OpaquePointer, der: [UInt8], issuerAndSerialNumber: [UInt8]?) {
            self.pointer = pointer
            self.der = der
            self.issuerAndSerialNumber = issuerAndSerialNumber
        }

        deinit { X509_free(pointer) }

        // What a report shows of a certificate, read once: every verification of a seal names
        // its signer and its time-stamp authority, and `CertificateCache` shares one storage
        // between them (reading the names, serial and fingerprint again was 2% of a PDF's
        // offline verification, `perf`).
        let subject = ReadOnce<DistinguishedName>()
        let issuer = ReadOnce<DistinguishedName>()
        let serialNumber = ReadOnce<String>()
        let fingerprint = ReadOnce<String>()
    }

    /// Borrowed from the storage; valid while this value (or a copy) lives.
    var pointer: OpaquePointer { storage.pointer }
    /// The certificate's DER encoding, which is also its identity.
    public var der: [UInt8] { storage.der }
    /// The DER of the CMS IssuerAndSerialNumber naming this certificate (RFC 5652 §10.2.4), cut
    /// from the certificate's own bytes: SEQUENCE { issuer Name, serialNumber INTEGER }.
    var issuerAndSerialNumber: [UInt8]? { storage.issuerAndSerialNumber }
    /// Whether two values share one storage (one parse), for the certificate cache's tests.
    func sharesStorage(with other: Certificate) -> Bool { storage === other.storage }

    public enum ParseError: Error, Sendable, CustomStringConvertible {
        case notACertificate
        case noCertificateInPEM
        public var description: String {
            switch self {
            case .notACertificate: "not a DER X.509 certificate"
            case .noCertificateInPEM: "no PEM certificate found"
            }
        }
    }

    /// Takes ownership of one reference to `pointer`.
    init(taking pointer: OpaquePointer) throws(OpenSSLError) {
        Self.setSM2UserID(pointer)
        let der: [UInt8]
        do { der = try OpenSSLDER.encode("a certificate") { i2d_X509(pointer, $0) } } catch {
            X509_free(pointer)
            throw error
        }
        storage = Storage(pointer: pointer, der: der, issuerAndSerialNumber: Self.issuerAndSerialNumber(of: der))
    }

    /// OpenSSL 3.0 checks an SM2 certificate's signature with an empty user ID unless the
    /// certificate carries one; every SM2 certificate Seal makes or reads is signed with the
    /// standard ID, so each one gets it (an intermediate as much as a leaf).
    private static func setSM2UserID(_ pointer: OpaquePointer) {
        guard X509_get_signature_nid(pointer) == NID_SM2_with_SM3, let id = ASN1_OCTET_STRING_new() else { return }
        guard ASN1_OCTET_STRING_set(id, SignatureAlgorithm.sm2UserID, Int32(SignatureAlgorithm.sm2UserID.count)) == 1 else {
            ASN1_OCTET_STRING_free(id)
            return
        }
        X509_set0_distinguishing_id(pointer, id)
    }

    /// Certificate { TBSCertificate { [0] version?, serialNumber, signature, issuer, … } }.
    private static func issuerAndSerialNumber(of der: [UInt8]) -> [UInt8]? {
        try? DER.sequence(try DER.parse(der), identifier: .sequence) { certificate in
            guard let tbs = certificate.next() else { throw ASN1Error.invalidASN1Object(reason: "no TBSCertificate") }
            while certificate.next() != nil {}
            return try DER.sequence(tbs, identifier: .sequence) { fields in
                _ = try DER.optionalExplicitlyTagged(&fields, tagNumber: 0, tagClass: .contextSpecific) { $0 }
                guard let serial = fields.next(), serial.identifier == .integer, fields.next() != nil,
                      let issuer = fields.next(), issuer.identifier == .sequence else {
                    throw ASN1Error.invalidASN1Object(reason: "no issuer and serial number")
                }
                while fields.next() != nil {}
                var coder = DER.Serializer()
                coder.appendConstructedNode(identifier: .sequence) { coder in
                    coder.serializeRawBytes(issuer.encodedBytes)
                    coder.serializeRawBytes(serial.encodedBytes)
                }
                return coder.serializedBytes
            }
        }
    }

    /// The subject key identifier extension's octets, if present.
    var subjectKeyIdentifier: [UInt8]? {
        guard let identifier = X509_get0_subject_key_id(pointer) else { return nil }
        return ASN1Bytes.of(identifier)
    }

    /// Adds a reference to a certificate borrowed from another OpenSSL object.
    init(retaining pointer: OpaquePointer) throws(OpenSSLError) {
        X509_up_ref(pointer)
        try self.init(taking: pointer)
    }

    /// Parses one DER certificate; trailing bytes are refused.
    public init(der: [UInt8]) throws(ParseError) {
        guard let x509 = OpenSSLDER.decode(der, { d2i_X509(nil, $0, $1) }, free: X509_free) else { throw .notACertificate }
        do { try self.init(taking: x509) } catch { throw .notACertificate }
    }

    /// Every certificate in a PEM text, in order; other PEM blocks are skipped.
    public static func all(fromPEM pem: [UInt8]) throws(ParseError) -> [Certificate] {
        guard let bio = try? MemoryBIO(pem) else { throw .noCertificateInPEM }
        var certificates: [Certificate] = []
        while let x509 = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
            guard let certificate = try? Certificate(taking: x509) else { throw .notACertificate }
            certificates.append(certificate)
        }
        // The loop ends on "no start line"; anything else means a damaged certificate block.
        let reason = ERR_GET_REASON(ERR_peek_last_error())
        OpenSSLError.clearQueue()
        if reason != PEM_R_NO_START_LINE && !certificates.isEmpty { throw .notACertificate }
        guard !certificates.isEmpty else { throw .noCertificateInPEM }
        return certificates
    }

    public var pem: String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n"
    }

    public var subject: DistinguishedName { storage.subject.get { DistinguishedName(reading: X509_get_subject_name(pointer)) } }
    public var issuer: DistinguishedName { storage.issuer.get { DistinguishedName(reading: X509_get_issuer_name(pointer)) } }
    public var notBefore: Date { ASN1Time.date(X509_get0_notBefore(pointer)) ?? .distantFuture }
    public var notAfter: Date { ASN1Time.date(X509_get0_notAfter(pointer)) ?? .distantPast }

    /// Serial number in upper-case hex.
    public var serialNumber: String { storage.serialNumber.get { readSerialNumber() } }

    private func readSerialNumber() -> String {
        guard let serial = X509_get0_serialNumber(pointer), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CSealShim_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    /// SHA-256 of the DER, hex.
    public var fingerprint: String { storage.fingerprint.get { DigestAlgorithm.sha256.hash(der).hex } }

    public var keyUsage: KeyUsage {
        let bits = X509_get_key_usage(pointer)
        return bits == UInt32.max ? .unrestricted : KeyUsage(rawValue: bits)
    }

    /// Whether the extended key usage extension lists time stamping and is marked critical, as
    /// RFC 3161 §2.3 requires of a TSA certificate.
    public var isTimeStampingCertificate: Bool {
        let index = X509_get_ext_by_NID(pointer, NID_ext_key_usage, -1)
        guard index >= 0, let ext = X509_get_ext(pointer, index), X509_EXTENSION_get_critical(ext) == 1 else {
            return false
        }
        return X509_get_extended_key_usage(pointer) == UInt32(XKU_TIMESTAMP)
    }

    public var isCertificateAuthority: Bool { X509_check_ca(pointer) > 0 }

    /// The algorithm Seal would use with this certificate's key, if it is one Seal supports.
    public var algorithm: SignatureAlgorithm? {
        guard let key = X509_get0_pubkey(pointer) else { return nil }
        return SignatureAlgorithm.of(key: key)
    }

    /// The certificate's public key.
    public func publicKey() -> PublicKey? {
        guard let algorithm, let key = X509_get_pubkey(pointer) else { return nil }
        return PublicKey(taking: key, algorithm: algorithm)
    }

    /// Whether `key` is the private half of this certificate's key.
    public func matches(_ key: PrivateKey) -> Bool {
        defer { OpenSSLError.clearQueue() }
        return X509_check_private_key(pointer, key.pointer) == 1
    }

    public var description: String { subject.description }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }
}

/// X.509 key usage bits (OpenSSL's KU_* values).
public struct KeyUsage: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let digitalSignature = KeyUsage(rawValue: 0x0080)
    public static let nonRepudiation = KeyUsage(rawValue: 0x0040)
    public static let keyEncipherment = KeyUsage(rawValue: 0x0020)
    public static let keyAgreement = KeyUsage(rawValue: 0x0008)
    public static let keyCertSign = KeyUsage(rawValue: 0x0004)
    public static let cRLSign = KeyUsage(rawValue: 0x0002)
    /// No key usage extension: every use allowed.
    public static let unrestricted = KeyUsage(rawValue: 0xFFFF)

    /// The names OpenSSL's extension configuration understands.
    var configNames: [String] {
        let names: [(KeyUsage, String)] = [
            (.digitalSignature, "digitalSignature"), (.nonRepudiation, "nonRepudiation"),
            (.keyEncipherment, "keyEncipherment"), (.keyAgreement, "keyAgreement"),
            (.keyCertSign, "keyCertSign"), (.cRLSign, "cRLSign"),
        ]
        return names.filter { contains($0.0) }.map(\.1)
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex. (A table lookup: String(format:) per byte dominated report building.)
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Bytes from hex text (either case); nil for anything but pairs of hex digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            case 0x41...0x46: digit - 0x41 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self = bytes
    }
}

