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

    @Test func anOFDsSignaturesAreListedWithWhatTheyProtect() throws {
        let output = try TestSupport.seal(["inspect", "--json", Self.ses.appendingPathComponent("v4_kinggrid_cq-tax-test_invoice.ofd").path])
        #expect(output.status == 0, "\(output.stderr)")
        let document = try JSONDecoder().decode(DocumentInspection.self, from: Data(output.stdout.utf8))
        #expect(document.kind == "ofd")
        #expect(document.pages == 5)
        let signature = try #require(document.signatures.first)
        #expect(document.signatures.count == 1)
        #expect((signature.id, signature.type, signature.location) == ("1", "Seal", "Sign_0/Signature.xml"))
        #expect((signature.references, signature.checkMethod) == (20, "1.2.156.10197.1.401"))
        #expect(signature.stamps == ["10: 90.0 8.0 30.0 20.0"])
        #expect(!signature.receipt)
        #expect(signature.problem == nil)
        #expect(signature.inspection?.seal.vendorID == "GOMAIN")
        #expect(signature.inspection?.signature?.propertyInfo == "/Doc_0/Signs/Sign_0/Signature.xml")
        let text = try TestSupport.seal(["inspect", Self.ses.appendingPathComponent("v4_kinggrid_cq-tax-test_invoice.ofd").path])
        #expect(text.stdout.hasPrefix("OFD document, 5 pages, 1 signature\n\nSignature 1 (Seal) at Sign_0/Signature.xml\n  protects:      20 files"))
    }

    @Test func aCAdESSealIsDescribed() throws {
        let seal = TestSupport.repository.appendingPathComponent("Fuzz/corpus/seal/valid.p7s").path
        let output = try TestSupport.seal(["inspect", "--json", seal])
        #expect(output.status == 0, "\(output.stderr)")
        let inspection = try JSON.decoder().decode(SealInspection.self, from: Data(output.stdout.utf8))
        #expect(inspection.kind == "cades")
        #expect(inspection.digestAlgorithm == "SHA-256")
        #expect(inspection.signer?.subject != nil)
        #expect(inspection.timeStamp != nil)
        #expect(inspection.receipt != nil)
        let text = try TestSupport.seal(["inspect", seal])
        #expect(text.stdout.hasPrefix("CAdES seal (detached CMS SignedData)\n  signer:"))
    }
}
