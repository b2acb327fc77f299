internal import CSealShim
import Foundation

/// Builds ECDSA seals and time-stamp tokens from DER parts that are computed once per signer
/// (certificates, names, algorithm identifiers, the ESS certificate hash) and per-seal parts
/// (times, digests, serials, signatures). OpenSSL does only the hashing and the signatures.
///
/// The output is byte for byte what OpenSSL's CMS and TS code produce for the same inputs
/// (`SealAssemblerTests` compares them), so every verifier sees the same profile. RSA-PSS keys
/// keep OpenSSL's path (`SealSigner`, `TimeStampAuthority`).
struct SignerParts: Sendable {
    let certificate: [UInt8]
    /// SEQUENCE { issuer Name, serialNumber INTEGER } of the certificate.
    let issuerAndSerial: [UInt8]
    /// [4] EXPLICIT issuer Name, then the serial: the ESS IssuerSerial's parts.
    let generalNames: [UInt8]
    let serial: [UInt8]
    /// SHA-256 of the certificate (the ESSCertIDv2 default, as time-stamp tokens use).
    let certificateHash: [UInt8]
    /// The certificate hashed with the signer's own digest, as CMS's CAdES signer uses.
    let certificateHashWithDigest: [UInt8]
    let digest: DigestAlgorithm
    let signatureAlgorithm: [UInt8]

    /// Nil for keys the assembler does not build for (RSA-PSS).
    init?(certificate: Certificate, algorithm: SignatureAlgorithm) {
        guard algorithm != .rsaPSS, let issuerAndSerial = certificate.issuerAndSerialNumber,
              let fields = TLV.read(issuerAndSerial, at: 0)?.children(of: issuerAndSerial), fields.count == 2 else { return nil }
        self.certificate = certificate.der
        self.issuerAndSerial = issuerAndSerial
        serial = Array(issuerAndSerial[fields[1].range])
        generalNames = TLV.encode(0x30, [ArraySlice(TLV.encode(0xA4, [issuerAndSerial[fields[0].range]]))])
        certificateHash = DigestAlgorithm.sha256.hash(certificate.der)
        certificateHashWithDigest = algorithm.digest.hash(certificate.der)
        digest = algorithm.digest
        signatureAlgorithm = TLV.encode(0x30, [ArraySlice(algorithm == .ecdsaP256 ? SealAssembler.OID.ecdsaWithSHA256 : SealAssembler.OID.ecdsaWithSHA384)])
    }

}

enum SealAssembler {
    // MARK: the seal

    /// A CAdES-B signed SignerInfo's pieces, with the signature value, for `digest` of a document.
    struct SignedSeal {
        let signedAttributes: [UInt8]
        let signature: [UInt8]
    }

    static func signSeal(_ parts: SignerParts, key: PrivateKey, documentDigest: [UInt8], at time: Date) throws(OpenSSLError) -> SignedSeal {
        let attributes = signedAttributes([
            attribute(OID.contentType, OID.data),
            attribute(OID.signingTime, signingTime(time)),
            attribute(OID.messageDigest, TLV.encode(0x04, [ArraySlice(documentDigest)])),
            attribute(OID.signingCertificateV2, essCertificateV2(parts, signersDigest: true)),
        ])
        return SignedSeal(signedAttributes: attributes, signature: try key.sign(attributes))
    }

    /// The seal's ContentInfo with `unsigned` attribute DERs (already encoded, any order).
    static func seal(_ parts: SignerParts, intermediates: [[UInt8]], signed: SignedSeal, unsigned: [[UInt8]]) -> [UInt8] {
        var signerInfo: [ArraySlice<UInt8>] = [
            ArraySlice(OID.integerOne), ArraySlice(parts.issuerAndSerial), ArraySlice(algorithmIdentifier(parts.digest, null: false)),
            ArraySlice([0xA0]) + ArraySlice(signed.signedAttributes.dropFirst()),
            ArraySlice(parts.signatureAlgorithm), ArraySlice(TLV.encode(0x04, [ArraySlice(signed.signature)])),
        ]
        if !unsigned.isEmpty { signerInfo.append(ArraySlice(TLV.encode(0xA1, sortedSet(unsigned)))) }
        return signedData(version: OID.integerOne, digest: algorithmIdentifier(parts.digest, null: false),
                          encapsulated: TLV.encode(0x30, [ArraySlice(OID.data)]),
                          certificates: [parts.certificate] + intermediates, signerInfo: TLV.encode(0x30, signerInfo))
    }

