import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// PDFs through a live daemon: sealed in place by Content-Type with the placement in the
/// query, verified whole, their receipts renewed; and the CLI over the socket does the same.
@Suite(.serialized) struct DaemonPDFTests {
    static let document = TestSupport.bytes(ExternalVectors.url("pdf/05-xref-stream_objstm_qpdf.pdf"))

    static func json(_ value: [String: String]) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: value)) }

    @Test func aPDFIsSealedVerifiedAndRenewedThroughTheAPI() throws {
        let daemon = try DaemonProcess.withAuthority("pdf", seals: ["civil"])
        defer { daemon.cleanUp() }
        let sealed = try daemon.request("POST", "/v1/seals/civil?page=1&x=20&y=30&width=35", body: Self.document, contentType: "application/pdf")
        #expect(sealed.status == 201, "\(String(decoding: sealed.body, as: UTF8.self))")
        #expect(sealed.header("Content-Type") == "application/pdf")
        #expect(sealed.header("Seal-Receipt") != nil)
        #expect(Array(sealed.body.prefix(Self.document.count)) == Self.document, "the original bytes stay as they were")

        let verified = try daemon.request("POST", "/v1/verify", body: try Self.json(["document": Data(sealed.body).base64EncodedString()]),
                                          contentType: "application/json")
        #expect(verified.status == 200)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.body))
        #expect(report.indication == .totalPassed, "\(report.signatures.map(\.report.checks))")
        #expect(report.signatures.map(\.level) == ["B-LT"])

        // A later seal grows the log; the renewed receipt is against the newer checkpoint.
        _ = try daemon.request("POST", "/v1/seals/civil", body: Array("grow".utf8))
        let renewed = try daemon.request("POST", "/v1/receipts", body: sealed.body, contentType: "application/pdf")
        #expect(renewed.status == 200, "\(String(decoding: renewed.body, as: UTF8.self))")
        #expect(renewed.header("Content-Type") == "application/pdf")
        #expect(Array(renewed.body.prefix(sealed.body.count)) == Array(sealed.body), "renewal appends a revision")
        let receipts = try SealService.receipts(ofPDF: Array(renewed.body))
        let before = try SealService.receipts(ofPDF: Array(sealed.body))
        #expect(receipts.count == 1 && before.count == 1)
        #expect((receipts[0].receipt?.treeSize ?? 0) > (before[0].receipt?.treeSize ?? .max))

        // Without LTV and without a stamp, as asked.
        let plain = try daemon.request("POST", "/v1/seals/civil?invisible=true&ltv=false", body: Self.document, contentType: "application/pdf")
        #expect(plain.status == 201)
        let plainReport = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(try daemon.request(
            "POST", "/v1/verify", body: try Self.json(["document": Data(plain.body).base64EncodedString()]), contentType: "application/json").body))
        #expect(plainReport.signatures.map(\.level) == ["B-T"])

        // Refusals: a JSON error with the right status, nothing sealed.
        let notPDF = try daemon.request("POST", "/v1/seals/civil", body: Array("plain text".utf8), contentType: "application/pdf")
        #expect(notPDF.status == 400)
        #expect(String(decoding: notPDF.body, as: UTF8.self).contains("the file does not start with %PDF-"))
        let badWidth = try daemon.request("POST", "/v1/seals/civil?width=5", body: Self.document, contentType: "application/pdf")
        #expect(badWidth.status == 400)
        #expect(String(decoding: badWidth.body, as: UTF8.self).contains("the stamp's width is 10 to 200 millimetres"))
        let encrypted = TestSupport.bytes(ExternalVectors.url("pdf/15-encrypted-aes256_sigfields_pyhanko.pdf"))
        let refused = try daemon.request("POST", "/v1/seals/civil", body: encrypted, contentType: "application/pdf")
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("the PDF is encrypted"))
        // A page box beyond any page, as a hostile file gives it (it once crashed the daemon):
        // refused, and the daemon serves on. The same page in a sane size is sealed.
        let hostile = try daemon.request("POST", "/v1/seals/civil", body: TestDocuments.pdf(mediaBox: "0 0 99999999999999999999.5 842"),
                                         contentType: "application/pdf")
        #expect(hostile.status == 400)
        #expect(String(decoding: hostile.body, as: UTF8.self).contains("the page's box reaches beyond ±1,000,000 units"))
        let sane = try daemon.request("POST", "/v1/seals/civil", body: TestDocuments.pdf(mediaBox: "0 0 595 842"), contentType: "application/pdf")
        #expect(sane.status == 201)
    }

    @Test func theCLIThroughTheSocketSealsAndVerifiesPDFsAsLocally() throws {
        let daemon = try DaemonProcess.withAuthority("pdf-cli", seals: ["civil"])
        defer { daemon.cleanUp() }
        let input = daemon.scratch.appendingPathComponent("licence.pdf")
        try Data(Self.document).write(to: input)
        let signed = try daemon.seal(["sign", input.path, "--seal", "civil", "--width", "30"])
        #expect(signed.status == 0, "\(signed.stderr)")
        let output = daemon.scratch.appendingPathComponent("licence.sealed.pdf").path
        let local = try daemon.seal(["verify", output], socket: false)
        let remote = try daemon.seal(["verify", output])
        #expect(local.status == 0 && remote.status == 0, "\(local.stdout) \(remote.stdout)")
        #expect(local.stdout == remote.stdout)
        let receipt = try daemon.seal(["receipt", output, "--json"])
        #expect(receipt.status == 0)
        #expect(receipt.stdout.contains("\"signature\" : \"Seal1\""))
    }
}
