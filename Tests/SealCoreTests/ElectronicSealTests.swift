import Foundation
import Testing
import SealTestSupport
@testable import SealCore

/// GB/T 38540 and GM/T 0031 seals and signatures made by others, read as received. What Seal
/// takes as "the signed bytes" is checked by OpenSSL itself: `openssl dgst -sm3 -verify` with the
/// GB/T 35276 default SM2 ID over exactly those bytes, with the key from the certificate Seal found.
@Suite struct ElectronicSealTests {
    static func vector(_ name: String) -> [UInt8] { TestSupport.bytes(ExternalVectors.url("ses/\(name)")) }

    /// OpenSSL's verdict on an SM2-with-SM3 signature over `message` by `certificate`'s key.
    static func opensslVerifies(_ signature: [UInt8], over message: [UInt8], certificate: [UInt8]) throws -> Bool {
        let scratch = try TestSupport.scratchDirectory("ses")
        defer { TestSupport.cleanUp(scratch) }
        let files = ["cert.der": certificate, "message.bin": message, "signature.bin": signature]
        for (name, bytes) in files { try Data(bytes).write(to: scratch.appendingPathComponent(name)) }
        let key = try TestSupport.run("openssl", ["x509", "-inform", "DER", "-in", "cert.der", "-pubkey", "-noout", "-out", "key.pem"], in: scratch)
        #expect(key.status == 0, "\(key.stderr)")
        let verify = try TestSupport.run("openssl", ["dgst", "-sm3", "-verify", "key.pem", "-sigopt", "distid:1234567812345678",
                                                     "-signature", "signature.bin", "message.bin"], in: scratch)
        return verify.status == 0 && verify.stdout.contains("Verified OK")
    }

    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func version4SealReadsAsReceivedAndItsMakerSignatureVerifies() throws {
        let seal = try ElectronicSeal(der: Self.vector("seal_v4_ofdrw.esl"))
        #expect(seal.version == .v4)
        #expect(seal.header == ElectronicSeal.Header(id: "ES", version: 4, vendorID: "OFDR&WTest"))
        #expect(seal.identifier == "51f044b76510434e9bc67a1185c2fba5")
        #expect(seal.property.type == 3)
        #expect(seal.property.name == "OFD R&W 测试用印章")
        #expect(seal.property.createDate == Self.utc("2020-04-22T02:09:00Z"))
        #expect(seal.property.validEnd == Self.utc("2022-04-22T02:09:00Z"))
        guard case .certificates(let certificates) = seal.property.certificates else {
            Issue.record("certificate list type 1 should hold certificates")
            return
        }
        #expect(certificates.count == 1)
        #expect(seal.picture.type == "PNG")
        #expect(Array(seal.picture.data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect((seal.picture.widthMillimetres, seal.picture.heightMillimetres) == (40, 40))
        #expect(seal.signatureAlgorithm == "1.2.156.10197.1.501")
        #expect(seal.der == Self.vector("seal_v4_ofdrw.esl"))
        // The maker signed SES_SealInfo's bytes as they stand in the file (offset 4, 16,393 bytes).
        #expect(seal.signedBytes == Array(seal.der[4..<(4 + 4 + 16_389)]))
        #expect(try Self.opensslVerifies(seal.signature, over: seal.signedBytes, certificate: seal.makerCertificate))
    }

    @Test func version1SealSignsSealInfoCertificateAndAlgorithmTogether() throws {
        let seal = try ElectronicSeal(der: Self.vector("seal_v1_ofdrw.esl"))
        #expect(seal.version == .v1)
        #expect(seal.header.version == 1)
        #expect(seal.property.type == 1)
        #expect(seal.property.name == "OFDRW测试用印章")
        #expect(seal.property.validStart == Self.utc("2020-04-22T02:18:07Z"))
        guard case .certificates(let certificates) = seal.property.certificates else {
            Issue.record("a version 1 list of OCTET STRINGs should hold certificates")
            return
        }
        #expect(certificates.first?.count == 528)
        #expect(try Self.opensslVerifies(seal.signature, over: seal.signedBytes, certificate: seal.makerCertificate))
        // Not over SES_SealInfo alone, as in version 4.
        let sealInfo = Array(seal.der[4..<(4 + 4 + 16_377)])
        #expect(try !Self.opensslVerifies(seal.signature, over: sealInfo, certificate: seal.makerCertificate))
    }

