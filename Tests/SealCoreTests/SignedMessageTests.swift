import Foundation
import Testing
@testable import SealCore
import SealTestSupport

/// The signed-message reader: a real third-party RFC 3161 token verifies through it and fails
/// when altered, and the carried certificates it takes from the cache are exactly the bytes
/// carried, canonical, and nothing else.
@Suite struct SignedMessageTests {
    /// GlobalSign's 2017 token from digitorus/timestamp (RSA, ESS signing-certificate v1, TSA and
    /// intermediate certificates carried), and what the vector file says about it.
    static func globalSignToken() throws -> (der: [UInt8], item: [String: Any]) {
        let file = try ExternalVectors.json("tsa-cms/rfc3161_globalsign_digitorus.json")
        let items = try #require(file["items"] as? [[String: Any]])
        let item = try #require(items.first { $0["name"] as? String == "timeStampToken" })
        let base64 = try #require(item["der_base64"] as? String)
        return ([UInt8](base64: base64), item)
    }

    @Test func thirdPartyTokenVerifiesThroughTheReader() throws {
        let (der, item) = try Self.globalSignToken()
        let token = try #require(TimeStampToken(der: der))
        #expect(token.serialNumber == item["serial"] as? String)
        #expect(token.policy == item["policy"] as? String)
        let generationTime = try #require(item["gen_time"] as? String)
        #expect(token.generationTime == ISO8601DateFormatter().date(from: generationTime))
        #expect(token.imprint.hex == item["message_imprint"] as? String)
        #expect(token.message.certificates.count == 2)
        let tsa = try #require(token.signerCertificate)
        #expect(tsa.subject.commonName == "Globalsign TSA for AATL - SHA256 - G2")
        let others = token.message.certificates.filter { $0 != tsa }
        guard case .success = token.verifySignature(tsa: tsa, chain: others, cache: VerificationCache()) else {
            Issue.record("GlobalSign's token does not verify")
            return
        }
        // The refused side: the ESS attribute names the TSA, so no other certificate signs for it.
        let intermediate = try #require(others.first)
        guard case .failure = token.verifySignature(tsa: intermediate, chain: [tsa], cache: VerificationCache()) else {
            Issue.record("a certificate the ESS attribute does not name was accepted as the TSA")
            return
        }
    }

    /// With the root from the system's store (ca-certificates), the whole token check passes:
    /// imprint, TSA path through the carried intermediate at the time-stamped time, signature.
    @Test func thirdPartyTokenChainsToItsRoot() throws {
        let (der, item) = try Self.globalSignToken()
        let pem = try #require(FileManager.default.contents(atPath: "/etc/ssl/certs/GlobalSign_Root_CA_-_R3.pem"),
                               "install ca-certificates")
        let verifier = SealVerifier(trust: TrustAnchors(roots: try Certificate.all(fromPEM: Array(pem))))
        let imprintHex = try #require(item["message_imprint"] as? String)
        let imprint = try #require([UInt8](hex: imprintHex))
        let verdict = verifier.verifyTimeStamp(der) { $0 == .sha256 ? imprint : nil }
        #expect(verdict.checks.map(\.outcome) == [.passed, .passed, .passed], "\(verdict.checks)")
        #expect(verdict.time != nil)
        // Another imprint, and another root, are refused.
        #expect(verifier.verifyTimeStamp(der) { _ in Array(repeating: 0, count: 32) }.time == nil)
        let stranger = SealVerifier(trust: TrustAnchors(roots: [try TestAuthority().root]))
        #expect(stranger.verifyTimeStamp(der) { _ in imprint }.time == nil)
    }

    /// Changing the time inside TSTInfo keeps the DER valid but breaks the message digest.
    @Test func alteredThirdPartyTokenFails() throws {
        let (der, _) = try Self.globalSignToken()
        let time = Array("20170201153950".utf8)
        let offset = try #require((0...(der.count - time.count)).first { der[$0..<($0 + time.count)].elementsEqual(time) })
        var altered = der
        altered[offset + 3] = UInt8(ascii: "8")  // 2018
        let token = try #require(TimeStampToken(der: altered))
        let tsa = try #require(token.signerCertificate)
        guard case .failure(let error) = token.verifySignature(tsa: tsa, chain: token.message.certificates, cache: VerificationCache()) else {
            Issue.record("an altered token verified")
            return
        }
        #expect(error.description.contains("message-digest"))
    }

    @Test func certificateCacheAdmitsOnlyCanonicalCertificates() throws {
        let authority = try TestAuthority()
        let (_, leaf) = try authority.department()
        let cached = try CertificateCache.certificate(leaf.der[...])
        #expect(cached.der == leaf.der)
        #expect(try CertificateCache.certificate(leaf.der[...]).sharesStorage(with: cached))
        #expect(try CertificateCache.certificate(authority.root.der[...]) != cached)
        // The same certificate with a non-minimal outer length, and bytes that are no certificate.
        #expect(throws: CertificateCache.Failure.notCanonical) {
            try CertificateCache.certificate(ArraySlice(Self.longFormLength(leaf.der)))
        }
        #expect(throws: CertificateCache.Failure.notACertificate) {
            try CertificateCache.certificate(ArraySlice(leaf.der.dropLast()))
        }
    }

    /// A seal whose carried certificate is re-encoded (same certificate, non-minimal length) is
    /// not DER; one carrying something other than a certificate does not fit the profile.
    @Test func sealsCarryingOddCertificatesAreRefused() throws {
        let authority = try TestAuthority()
        let signer = try authority.signer()
        let seal = try signer.seal(Array("document".utf8))
        let original = try #require(seal.certificates.first?.der)
        #expect(throws: SealSignature.FormatError.notDER) {
            try SealSignature(der: Self.replacingCertificates(in: seal.der, with: [Self.longFormLength(original)]))
        }
        let attributeCertificate = [0xA1, 0x03, 0x02, 0x01, 0x00] as [UInt8]
        #expect(throws: SealSignature.FormatError.self) {
            try SealSignature(der: Self.replacingCertificates(in: seal.der, with: [original, attributeCertificate]))
        }
        // The rebuilt seal with the certificate unchanged is the seal itself.
        #expect(try Self.replacingCertificates(in: seal.der, with: [original]) == seal.der)
    }

    /// `der` with its outermost length in the long form one byte longer than needed.
    static func longFormLength(_ der: [UInt8]) -> [UInt8] {
        let element = TLV.read(der, at: 0)!
        let content = der[element.contentStart..<element.end]
        precondition(content.count < 0x10000)
        return [der[0], 0x83, 0x00, UInt8(content.count >> 8), UInt8(content.count & 0xFF)] + content
    }

    /// A seal's DER with its certificates field holding exactly `certificates`.
    static func replacingCertificates(in der: [UInt8], with certificates: [[UInt8]]) throws -> [UInt8] {
        let root = try #require(TLV.read(der, at: 0))
        let contentInfo = try #require(root.children(of: der))
        let signedData = try #require(contentInfo[1].children(of: der)?.first)
        let fields = try #require(signedData.children(of: der))
        let index = try #require(fields.firstIndex { $0.tag == 0xA0 })
        var parts = fields.map { der[$0.range] }
        parts[index] = ArraySlice(TLV.encode(0xA0, certificates.map { ArraySlice($0) }))
        return TLV.encode(0x30, [der[contentInfo[0].range], ArraySlice(TLV.encode(0xA0, [ArraySlice(TLV.encode(0x30, parts))]))])
    }
}

