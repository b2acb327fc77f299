import Foundation
import Testing
@testable import SealCore

@Suite struct SealRoundTripTests {
    let document = Array("Birth certificate No. 2026-0001\nName: Li Hua\n".utf8)

    @Test(arguments: SignatureAlgorithm.allCases)
    func sealVerifiesOnEveryAlgorithm(algorithm: SignatureAlgorithm) throws {
        let authority = try TestAuthority(algorithm: algorithm)
        let seal = try authority.signer(algorithm: algorithm).seal(document)
        let report = authority.verifier.verify(seal: seal.der, document: document)
        #expect(report.indication == .totalPassed, "\(report.checks.filter { $0.outcome == .failed })")
        #expect(report.signer?.department == "Civil Registry")
        #expect(report.timestamp?.time == Date(timeIntervalSince1970: authority.now.timeIntervalSince1970.rounded(.down)))
        #expect(report.checks.allSatisfy { $0.outcome == .passed || $0.name == .revocation })
    }

    /// A department that sends only the digest gets a seal that verifies against the document.
    @Test(arguments: SignatureAlgorithm.allCases)
    func sealOverDigestVerifiesAgainstDocument(algorithm: SignatureAlgorithm) throws {
        let authority = try TestAuthority(algorithm: algorithm)
        let signer = try authority.signer(algorithm: algorithm)
        let seal = try signer.sealed(digest: signer.documentDigestAlgorithm.hash(document))
        #expect(authority.verifier.verify(seal: seal.der, document: document).indication == .totalPassed)
        var other = document
        other[0] ^= 0x20
        #expect(authority.verifier.verify(seal: seal.der, document: other).subIndication == .hashFailure)
        let error = #expect(throws: OpenSSLError.self) { try signer.sealed(digest: Array(repeating: 1, count: 20)) }
        #expect(error?.description.contains("digest has \(signer.documentDigestAlgorithm.byteCount) bytes, not 20") == true)
    }

    /// Unsigned attributes are edited in the DER: the result is canonical (OpenSSL re-encodes it
    /// byte for byte), replacing keeps one copy, and removing restores the original bytes.
    @Test func unsignedAttributesEditedInTheBytes() throws {
        let authority = try TestAuthority()
        let seal = try authority.signer().seal(document)
        let oid = "2.25.100538443709885653857052931041650288520.2.1"
        let first = try seal.der(settingUnsignedAttribute: oid, to: [0x30, 0x03, 0x02, 0x01, 0x01])
        let parsed = try SealSignature(der: first)
        #expect(parsed.unsignedAttribute(oid) == [0x30, 0x03, 0x02, 0x01, 0x01])
        #expect(parsed.timeStampToken == seal.timeStampToken)
        let replaced = try SealSignature(der: try parsed.der(settingUnsignedAttribute: oid, to: [0x30, 0x03, 0x02, 0x01, 0x02]))
        #expect(replaced.unsignedAttribute(oid) == [0x30, 0x03, 0x02, 0x01, 0x02])
        #expect(try replaced.der(settingUnsignedAttribute: oid, to: nil) == seal.der)
        #expect(authority.verifier.verify(seal: replaced.der, document: document).indication == .totalPassed)
        // Bytes of the wrong shape are refused, not half-edited.
        for broken in [Array(seal.der.dropLast()), Array(seal.der.prefix(40))] {
            let error = #expect(throws: SealSignature.FormatError.self) { try SealSignature.der(broken, settingUnsignedAttribute: oid, to: nil) }
            #expect(error?.description.hasPrefix("the seal does not follow the profile: cannot edit the unsigned attributes") == true)
        }
        #expect(throws: SealSignature.FormatError.profile("not an OID: receipt")) {
            try seal.der(settingUnsignedAttribute: "receipt", to: nil)
        }
        // A value that is not one DER element is refused too.
        #expect(throws: SealSignature.FormatError.self) { try seal.der(settingUnsignedAttribute: oid, to: [0x30, 0x05, 0x02]) }
    }

    @Test func hexAndFingerprint() throws {
        #expect([UInt8]([0x00, 0x0f, 0xa5, 0xff]).hex == "000fa5ff")
        let authority = try TestAuthority()
        #expect(authority.root.fingerprint == DigestAlgorithm.sha256.hash(authority.root.der).map { String(format: "%02x", $0) }.joined())
    }

    @Test func changedDocumentIsHashFailure() throws {
        let authority = try TestAuthority()
        let seal = try authority.signer().seal(document)
        var changed = document
        changed[3] ^= 0x01
        let report = authority.verifier.verify(seal: seal.der, document: changed)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .hashFailure)
    }

    @Test func foreignRootIsNoChain() throws {
        let authority = try TestAuthority()
        let other = try TestAuthority()
        let seal = try authority.signer().seal(document)
        let report = other.verifier.verify(seal: seal.der, document: document)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noCertificateChainFound)
    }

    @Test func sealWithoutTimeStampPassesOnClaimedTime() throws {
        let authority = try TestAuthority()
        let seal = try authority.signer(timeStamped: false).seal(document)
        let report = authority.verifier.verify(seal: seal.der, document: document)
        #expect(report.indication == .totalPassed)
        #expect(report.timestamp == nil)
        #expect(report.checks.first { $0.name == .timestampImprint }?.outcome == .skipped)
    }
}
