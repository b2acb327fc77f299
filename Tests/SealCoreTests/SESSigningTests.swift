import Foundation
import Testing
import SealTestSupport
@testable import SealCore

/// GB/T 38540 seals and signatures that Seal writes, checked without Seal's parser (`openssl
/// asn1parse` cuts out the signed bytes, `openssl dgst -sm3 -verify` checks them) and by Seal's
/// verifier, from the passing side and from every refusing side.
@Suite struct SESSigningTests {
    let document = Array("营业执照 No. 91500000MA5U000000\n".utf8)
    static let picture = ElectronicSeal.Picture(type: "PNG", data: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3],
                                                widthMillimetres: 40, heightMillimetres: 40)

    struct Department {
        let authority: TestAuthority
        let key: PrivateKey
        let certificate: Certificate
        let seal: ElectronicSeal
        var signer: SealSigner {
            get throws { try SealSigner(certificate: certificate, key: key, timeStampAuthority: authority.tsa, clock: { [now = authority.now] in now }) }
        }
    }

    static func department(validDays: ClosedRange<Int> = -1...30) throws -> Department {
        let authority = try TestAuthority(algorithm: .sm2)
        let (key, certificate) = try authority.department("Market Regulation Bureau", algorithm: .sm2)
        let making = ElectronicSeal.Making(identifier: "11500000SEAL0001", name: "市场监督管理局 Market Regulation Bureau",
                                           certificates: [certificate], createDate: authority.now.adding(days: -1),
                                           validStart: authority.now.adding(days: validDays.lowerBound),
                                           validEnd: authority.now.adding(days: validDays.upperBound), picture: picture)
        let seal = try ElectronicSeal.make(making, maker: authority.root, makerKey: authority.rootKey)
        return Department(authority: authority, key: key, certificate: certificate, seal: seal)
    }

    /// `openssl asn1parse` finds the first element inside the outer SEQUENCE; OpenSSL's dgst
    /// checks the signature over exactly those bytes with `certificate`'s key.
    static func opensslVerifiesFirstElement(of der: [UInt8], signature: [UInt8], certificate: Certificate) throws -> Bool {
        let scratch = try TestSupport.scratchDirectory("ses-out")
        defer { TestSupport.cleanUp(scratch) }
        try SM2Tests.write(["whole.der": der, "signature.der": signature, "cert.der": certificate.der], in: scratch)
        let layout = try TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", "whole.der"], in: scratch)
        // The second line is the first element at depth 1: "    4:d=1  hl=4 l=16389 cons: SEQUENCE".
        let lines = layout.stdout.split(separator: "\n")
        guard lines.count > 1, let offset = Int(lines[1].prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)) else { return false }
        let cut = try TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", "whole.der", "-strparse", "\(offset)",
                                                  "-noout", "-out", "signed.der"], in: scratch)
        guard cut.status == 0 else { return false }
        _ = try TestSupport.run("openssl", ["x509", "-inform", "DER", "-in", "cert.der", "-pubkey", "-noout", "-out", "key.pem"], in: scratch)
        let verify = try TestSupport.run("openssl", ["dgst", "-sm3", "-verify", "key.pem", "-sigopt", SM2Tests.distinguishingID,
                                                     "-signature", "signature.der", "signed.der"], in: scratch)
        return verify.stdout.contains("Verified OK")
    }

    @Test func aNewSealIsVersion4AndItsMakerSignatureVerifiesInOpenSSL() throws {
        let department = try Self.department()
        let seal = department.seal
        #expect(seal.version == .v4)
        #expect(seal.header == ElectronicSeal.Header(id: "ES", version: 4, vendorID: ElectronicSeal.vendorID))
        #expect(seal.identifier == "11500000SEAL0001")
        #expect(seal.property.name == "市场监督管理局 Market Regulation Bureau")
        #expect(seal.property.certificates == .certificates([department.certificate.der]))
        #expect(seal.property.validEnd == Date(timeIntervalSince1970: department.authority.now.adding(days: 30).timeIntervalSince1970.rounded(.down)))
        #expect(seal.picture == Self.picture)
        #expect(seal.makerCertificate == department.authority.root.der)
        #expect(seal.signatureAlgorithm == "1.2.156.10197.1.501")
        #expect(try Self.opensslVerifiesFirstElement(of: seal.der, signature: seal.signature, certificate: department.authority.root))
        // The maker signed SES_SealInfo only: the same signature does not cover the whole seal.
        let whole = try Self.opensslVerifiesFirstElement(of: [0x30, 0x82, UInt8(seal.der.count >> 8), UInt8(seal.der.count & 0xFF)] + seal.der,
                                                         signature: seal.signature, certificate: department.authority.root)
        #expect(!whole)
        // A seal needs an SM2 maker.
        let ecdsa = try TestAuthority()
        #expect(throws: SESFormatError.self) {
            try ElectronicSeal.make(ElectronicSeal.Making(identifier: "x", name: "x", certificates: [], createDate: ecdsa.now,
                                                          validStart: ecdsa.now, validEnd: ecdsa.now, picture: Self.picture),
                                    maker: ecdsa.root, makerKey: ecdsa.rootKey)
        }
    }

    @Test func aDetachedSignatureVerifiesInOpenSSLAndInSeal() throws {
        let department = try Self.department()
        let signer = try department.signer
        let sealed = try signer.sesSealed(dataHash: DigestAlgorithm.sm3.hash(document), propertyInfo: "licence.txt", seal: department.seal)
        let signature = try SESSignature(der: sealed.der)
        #expect(signature.version == .v4)
        #expect(signature.seal.der == department.seal.der)
        #expect(signature.propertyInfo == "licence.txt")
        #expect(signature.signerCertificate == department.certificate.der)
        #expect(signature.signature == sealed.signatureValue)
        #expect(signature.timeStampToken == sealed.timeStampToken)
        #expect(try Self.opensslVerifiesFirstElement(of: sealed.der, signature: signature.signature, certificate: department.certificate))

        let report = department.authority.verifier.verify(ses: sealed.der, content: document)
        #expect(report.indication == .totalPassed, "\(report.checks.filter { $0.outcome == .failed })")
        let names = report.checks.filter { $0.outcome == .passed }.map(\.name)
        for name: VerificationCheck.Name in [.format, .sealSignature, .signingCertificate, .signature, .messageDigest, .timestampImprint,
                                             .timestampSignature, .sealValidity, .sealCertificate, .certificateChain, .keyUsage] {
            #expect(names.contains(name), "\(name) did not pass")
        }
        #expect(report.timestamp?.time == Date(timeIntervalSince1970: department.authority.now.timeIntervalSince1970.rounded(.down)))
        #expect(report.signer?.department == "Market Regulation Bureau")
    }

    @Test func everyRefusingSideIsNamed() throws {
        let department = try Self.department()
        let signer = try department.signer
        let sealed = try signer.sesSealed(dataHash: DigestAlgorithm.sm3.hash(document), propertyInfo: "licence.txt", seal: department.seal)
        let verifier = department.authority.verifier
        func failed(_ report: VerificationReport) -> [VerificationCheck.Name] { report.checks.filter { $0.outcome == .failed }.map(\.name) }

        var changed = document
        changed[0] ^= 1
        let altered = verifier.verify(ses: sealed.der, content: changed)
        #expect((altered.indication, altered.subIndication) == (.totalFailed, .hashFailure))
        #expect(failed(altered) == [.messageDigest])

        // One bit of TBS_Sign's signing time: the signer's signature fails; the token covers
        // the signature value, which is unchanged.
        let tbs = try #require(TLV.read(sealed.der, at: 0)?.children(of: sealed.der)?.first)
        let time = try #require(tbs.children(of: sealed.der)?[2])
        #expect(time.tag == 0x18)
        var retimed = sealed.der
        retimed[time.end - 2] ^= 0x01
        #expect(failed(verifier.verify(ses: retimed, content: document)) == [.signature])

        // Another authority's verifier: both the seal maker and the signer are unknown.
        let stranger = try TestAuthority(algorithm: .sm2)
        let foreign = stranger.verifier.verify(ses: sealed.der, content: document)
        #expect(foreign.indication == .indeterminate)
        #expect(Set(failed(foreign)).isSuperset(of: [.sealCertificate, .certificateChain]))
        #expect(!failed(foreign).contains(.signature) && !failed(foreign).contains(.sealSignature))

        // A signer whose certificate the seal does not list cannot sign with it...
        let (otherKey, otherCertificate) = try department.authority.department("Tax Bureau", algorithm: .sm2)
        let other = try SealSigner(certificate: otherCertificate, key: otherKey, timeStampAuthority: department.authority.tsa)
        #expect(throws: OpenSSLError.self) {
            try other.sesSealed(dataHash: DigestAlgorithm.sm3.hash(document), propertyInfo: "x", seal: department.seal)
        }
        // ...and a signature made so anyway is refused by the certificate list check.
        let toBeSigned = SESSignature.toBeSigned(seal: department.seal, time: department.authority.now,
                                                 dataHash: DigestAlgorithm.sm3.hash(document), propertyInfo: "x")
        let forged = SESSignature.assemble(toBeSigned: toBeSigned, certificate: otherCertificate, signature: try otherKey.sign(toBeSigned),
                                           timeStampToken: nil)
        let borrowed = verifier.verify(ses: forged, content: document)
        #expect(borrowed.indication == .totalFailed)
        #expect(failed(borrowed) == [.signingCertificate])

        // A seal used after its validity period, proven by the time-stamp.
        let expired = try Self.department(validDays: -10...(-2))
        let late = try expired.signer.sesSealed(dataHash: DigestAlgorithm.sm3.hash(document), propertyInfo: "x", seal: expired.seal)
        let lateReport = expired.authority.verifier.verify(ses: late.der, content: document)
        #expect((lateReport.indication, lateReport.subIndication) == (.totalFailed, .expired))
        #expect(failed(lateReport) == [.sealValidity])

        // A seal whose maker signature was altered.
        var seal = department.seal.der
        seal[seal.count - 3] ^= 0x01
        let badSeal = try ElectronicSeal(der: seal)
        let withBadSeal = try signer.sesSealed(dataHash: DigestAlgorithm.sm3.hash(document), propertyInfo: "x", seal: badSeal)
        #expect(failed(verifier.verify(ses: withBadSeal.der, content: document)) == [.sealSignature])
        #expect(verifier.verify(ses: Array(sealed.der.dropLast()), content: document).subIndication == .formatFailure)
    }

    /// Some producers write raw r ‖ s: the same signature in either encoding verifies.
    @Test func rawSignaturesVerifyAsTheirDEREncoding() throws {
        let key = try PrivateKey.generate(.sm2)
        let authority = try TestAuthority(algorithm: .sm2)
        let certificate = try Certificate.issue(.root(name: "Raw", from: authority.now.adding(days: -1)), for: key, issuer: nil, issuerKey: key)
        let message = Array("raw r and s".utf8)
        for _ in 0..<8 {
            let der = try key.sign(message)
            let parts = try #require(TLV.read(der, at: 0)?.children(of: der))
            func fixed(_ element: TLV) -> [UInt8] {
                let value = Array(der[element.contentStart..<element.end].drop { $0 == 0 })
                return Array(repeating: 0, count: 32 - value.count) + value
            }
            let raw = fixed(parts[0]) + fixed(parts[1])
            #expect(SM2Signature.der(raw: raw) == der)
            #expect(SealVerifier.sm2Verifies(raw, over: message, by: certificate, algorithm: "1.2.156.10197.1.501"))
            #expect(!SealVerifier.sm2Verifies(raw, over: message + [0], by: certificate, algorithm: "1.2.156.10197.1.501"))
            #expect(!SealVerifier.sm2Verifies(der, over: message, by: certificate, algorithm: "1.2.840.10045.4.3.2"))
        }
    }

    /// A signature made by others (the KingGrid tax invoice) verifies cryptographically; its
    /// roots are not Seal's, so the verdict is INDETERMINATE, not a failure.
    @Test func aRealInvoiceSignatureIsIndeterminateUnderForeignTrust() throws {
        let (bytes, signatureXML) = try ElectronicSealTests.invoiceSignature()
        let authority = try TestAuthority(algorithm: .sm2)
        let report = authority.verifier.verify(ses: bytes, content: signatureXML)
        let passed = report.checks.filter { $0.outcome == .passed }.map(\.name)
        #expect(Set(passed).isSuperset(of: [.format, .sealSignature, .signingCertificate, .signature, .messageDigest]),
                "\(report.checks)")
        #expect(report.indication == .indeterminate)
        #expect(!report.checks.contains { $0.indication == .totalFailed })
    }

    /// Version 4 leaves the signer's certificate outside what is signed, so the seal's list must
    /// bind it; version 1 signs it, and its lists may hold identifiers only.
    @Test func theCertificateListBindsTheSignerOnlyWhereNothingElseDoes() throws {
        let seal = try ElectronicSeal(der: ElectronicSealTests.vector("seal_v1_ofdrw.esl"))
        let stranger = try TestAuthority(algorithm: .sm2).root
        #expect(SealVerifier.certificateListCheck(seal, signer: stranger, version: .v4).outcome == .failed)
        #expect(SealVerifier.certificateListCheck(seal, signer: stranger, version: .v1).outcome == .skipped)
        guard case .certificates(let listed) = seal.property.certificates, let first = listed.first else {
            Issue.record("the version 1 vector lists certificates")
            return
        }
        #expect(SealVerifier.certificateListCheck(seal, signer: try Certificate(der: first), version: .v1).outcome == .passed)
    }
}