/// Every byte of a seal is accounted for, its set orders included.
@Suite struct SignedDataLayoutTests {
    /// The signed attributes, swapped out of DER set order: the same attributes, the same
    /// signature, other bytes. Refused before anything is verified.
    @Test func attributesOutOfSetOrderAreRefused() throws {
        let authority = try TestAuthority()
        let seal = try authority.signer().seal(Array("ordered".utf8))
        let der = seal.der
        let root = try #require(TLV.read(der, at: 0))
        let signedData = try #require(root.children(of: der)?[1].children(of: der)?[0])
        let signerInfo = try #require(signedData.children(of: der)?.last?.children(of: der)?.first)
        let fields = try #require(signerInfo.children(of: der))
        let signed = try #require(fields.first { $0.tag == 0xA0 })
        let attributes = try #require(signed.children(of: der))
        var swapped = Array(der[..<signed.contentStart])
        swapped += der[attributes[1].range] + der[attributes[0].range]
        for attribute in attributes.dropFirst(2) { swapped += der[attribute.range] }
        swapped += der[signed.end...]
        #expect(swapped.count == der.count && swapped != der)
        #expect(throws: SealSignature.FormatError.notDER) { try SealSignature(der: swapped) }
    }
}
@Suite struct TLVTests {
    @Test func objectIdentifiersDecodeOnlyWhenMinimal() {
        #expect(TLV.dottedOID([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]) == "2.16.840.1.101.3.4.2.1")
        #expect(TLV.dottedOID([0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]) == "1.2.840.10045.4.3.2")
        #expect(TLV.dottedOID([0x00]) == "0.0")
        #expect(TLV.dottedOID([0x4F, 0x01]) == "1.39.1")
        #expect(TLV.dottedOID([0x88, 0x37]) == "2.999")  // the first subidentifier 1079: root 2, arc 999
        // 2.25.<UUID>: arcs past 64 bits are refused rather than wrapped.
        #expect(TLV.dottedOID([0x69] + Array(repeating: 0xFF, count: 18) + [0x7F]) == nil)
        #expect(TLV.dottedOID([0x2A, 0x80, 0x86, 0x48]) == nil)  // a leading 0x80 pads an arc
        #expect(TLV.dottedOID([0x2A, 0x86]) == nil)  // the last arc is unfinished
        #expect(TLV.dottedOID([]) == nil)
    }

    @Test func decimalDigitsArePaddedAndExact() {
        for (value, width, text) in [(UInt64(0), 1, "0"), (42, 5, "00042"), (123_456, 2, "123456"), (.max, 1, "18446744073709551615")] {
            var out: [UInt8] = Array("x".utf8)
            DecimalDigits.append(value, width: width, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == "x" + text)
        }
    }

    @Test func versionsAreSmallMinimalIntegers() {
        let bytes: [UInt8] = [0x02, 0x01, 0x03, 0x02, 0x02, 0x00, 0x03, 0x02, 0x01, 0x80, 0x04, 0x01, 0x01]
        #expect(TLV.read(bytes, at: 0).flatMap { TLV.smallInteger($0, in: bytes) } == 3)
        #expect(TLV.read(bytes, at: 3).flatMap { TLV.smallInteger($0, in: bytes) } == nil)
        #expect(TLV.read(bytes, at: 7).flatMap { TLV.smallInteger($0, in: bytes) } == nil)  // negative
        #expect(TLV.read(bytes, at: 10).flatMap { TLV.smallInteger($0, in: bytes) } == nil)  // not an INTEGER
    }
}