    // MARK: the time-stamp token

    /// An RFC 3161 token as OpenSSL's TS responder writes it: TSTInfo { version, policy, imprint,
    /// serial, genTime, accuracy 1 s, nonce }, signed with contentType, signingTime, messageDigest
    /// and an ESSCertIDv2 without issuerSerial; the TSA certificate included.
    static func token(_ parts: SignerParts, key: PrivateKey, policy: [UInt8], imprint: [UInt8], imprintAlgorithm: DigestAlgorithm,
                      at time: Date) throws(OpenSSLError) -> [UInt8] {
        let seconds = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        let info = TLV.encode(0x30, [
            ArraySlice(OID.integerOne), ArraySlice(policy),
            ArraySlice(TLV.encode(0x30, [ArraySlice(algorithmIdentifier(imprintAlgorithm, null: false)), ArraySlice(TLV.encode(0x04, [ArraySlice(imprint)]))])),
            ArraySlice(randomSerial()), ArraySlice(generalizedTime(seconds)),
            ArraySlice(TLV.encode(0x30, [ArraySlice(OID.integerOne)])), ArraySlice(randomSerial()),
        ])
        let attributes = signedAttributes([
            attribute(OID.contentType, OID.tstInfo),
            attribute(OID.signingTime, signingTime(seconds)),
            attribute(OID.messageDigest, TLV.encode(0x04, [ArraySlice(parts.digest.hash(info))])),
            attribute(OID.signingCertificateV2, essCertificateV2(parts, signersDigest: false)),
        ])
        let signature = try key.sign(attributes)
        let signerInfo = TLV.encode(0x30, [
            ArraySlice(OID.integerOne), ArraySlice(parts.issuerAndSerial), ArraySlice(algorithmIdentifier(parts.digest, null: true)),
            ArraySlice([0xA0]) + ArraySlice(attributes.dropFirst()),
            ArraySlice(parts.signatureAlgorithm), ArraySlice(TLV.encode(0x04, [ArraySlice(signature)])),
        ])
        return signedData(version: OID.integerThree, digest: algorithmIdentifier(parts.digest, null: true),
                          encapsulated: TLV.encode(0x30, [ArraySlice(OID.tstInfo), ArraySlice(TLV.encode(0xA0, [ArraySlice(TLV.encode(0x04, [ArraySlice(info)]))]))]),
                          certificates: [parts.certificate], signerInfo: signerInfo)
    }

    // MARK: shared pieces

    static func signedData(version: [UInt8], digest: [UInt8], encapsulated: [UInt8], certificates: [[UInt8]], signerInfo: [UInt8]) -> [UInt8] {
        let body = TLV.encode(0x30, [
            ArraySlice(version), ArraySlice(TLV.encode(0x31, [ArraySlice(digest)])), ArraySlice(encapsulated),
            ArraySlice(TLV.encode(0xA0, sortedSet(certificates))), ArraySlice(TLV.encode(0x31, [ArraySlice(signerInfo)])),
        ])
        return TLV.encode(0x30, [ArraySlice(OID.signedData), ArraySlice(TLV.encode(0xA0, [ArraySlice(body)]))])
    }

    /// SigningCertificateV2 { certs SEQUENCE { ESSCertIDv2 { [hashAlgorithm,] certHash [, issuerSerial] } } }.
    /// The seal's (OpenSSL's CAdES signer) hashes with the signer's digest, naming it unless it
    /// is the SHA-256 default, and carries issuerSerial; the token's (the TS responder) is a bare
    /// SHA-256 hash.
    static func essCertificateV2(_ parts: SignerParts, signersDigest: Bool) -> [UInt8] {
        var id: [ArraySlice<UInt8>] = []
        if signersDigest {
            if parts.digest != .sha256 { id.append(ArraySlice(algorithmIdentifier(parts.digest, null: false))) }
            id.append(ArraySlice(TLV.encode(0x04, [ArraySlice(parts.certificateHashWithDigest)])))
            id.append(ArraySlice(TLV.encode(0x30, [ArraySlice(parts.generalNames), ArraySlice(parts.serial)])))
        } else {
            id.append(ArraySlice(TLV.encode(0x04, [ArraySlice(parts.certificateHash)])))
        }
        return TLV.encode(0x30, [ArraySlice(TLV.encode(0x30, [ArraySlice(TLV.encode(0x30, id))]))])
    }

