import Foundation
import SwiftASN1

/// The parts of a signer's CMS that do not change from one seal or token to the next, encoded
/// once per signer: the certificate, its identifier, the ESS attributes that name it, and the
/// algorithm identifiers. What changes per seal (times, digests, serials, signatures) is
/// encoded by `SealAssembler`; OpenSSL only hashes and signs.
struct SignerParts: Sendable {
    let certificate: EncodedDER
    /// IssuerAndSerialNumber of the certificate (SignerInfo version 1).
    let signerIdentifier: EncodedDER
    let algorithm: SignatureAlgorithm
    /// SigningCertificateV2 as OpenSSL's CAdES signer writes it: the certificate hashed with the
    /// signer's digest (named unless it is the SHA-256 default), with issuerSerial.
    let sealCertificateAttribute: CMSAttribute
    /// SigningCertificateV2 as OpenSSL's TS responder writes it: a bare SHA-256 hash.
    let tokenCertificateAttribute: CMSAttribute

    var digest: DigestAlgorithm { algorithm.digest }

    init?(certificate: Certificate, algorithm: SignatureAlgorithm) {
        guard let issuerAndSerial = certificate.issuerAndSerialNumber,
              let node = try? DER.parse(issuerAndSerial),
              let (issuer, serial) = try? DER.sequence(node, identifier: .sequence, { nodes -> (ASN1Node, ASN1Node) in
                  guard let issuer = nodes.next(), let serial = nodes.next(), nodes.next() == nil else {
                      throw ASN1Error.invalidASN1Object(reason: "IssuerAndSerialNumber")
                  }
                  return (issuer, serial)
              }) else { return nil }
        do {
            // IssuerSerial ::= SEQUENCE { issuer GeneralNames (one directoryName [4]), serialNumber }
            var writer = DERWriter()
            writer.constructed(.sequence) { writer in
                writer.constructed(.sequence) { writer in
                    writer.constructed(ASN1Identifier(tagWithNumber: 4, tagClass: .contextSpecific)) { $0.raw(issuer.encodedBytes) }
                }
                writer.raw(serial.encodedBytes)
            }
            let issuerSerial = EncodedDER(encoded: writer.bytes)
            let named = algorithm.digest == .sha256 ? nil : AlgorithmIdentifier(algorithm.digest, null: false)
            sealCertificateAttribute = try CMSAttribute(.cms.signingCertificateV2, SigningCertificateV2(
                hashAlgorithm: named, certificateHash: algorithm.digest.hash(certificate.der), issuerSerial: issuerSerial))
            tokenCertificateAttribute = try CMSAttribute(.cms.signingCertificateV2, SigningCertificateV2(
                hashAlgorithm: nil, certificateHash: DigestAlgorithm.sha256.hash(certificate.der), issuerSerial: nil))
        } catch { return nil }
        self.certificate = EncodedDER(encoded: certificate.der)
        signerIdentifier = EncodedDER(encoded: issuerAndSerial)
        self.algorithm = algorithm
    }
}

/// Builds seals and time-stamp tokens from `SignerParts` and per-seal values, as typed CMS
/// structures (`CMS.swift`). The output is byte for byte what OpenSSL's CMS and TS code produce
/// for the same inputs (`SealAssemblerTests` compares them), so every verifier sees one profile.
enum SealAssembler {
    // MARK: the seal

    /// A CAdES-B signed SignerInfo without unsigned attributes, for `digest` of a document;
    /// without the signing-time attribute when `time` is nil (PAdES, which claims its time in
    /// the signature dictionary's `/M`).
    static func signSeal(_ parts: SignerParts, key: PrivateKey, documentDigest: [UInt8], at time: Date?) throws(OpenSSLError) -> CMSSignerInfo {
        try signerInfo(parts, key: key, purpose: .seal, attributes: try encode("signed attributes") {
            var attributes = [CMSAttribute(.cms.contentType, EncodedDER(encoded: OID.cms.data.der))]
            if let time { attributes.append(try signingTime(time)) }
            attributes += [CMSAttribute(.cms.messageDigest, octetString(documentDigest)), parts.sealCertificateAttribute]
            return attributes
        })
    }

