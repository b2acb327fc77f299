import Foundation
import Testing
import SwiftASN1
@testable import SealCore

/// The assembled (ECDSA) seals and tokens are what OpenSSL's CMS and TS code write.
@Suite struct SealAssemblerTests {
    let document = Array("Household registration 2026-7781\n".utf8)

    /// Tags, nesting and the values that identify structure (OIDs, NULLs, small INTEGERs).
    static func skeleton(_ der: [UInt8]) -> [String] {
        var lines: [String] = []
        func walk(_ tlv: TLV, depth: Int) {
            var line = "\(depth):\(String(tlv.tag, radix: 16))"
            if [0x06, 0x05, 0x01].contains(tlv.tag) || (tlv.tag == 0x02 && tlv.end - tlv.contentStart == 1) {
                line += "=" + der[tlv.contentStart..<tlv.end].hex
            }
            lines.append(line)
            if tlv.tag & 0x20 != 0, let children = tlv.children(of: der) {
                for child in children { walk(child, depth: depth + 1) }
            }
        }
        if let root = TLV.read(der, at: 0) { walk(root, depth: 0) }
        return lines
    }

    /// OpenSSL 3.0's CMS and TS signers cannot sign with SM2 (its user ID has no slot there), so
    /// the byte-for-byte references exist for the other algorithms; SM2 seals and tokens are
    /// checked by verification (SealRoundTripTests) and against `openssl dgst -sm3`.
    static let opensslSignedAlgorithms = SignatureAlgorithm.allCases.filter { $0 != .sm2 }

    /// Every algorithm goes through the assembler; RSA-PSS included.
    @Test(arguments: opensslSignedAlgorithms)
    func signedPartIsOpenSSLsByteForByte(algorithm: SignatureAlgorithm) throws {
        let authority = try TestAuthority(algorithm: algorithm)
        let signer = try authority.signer(algorithm: algorithm, timeStamped: false)
        let digest = signer.documentDigestAlgorithm.hash(document)
        let reference = try signer.opensslSeal(digest: digest)
        // Same inputs, OpenSSL's signature value: the assembled bytes must be identical.
        var signed = try SealAssembler.signSeal(signer.parts, key: signer.key, documentDigest: digest, at: authority.now)
        signed.signature = ASN1OctetString(contentBytes: ArraySlice(reference.signatureValue))
        #expect(try SealAssembler.seal(signer.parts, intermediates: [], signer: signed) == reference.der)
    }

    @Test(arguments: opensslSignedAlgorithms)
    func tokenHasOpenSSLsStructureAndVerifies(algorithm: SignatureAlgorithm) throws {
        let authority = try TestAuthority(algorithm: algorithm)
        let imprint = DigestAlgorithm.sha256.hash(Array("signature value".utf8))
        let assembled = try authority.tsa.timestamp(imprint: imprint)
        let reference = try authority.tsa.opensslTimestamp(imprint: imprint)
        #expect(Self.skeleton(assembled) == Self.skeleton(reference))
        // OpenSSL reads it back to the same bytes, and it passes the token profile.
        let token = try #require(TimeStampToken(der: assembled))
        #expect(token.generationTime == Date(timeIntervalSince1970: authority.now.timeIntervalSince1970.rounded(.down)))
        #expect(token.policy == SealOID.timeStampPolicy)
    }

    @Test(arguments: ["1.2.3", "2.999.1", "2.25.329800735698586629295641978511506172918"])
    func aTokensPolicyReadsBackInDottedForm(policy: String) throws {
        let authority = try TestAuthority(algorithm: .ecdsaP256)
        let tsa = authority.tsa
        let der = try SealAssembler.token(tsa.parts, key: tsa.key, policy: try #require(OID(dotted: policy)),
                                          imprint: DigestAlgorithm.sha256.hash([1]), imprintAlgorithm: .sha256, at: authority.now)
        // The last, a UUID arc past 64 bits, is read by OpenSSL's own conversion.
        #expect(try #require(TimeStampToken(der: der)).policy == policy)
    }

    @Test(arguments: opensslSignedAlgorithms)
    func assembledSealsVerifyAndMatchOpenSSLsStructure(algorithm: SignatureAlgorithm) throws {
        let authority = try TestAuthority(algorithm: algorithm)
        let signer = try authority.signer(algorithm: algorithm)
        let digest = signer.documentDigestAlgorithm.hash(document)
        let sealed = try signer.sealed(digest: digest)
        let parsed = try SealSignature(der: sealed.der)
        #expect(parsed.signatureValue == sealed.signatureValue)
        #expect(parsed.timeStampToken == sealed.timeStampToken)
        #expect(parsed.signerCertificate?.der == sealed.signerCertificate)
        #expect(Self.skeleton(sealed.der) == Self.skeleton(try signer.opensslSeal(digest: digest).der))
        #expect(authority.verifier.verify(seal: sealed.der, document: document).indication == .totalPassed)
    }

    /// A key swapped in for another is refused before anything is signed with it.
    @Test func mismatchedKeysAreRefused() throws {
        let authority = try TestAuthority()
        let (_, certificate) = try authority.department()
        let stranger = try PrivateKey.generate(.ecdsaP256)
        #expect(throws: SealSigner.SetupError.keyMismatch) {
            try SealSigner(certificate: certificate, key: stranger, timeStampAuthority: authority.tsa)
        }
        #expect(throws: TimeStampAuthority.SetupError.keyMismatch) {
            try TimeStampAuthority(certificate: authority.tsaCertificate, key: stranger)
        }
    }

    @Test func signingTimeSwitchesToGeneralizedTimeIn2050() throws {
        let oid: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05]
        #expect(try EncodedDER(erasing: SealAssembler.signingTime(Date(timeIntervalSince1970: 2_524_607_999))).bytes
            == [0x30, 0x1C] + oid + [0x31, 0x0F, 0x17, 0x0D] + Array("491231235959Z".utf8))
        #expect(try EncodedDER(erasing: SealAssembler.signingTime(Date(timeIntervalSince1970: 2_524_608_000))).bytes
            == [0x30, 0x1E] + oid + [0x31, 0x11, 0x18, 0x0F] + Array("20500101000000Z".utf8))
    }
}