    static func attribute(_ type: [UInt8], _ value: [UInt8]) -> [UInt8] {
        TLV.encode(0x30, [ArraySlice(type), ArraySlice(TLV.encode(0x31, [ArraySlice(value)]))])
    }

    /// The signed attributes as the SET OF that is signed (DER order).
    static func signedAttributes(_ attributes: [[UInt8]]) -> [UInt8] { TLV.encode(0x31, sortedSet(attributes)) }

    static func sortedSet(_ members: [[UInt8]]) -> [ArraySlice<UInt8>] {
        members.map { ArraySlice($0) }.sorted(by: TLV.setOrder)
    }

    static func algorithmIdentifier(_ digest: DigestAlgorithm, null: Bool) -> [UInt8] {
        let oid: [UInt8] = switch digest {
        case .sha256: OID.sha256
        case .sha384: OID.sha384
        case .sha512: OID.sha512
        }
        return TLV.encode(0x30, [ArraySlice(oid)] + (null ? [ArraySlice([0x05, 0x00])] : []))
    }

    /// RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise.
    static func signingTime(_ time: Date) -> [UInt8] {
        let parts = Calendar.utc.dateComponents([.year], from: time)
        guard let year = parts.year, (1950...2049).contains(year) else { return generalizedTime(time) }
        return TLV.encode(0x17, [ArraySlice(Array(timeText(time, digitsOfYear: 2).utf8))])
    }

    static func generalizedTime(_ time: Date) -> [UInt8] {
        TLV.encode(0x18, [ArraySlice(Array(timeText(time, digitsOfYear: 4).utf8))])
    }

    private static func timeText(_ time: Date, digitsOfYear: Int) -> String {
        var seconds = time_t(time.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = digitsOfYear == 2 ? two(Int32(year % 100)) : String(year)
        return yearText + two(parts.tm_mon + 1) + two(parts.tm_mday) + two(parts.tm_hour) + two(parts.tm_min) + two(parts.tm_sec) + "Z"
    }

    /// A positive 64-bit INTEGER with its top bit set, as OpenSSL's responder draws serials and
    /// the request nonces.
    static func randomSerial() -> [UInt8] {
        var bytes = secureRandomBytes(8)
        bytes[0] |= 0x80
        return TLV.encode(0x02, [ArraySlice([0x00] + bytes)])
    }

    enum OID {
        static let signedData = encoded("1.2.840.113549.1.7.2")
        static let data = encoded("1.2.840.113549.1.7.1")
        static let contentType = encoded("1.2.840.113549.1.9.3")
        static let messageDigest = encoded("1.2.840.113549.1.9.4")
        static let signingTime = encoded("1.2.840.113549.1.9.5")
        static let signingCertificateV2 = encoded("1.2.840.113549.1.9.16.2.47")
        static let tstInfo = encoded("1.2.840.113549.1.9.16.1.4")
        static let timeStampToken = encoded("1.2.840.113549.1.9.16.2.14")
        static let sha256 = encoded("2.16.840.1.101.3.4.2.1")
        static let sha384 = encoded("2.16.840.1.101.3.4.2.2")
        static let sha512 = encoded("2.16.840.1.101.3.4.2.3")
        static let ecdsaWithSHA256 = encoded("1.2.840.10045.4.3.2")
        static let ecdsaWithSHA384 = encoded("1.2.840.10045.4.3.3")
        static let integerOne: [UInt8] = [0x02, 0x01, 0x01]
        static let integerThree: [UInt8] = [0x02, 0x01, 0x03]

        /// The DER of a dotted OID, through OpenSSL (some arcs exceed 64 bits).
        static func encoded(_ dotted: String) -> [UInt8] {
            guard let object = OBJ_txt2obj(dotted, 1) else { preconditionFailure("bad OID constant \(dotted)") }
            defer { ASN1_OBJECT_free(object) }
            guard let der = try? DER.encode("an OID", { i2d_ASN1_OBJECT(object, $0) }) else { preconditionFailure("cannot encode \(dotted)") }
            return der
        }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