    @Test func anotherVendorsSealReadsAndItsBadMakerSignatureFails() throws {
        let seal = try ElectronicSeal(der: Self.vector("seal_v4_hebei-gede_badsig.der"))
        #expect(seal.version == .v4)
        #expect(seal.picture.type.uppercased() == "GIF")
        guard case .certificates(let certificates) = seal.property.certificates else {
            Issue.record("certificate list type 1 should hold certificates")
            return
        }
        #expect(certificates.count == 2)
        #expect(seal.extensions.count == 3)
        #expect(seal.extensions.filter(\.critical).count == 1)
        #expect(try !Self.opensslVerifies(seal.signature, over: seal.signedBytes, certificate: seal.makerCertificate))
    }

    /// The KingGrid tax invoice's SignedValue.dat, taken out of the OFD package by Python's zipfile.
    static func invoiceSignature() throws -> (signature: [UInt8], signatureXML: [UInt8]) {
        let scratch = try TestSupport.scratchDirectory("ofd")
        defer { TestSupport.cleanUp(scratch) }
        let script = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        open('SignedValue.dat', 'wb').write(z.read('Doc_0/Signs/Sign_0/SignedValue.dat'))
        open('Signature.xml', 'wb').write(z.read('Doc_0/Signs/Sign_0/Signature.xml'))
        """
        let output = try TestSupport.run("python3", ["-c", script, ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd").path], in: scratch)
        #expect(output.status == 0, "\(output.stderr)")
        return (TestSupport.bytes(scratch.appendingPathComponent("SignedValue.dat")),
                TestSupport.bytes(scratch.appendingPathComponent("Signature.xml")))
    }

    @Test func aRealInvoiceSignatureReadsAndBothSignaturesVerify() throws {
        let (bytes, signatureXML) = try Self.invoiceSignature()
        let signature = try SESSignature(der: bytes)
        #expect(signature.version == .v4)
        #expect(signature.seal.version == .v4)
        #expect(signature.propertyInfo == "/Doc_0/Signs/Sign_0/Signature.xml")
        #expect(signature.signatureAlgorithm == "1.2.156.10197.1.501")
        #expect(signature.signingTime != nil)
        #expect(signature.timeStampToken == nil)
        // dataHash is SM3 of Signature.xml's bytes, as OpenSSL computes it.
        let scratch = try TestSupport.scratchDirectory("sm3")
        defer { TestSupport.cleanUp(scratch) }
        try Data(signatureXML).write(to: scratch.appendingPathComponent("Signature.xml"))
        let sm3 = try TestSupport.run("openssl", ["dgst", "-sm3", "-binary", "-out", "hash.bin", "Signature.xml"], in: scratch)
        #expect(sm3.status == 0, "\(sm3.stderr)")
        #expect(signature.dataHash == TestSupport.bytes(scratch.appendingPathComponent("hash.bin")))
        // The signer signed TBS_Sign as received; the seal's maker signed its SES_SealInfo.
        #expect(try Self.opensslVerifies(signature.signature, over: signature.signedBytes, certificate: signature.signerCertificate))
        #expect(try Self.opensslVerifies(signature.seal.signature, over: signature.seal.signedBytes, certificate: signature.seal.makerCertificate))
        // In version 4 the signer's certificate is outside the signed bytes: it is one of the seal's.
        guard case .certificates(let certificates) = signature.seal.property.certificates else {
            Issue.record("the invoice's seal should list certificates")
            return
        }
        #expect(certificates.contains(signature.signerCertificate))
    }

    @Test func hostileInputIsRefusedWithAReason() throws {
        let seal = Self.vector("seal_v4_ofdrw.esl")
        #expect(throws: SESFormatError("the seal is larger than \(ElectronicSeal.maximumSize) bytes")) {
            try ElectronicSeal(der: Array(repeating: 0x30, count: ElectronicSeal.maximumSize + 1))
        }
        // Every truncation, and a seal read as a signature, fails with a reason and never traps.
        for length in stride(from: 0, to: seal.count, by: 97) {
            #expect(throws: SESFormatError.self) { try ElectronicSeal(der: Array(seal.prefix(length))) }
        }
        #expect(throws: SESFormatError("TBS_Sign has 4 elements")) {
            // A seal has four elements too, but its first (SES_SealInfo) is no TBS_Sign.
            _ = try SESSignature(der: seal)
        }
        // The header must say "ES" (its IA5String's content starts at offset 12).
        var renamed = seal
        renamed[12] = UInt8(ascii: "X")
        #expect(throws: SESFormatError("the header ID is \"XS\", not \"ES\"")) { try ElectronicSeal(der: renamed) }
    }
}