    /// The seal's ContentInfo: `signer` with the signer's certificate and `intermediates`.
    static func seal(_ parts: SignerParts, intermediates: [EncodedDER], signer: CMSSignerInfo) throws(OpenSSLError) -> [UInt8] {
        try encode("a seal") {
            try CMSSignedData(version: 1, digestAlgorithms: [signer.digestAlgorithm],
                              encapsulatedContent: CMSEncapsulatedContentInfo(contentType: .cms.data),
                              certificates: ([parts.certificate] + intermediates).sorted(by: EncodedDER.setOrder),
                              signerInfos: [signer]).contentInfo()
        }
    }

    // MARK: the time-stamp token

    /// An RFC 3161 token as OpenSSL's TS responder writes it: TSTInfo { version, policy, imprint,
    /// serial, genTime, accuracy 1 s, nonce }, signed with contentType, signingTime, messageDigest
    /// and an ESSCertIDv2 without issuerSerial; the TSA certificate included.
    static func token(_ parts: SignerParts, key: PrivateKey, policy: OID, imprint: [UInt8],
                      imprintAlgorithm: DigestAlgorithm, at time: Date) throws(OpenSSLError) -> [UInt8] {
        let seconds = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        let info = try encode("a TSTInfo") {
            try TSTInfo(policy: policy, imprintAlgorithm: AlgorithmIdentifier(imprintAlgorithm, null: false),
                        imprint: imprint, serialNumber: randomSerial(), generationTime: GeneralizedTime(wholeSeconds: seconds),
                        accuracySeconds: 1, nonce: randomSerial()).derEncoded()
        }
        let signer = try signerInfo(parts, key: key, purpose: .timeStampToken, attributes: try encode("signed attributes") { [
            CMSAttribute(.cms.contentType, EncodedDER(encoded: OID.cms.tstInfo.der)),
            try signingTime(seconds),
            CMSAttribute(.cms.messageDigest, octetString(parts.digest.hash(info))),
            parts.tokenCertificateAttribute,
        ] })
        return try encode("a time-stamp token") {
            try CMSSignedData(version: 3, digestAlgorithms: [signer.digestAlgorithm],
                              encapsulatedContent: CMSEncapsulatedContentInfo(contentType: .cms.tstInfo, content: info),
                              certificates: [parts.certificate], signerInfos: [signer]).contentInfo()
        }
    }

    // MARK: shared pieces

    /// A version 1 SignerInfo over `attributes`, signed as the SET OF that they are.
    static func signerInfo(_ parts: SignerParts, key: PrivateKey, purpose: SignatureAlgorithm.Purpose,
                           attributes: [CMSAttribute]) throws(OpenSSLError) -> CMSSignerInfo {
        let signed = try encode("signed attributes") { try SignedAttributes(attributes) }
        return CMSSignerInfo(version: 1, signerIdentifier: parts.signerIdentifier,
                             digestAlgorithm: AlgorithmIdentifier(parts.digest, null: purpose == .timeStampToken),
                             signedAttributes: signed, signatureAlgorithm: parts.algorithm.identifier(for: purpose),
                             signature: try key.sign(signed.signedBytes, for: purpose), unsignedAttributes: nil)
    }

    /// An OCTET STRING element (message digests).
    static func octetString(_ content: [UInt8]) -> EncodedDER {
        var writer = DERWriter(capacity: content.count + 4)
        writer.octetString(content)
        return EncodedDER(encoded: writer.bytes)
    }

    /// RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise.
    static func signingTime(_ time: Date) throws -> CMSAttribute {
        if let utc = UTCTime(time) { return try CMSAttribute(.cms.signingTime, utc) }
        return try CMSAttribute(.cms.signingTime, GeneralizedTime(wholeSeconds: time))
    }

    /// The content octets of a positive 64-bit INTEGER with its top bit set, as OpenSSL's
    /// responder draws serials and the request nonces.
    static func randomSerial() -> [UInt8] {
        var bytes = secureRandomBytes(8)
        bytes[0] |= 0x80
        return [0x00] + bytes
    }

    /// Runs an encoding step; swift-asn1 fails only on values Seal itself built wrongly.
    static func encode<T>(_ what: String, _ body: () throws -> T) throws(OpenSSLError) -> T {
        do { return try body() } catch let error as OpenSSLError { throw error } catch {
            throw OpenSSLError("encoding \(what): \(error)")
        }
    }
}
