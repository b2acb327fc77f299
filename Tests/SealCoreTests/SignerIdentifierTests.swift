import Foundation
import Testing
@testable import SealCore

/// RFC 5652 §5.3: the signer identifier must name the certificate that verifies the signature,
/// exactly. No signature covers it, so anything looser would let its bytes change freely.
@Suite struct SignerIdentifierTests {
    let document = Array("Household registration extract No. 7\n".utf8)

    /// The seal's IssuerAndSerialNumber and its offset in the DER (it appears once: the
    /// certificate holds the issuer and serial apart, not as this SEQUENCE).
    func sealAndIdentifier(_ authority: TestAuthority) throws -> (seal: SealSignature, sid: Range<Int>) {
        let seal = try authority.signer().seal(document)
        let signer = try #require(seal.signerCertificate)
        let sid = try #require(signer.issuerAndSerialNumber)
        let range = try #require(seal.der.firstRange(of: sid))
        #expect(seal.der[range.upperBound...].firstRange(of: sid) == nil)
        return (seal, range)
    }

    /// A letter of the issuer name in another case: OpenSSL's name comparison folds case, so the
    /// certificate used to match and the seal passed. Now it names no carried certificate.
    @Test func issuerNameInAnotherCaseNamesNoCertificate() throws {
        let authority = try TestAuthority()
        let (seal, sid) = try sealAndIdentifier(authority)
        let name = Array("Test Authority".utf8)
        let at = try #require(seal.der[sid].firstRange(of: name)).lowerBound
        var altered = seal.der
        altered[at] ^= 0x20  // "T" → "t"
        let parsed = try SealSignature(der: altered)
        #expect(parsed.signerCertificate == nil)
        let report = authority.verifier.verify(seal: altered, document: document)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noSigningCertificateFound)
        #expect(authority.verifier.verify(seal: seal.der, document: document).indication == .totalPassed)
    }

    /// Another serial number in the identifier names no certificate either.
    @Test func otherSerialNamesNoCertificate() throws {
        let authority = try TestAuthority()
        let (seal, sid) = try sealAndIdentifier(authority)
        var altered = seal.der
        altered[sid.upperBound - 1] ^= 0x01  // the serial's last byte
        #expect(try SealSignature(der: altered).signerCertificate == nil)
        #expect(authority.verifier.verify(seal: altered, document: document).subIndication == .noSigningCertificateFound)
    }

    /// The SET tag inside the name without its constructed bit: OpenSSL still reads the name and
    /// writes back the bytes it read, so only the exact comparison sees it.
    @Test func primitiveSetTagInTheIdentifierNamesNoCertificate() throws {
        let authority = try TestAuthority()
        let (seal, sid) = try sealAndIdentifier(authority)
        let set = try #require(seal.der[sid].firstIndex(of: 0x31))
        var altered = seal.der
        altered[set] ^= 0x20
        let report = authority.verifier.verify(seal: altered, document: document)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noSigningCertificateFound)
    }

    /// The subjectKeyIdentifier choice needs SignerInfo version 3 and the certificate's own key
    /// identifier; version 1 with that choice is unreadable.
    @Test func identifierChoiceMustFitTheVersion() throws {
        let authority = try TestAuthority()
        let (_, certificate) = try authority.department()
        let keyIdentifier = try #require(certificate.subjectKeyIdentifier)
        let element = TLV.encode(0x80, [ArraySlice(keyIdentifier)])
        let parsed = try #require(TLV.read(element, at: 0))
        let identifier = try #require(SignerIdentifier(parsed, in: element, version: 3))
        #expect(identifier.names(certificate))
        #expect(!identifier.names(authority.root))
        #expect(SignerIdentifier(parsed, in: element, version: 1) == nil)

        let sequence = try #require(certificate.issuerAndSerialNumber)
        let sequenceElement = try #require(TLV.read(sequence, at: 0))
        let byName = try #require(SignerIdentifier(sequenceElement, in: sequence, version: 1))
        #expect(byName.names(certificate))
        #expect(!byName.names(authority.tsaCertificate))
        #expect(SignerIdentifier(sequenceElement, in: sequence, version: 3) == nil)
    }

    /// A seal with one more certificate in `certificates` (SignedData field [0]).
    static func carrying(_ extra: Certificate, in der: [UInt8]) throws -> [UInt8] {
        let root = try #require(TLV.read(der, at: 0))
        let contentInfo = try #require(root.children(of: der))
        let signedData = try #require(contentInfo[1].children(of: der)?.first)
        let fields = try #require(signedData.children(of: der))
        let certificates = try #require(fields.first { $0.tag == 0xA0 })
        let rebuilt = fields.map { field -> ArraySlice<UInt8> in
            guard field.start == certificates.start else { return der[field.range] }
            return ArraySlice(TLV.encode(0xA0, [der[field.contentStart..<field.end], ArraySlice(extra.der)]))
        }
        let body = TLV.encode(0x30, rebuilt)
        return TLV.encode(0x30, [der[contentInfo[0].range], ArraySlice(TLV.encode(0xA0, [ArraySlice(body)]))])
    }

    /// A carried certificate that nothing verifies (not on the path, not a trust anchor) is bytes
    /// that could change freely: refused. A copy of the trust anchor itself is fine.
    @Test func strayCarriedCertificateIsRefused() throws {
        let authority = try TestAuthority()
        let seal = try authority.signer().seal(document)
        let stranger = try TestAuthority()
        let withStray = try Self.carrying(stranger.root, in: seal.der)
        let report = authority.verifier.verify(seal: withStray, document: document)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .formatFailure)
        #expect(report.checks.first { $0.outcome == .failed }?.name == .certificateChain)

        let withRoot = try Self.carrying(authority.root, in: seal.der)
        #expect(authority.verifier.verify(seal: withRoot, document: document).indication == .totalPassed)
    }
}
