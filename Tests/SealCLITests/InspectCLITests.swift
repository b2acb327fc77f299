import Foundation
import Testing
import SealTestSupport
import SealService

/// `seal inspect` on seals and signatures made by others (Vectors/external/ses).
@Suite struct InspectCLITests {
    static let ses = TestSupport.repository.appendingPathComponent("Vectors/external/ses")

    @Test func aTaxInvoiceSignatureIsDescribedInJSON() throws {
        // The invoice's SignedValue.dat, as the fuzz corpus keeps it (taken out of the OFD unchanged).
        let path = TestSupport.repository.appendingPathComponent("Fuzz/corpus/ses/kinggrid_SignedValue.dat").path
        let output = try TestSupport.seal(["inspect", "--json", path])
        #expect(output.status == 0, "\(output.stderr)")
        let inspection = try JSONDecoder().decode(Inspection.self, from: Data(output.stdout.utf8))
        #expect(inspection.kind == "ses-signature")
        #expect(inspection.signature?.version == 4)
        #expect(inspection.signature?.propertyInfo == "/Doc_0/Signs/Sign_0/Signature.xml")
        #expect(inspection.signature?.signingTime == "2020-08-17T11:13:29Z")
        #expect(inspection.signature?.dataHash == "04de1f5f14983be0b6dee77b381543c57af679005238b2d3235a0066f79d23da")
        #expect(inspection.signature?.signer.issuer == "C=CN, CN=税务测试CA2(SM2)")
        #expect(inspection.seal.version == 4)
        #expect(inspection.seal.vendorID == "GOMAIN")
        #expect(inspection.seal.name == "测试全国统一发票监制章国家税务总局重庆市税务局")
        let picture = inspection.seal.picture
        #expect((picture.type, picture.bytes, picture.widthMillimetres, picture.heightMillimetres) == ("ofd", 2430, 30, 20))
        #expect(inspection.seal.certificates.map(\.sha256) == [inspection.signature?.signer.sha256])
    }

    @Test func aVersion1SealIsDescribedInText() throws {
        let output = try TestSupport.seal(["inspect", Self.ses.appendingPathComponent("seal_v1_ofdrw.esl").path])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Electronic seal, version 1, from vendor \"OFDR&WTest\"")
        #expect(lines.contains("  name:          OFDRW测试用印章 (type 1)"))
        #expect(lines.contains("  picture:       PNG, 15693 bytes, 40 × 40 mm"))
        #expect(lines.contains("  algorithm:     1.2.156.10197.1.501"))
    }

    @Test func whatIsNotASealIsABadInputAndAMissingFileIsSaidSo() throws {
        let readme = TestSupport.repository.appendingPathComponent("README.md").path
        let output = try TestSupport.seal(["inspect", readme])
        #expect(output.status == 65)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr == "seal: error: not a readable electronic seal or SES signature: \(readme): as an SES signature, "
                + "the signature is not valid DER (truncatedASN1Field); as a seal, the seal is not valid DER (truncatedASN1Field)\n")
        #expect(try TestSupport.seal(["inspect", "/nonexistent/seal.esl"]).status == 66)
    }
}
