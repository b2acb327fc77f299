import Foundation
import Testing
import SealTestSupport
import SealService
import SealPDF
import SealCore

/// PDFs sealed in place through the CLI, judged by tools Seal did not write: pyHanko, qpdf,
/// poppler's pdfsig and pdftoppm; and what Seal says of others' signatures and of documents
/// changed after sealing.
@Suite(.serialized) struct PDFCLITests {
    static let environment = ["SEAL_PASSPHRASE": "pdf cli passphrase"]
    static let vectors = ["01-classic-xref_google-docs-skia.pdf", "03-xref-stream_objstm_acroform_pdftex.pdf",
                          "05-xref-stream_objstm_qpdf.pdf", "09-incremental-3-revisions_qpdf.pdf",
                          "11-empty-sigfield_indirect-annots_pyhanko.pdf", "14-pades-lta_dss_doctimestamp_pyhanko.pdf"]
    /// The shared vectors, and a linearized file qpdf makes from the first.
    static let positive = vectors + ["20-linearized_qpdf.pdf"]

    /// An ECDSA authority with seal "civil", every positive vector sealed with B-LT, and one
    /// sealed without it.
    final class Fixture: Sendable {
        let base: URL
        init() throws {
            base = try TestSupport.scratchDirectory("pdf-cli")
            let env = PDFCLITests.environment
            try Self.require(TestSupport.seal(["init", "--data", "data", "--name", "Test Province Authority"], environment: env, in: base))
            try Self.require(TestSupport.seal(["enroll", "civil", "--data", "data", "--department", "Civil Registry 民政局"], environment: env, in: base))
            try Self.require(TestSupport.seal(["trust", "export", "--data", "data", "-o", "trust.pem"], in: base))
            for name in PDFCLITests.vectors + ["13-certified_docmdp-perms_pyhanko.pdf", "15-encrypted-aes256_sigfields_pyhanko.pdf",
                                                "negative/N2-byterange-gap-too-big_pyhanko.pdf"] {
                try Data(TestSupport.bytes(ExternalVectors.url("pdf/" + name))).write(to: base.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent))
            }
            // qpdf writes a linearized copy: its first-page cross-reference comes first in the file.
            try Self.require(TestSupport.run("qpdf", ["--linearize", "01-classic-xref_google-docs-skia.pdf", "20-linearized_qpdf.pdf"], in: base))
            try Self.require(TestSupport.run("qpdf", ["--check-linearization", "20-linearized_qpdf.pdf"], in: base))
            try Self.require(TestSupport.seal(["sign", "--data", "data", "--seal", "civil"] + PDFCLITests.positive, environment: env, in: base))
            try Self.require(TestSupport.seal(["sign", "--data", "data", "--seal", "civil", "--no-ltv", "-o", "plain.sealed.pdf",
                                               "01-classic-xref_google-docs-skia.pdf"], environment: env, in: base))
        }
        deinit { TestSupport.cleanUp(base) }

        static func require(_ output: TestSupport.Output) throws {
            guard output.status == 0 else { throw Failure(description: output.stderr) }
        }
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
        func bytes(_ name: String) -> [UInt8] { TestSupport.bytes(base.appendingPathComponent(name)) }
        func write(_ bytes: [UInt8], _ name: String) throws { try Data(bytes).write(to: base.appendingPathComponent(name)) }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }
    static let fixture = Result { try Fixture() }

    static func sealed(_ name: String) -> String { String(name.dropLast(4)) + ".sealed.pdf" }

    /// pyHanko's one line for `field`.
    static func pyHanko(_ file: String, field: String, in fixture: Fixture, strict: Bool = true) throws -> String {
        let output = try TestSupport.run("pyhanko", ["sign", "validate"] + (strict ? [] : ["--no-strict-syntax"])
                                         + ["--trust", "trust.pem", "--trust-replace", "--no-revocation-check", file], in: fixture.base)
        return output.stdout.split(separator: "\n").first { $0.hasPrefix(field + ":") }.map(String.init) ?? "no line for \(field): \(output.stdout)\(output.stderr)"
    }

    @Test(arguments: positive)
    func everyProducersFileSealsAndStandardToolsAgree(name: String) throws {
        let fixture = try Self.fixture.get()
        let file = Self.sealed(name)
        // pyHanko: intact, trusted, time-stamped; B-LT adds the DSS, an accepted modification.
        // The qpdf test file keeps a dangling trailer reference, which pyHanko reads leniently.
        let line = try Self.pyHanko(file, field: "Seal1", in: fixture, strict: !name.hasPrefix("09"))
        #expect(line.hasSuffix(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES,ACCEPTABLE_MODIFICATIONS"), "\(line)")
        if name.hasPrefix("14") {
            // The earlier signatures stay intact (their roots are not trusted here).
            for field in ["Sig1", "Sig2"] {
                let earlier = try Self.pyHanko(file, field: field, in: fixture)
                #expect(earlier.contains(":INTACT:UNTRUSTED,"), "\(earlier)")
            }
        }
        let check = try TestSupport.run("qpdf", ["--check", file], in: fixture.base)
        #expect(check.status == 0, "\(check.stdout)")
        let pdfsig = try TestSupport.run("pdfsig", [file], in: fixture.base)
        let ours = pdfsig.stdout.components(separatedBy: "Signature #").first { $0.contains("Seal1") } ?? ""
        #expect(ours.contains("Signature Validation: Signature is Valid."), "\(pdfsig.stdout)")
        #expect(ours.contains("Signature Type: ETSI.CAdES.detached"))

        let verified = try TestSupport.seal(["verify", file, "--trust", "trust.pem", "--json"], in: fixture.base)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        let seal = try #require(report.signatures.last)
        #expect(seal.id == "Seal1")
        #expect(seal.report.indication == .totalPassed, "\(seal.report.checks)")
        #expect(seal.level == "B-LT")
        #expect(seal.report.archive.status == .archived)
        // Offline, with no CRL given, revocation is judged by the CRL the B-LT revision embedded.
        #expect(seal.report.revocation.status == .good && seal.report.revocation.source == "crl", "\(seal.report.revocation)")
        // That revision's DSS names the seal's validation data under its VRI key.
        let pdf = try PDFFile(bytes: fixture.bytes(file))
        let signature = try #require(try pdf.signatures().last)
        let store = try #require(try pdf.objects.dictionary(try pdf.objects.dictionary(PDFObject.reference(pdf.root))?["DSS"]))
        let key = SHA1.hash(signature.contents).map { String(format: "%02X", $0) }.joined()
        let vri = try #require(try pdf.objects.dictionary(try pdf.objects.dictionary(store["VRI"])?[key]), "no VRI entry \(key)")
        #expect(vri["Cert"]?.array?.count == 3 && vri["CRL"]?.array?.count == 1, "the seal, the root and the TSA; the current CRL")
        #expect(verified.status == (name.hasPrefix("14") ? 2 : 0), "others' signatures in 14 chain to roots not trusted here")
    }

    @Test func withoutLTVTheSealIsUntouchedAndBT() throws {
        let fixture = try Self.fixture.get()
        let line = try Self.pyHanko("plain.sealed.pdf", field: "Seal1", in: fixture)
        #expect(line.hasSuffix(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"), "\(line)")
        let verified = try TestSupport.seal(["verify", "plain.sealed.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(verified.status == 0, "\(verified.stdout)")
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        #expect(report.signatures.map(\.level) == ["B-T"])
    }

    /// A page rendered by poppler as PPM: width, height and RGB pixels.
    static func render(_ file: String, page: Int, in fixture: Fixture) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let prefix = "render-\(UUID().uuidString.prefix(8))"
        let output = try TestSupport.run("pdftoppm", ["-r", "36", "-f", "\(page)", "-l", "\(page)", "-singlefile", file, prefix], in: fixture.base)
        guard output.status == 0 else { throw Failure(description: output.stderr) }
        let ppm = fixture.bytes(prefix + ".ppm")
        // "P6\nW H\n255\n" then the pixels.
        var fields: [Int] = [], index = 2, current = ""
        while fields.count < 3, index < ppm.count {
            let byte = ppm[index]
            index += 1
            if byte == 0x20 || byte == 0x0A { if !current.isEmpty { fields.append(Int(current)!); current = "" } } else { current.append(Character(Unicode.Scalar(byte))) }
        }
        return (fields[0], fields[1], Array(ppm[index...]))
    }

    @Test func theStampShowsInItsRectangleAndNowhereElse() throws {
        let fixture = try Self.fixture.get()
        let original = "01-classic-xref_google-docs-skia.pdf", sealed = Self.sealed(original)
        let before = try Self.render(original, page: 1, in: fixture), after = try Self.render(sealed, page: 1, in: fixture)
        #expect((before.width, before.height) == (after.width, after.height))
        // The widget's rectangle, in pixels from the top left (36 dpi: half a pixel per point).
        let file = try PDFFile(bytes: fixture.bytes(sealed))
        let page = try file.objects.pages(root: file.root)[0]
        let widget = try #require(try file.objects.fields(root: file.root).last?.dictionary)
        let rect = try #require(try file.objects.rectangle(widget["Rect"]))
        let scale = 36.0 / 72.0
        let box = (left: (rect[0] - page.box[0]) * scale - 1, right: (rect[2] - page.box[0]) * scale + 1,
                   top: (page.box[3] - rect[3]) * scale - 1, bottom: (page.box[3] - rect[1]) * scale + 1)
        var inside = 0, outside = 0
        for y in 0..<before.height {
            for x in 0..<before.width {
                let offset = (y * before.width + x) * 3
                guard before.pixels[offset..<(offset + 3)] != after.pixels[offset..<(offset + 3)] else { continue }
                let within = Double(x) >= box.left && Double(x) <= box.right && Double(y) >= box.top && Double(y) <= box.bottom
                if within { inside += 1 } else { outside += 1 }
            }
        }
        #expect(inside > 200, "the stamp changed \(inside) pixels")
        #expect(outside == 0)
    }

    @Test func aRevisionThatRewritesThePageFailsAsModified() throws {
        let fixture = try Self.fixture.get()
        let file = try PDFFile(bytes: fixture.bytes(Self.sealed("01-classic-xref_google-docs-skia.pdf")))
        let page = try file.objects.pages(root: file.root)[0]
        let contents = try #require(page.dictionary["Contents"]?.reference)
        var update = PDFIncrementalUpdate(file)
        update.set(contents, .stream(PDFDictionary(), Array("BT /F1 24 Tf 72 720 Td (Void) Tj ET".utf8)))
        try fixture.write(update.write(), "forged.pdf")
        let verified = try TestSupport.seal(["verify", "forged.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(verified.status == 1)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        #expect(report.indication == .totalFailed)
        let check = try #require(report.signatures.first?.report.decidingCheck)
        #expect(check.subIndication == .modifiedAfterSealing)
        #expect(check.detail == "the document was modified after sealing: object \(contents.number) (a content stream) was changed")
    }

    @Test func aByteFlippedInsideTheSignedRangeFails() throws {
        let fixture = try Self.fixture.get()
        var bytes = fixture.bytes("plain.sealed.pdf")
        // A byte of the original's first stream: the structure still reads, the digest does not match.
        let stream = try #require(bytes.firstRange(of: Array("stream\n".utf8)))
        bytes[stream.upperBound + 5] ^= 0x01
        try fixture.write(bytes, "flipped.pdf")
        let verified = try TestSupport.seal(["verify", "flipped.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(verified.status == 1)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        #expect(report.signatures.first?.report.subIndication == .hashFailure)
    }

    @Test func othersSignaturesAreReportedOneByOne() throws {
        let fixture = try Self.fixture.get()
        let anomaly = try TestSupport.seal(["verify", "N2-byterange-gap-too-big_pyhanko.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(anomaly.status == 1)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(anomaly.stdout.utf8))
        #expect(report.signatures.first?.report.checks.first { $0.name == .byteRange }?.subIndication == .formatFailure)

        let lta = try TestSupport.seal(["verify", "14-pades-lta_dss_doctimestamp_pyhanko.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        let levels = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(lta.stdout.utf8)).signatures.map(\.level)
        #expect(levels == ["B-LTA", "document time-stamp", "B-LT"])
        #expect(lta.status == 2, "their roots are not trusted here: INDETERMINATE")
    }

    @Test func aRenewedReceiptGoesInALaterRevisionThatValidatorsAccept() throws {
        let fixture = try Self.fixture.get()
        try fixture.write(fixture.bytes("plain.sealed.pdf"), "renewed.pdf")
        try fixture.write(Array("grow the log".utf8), "grow.txt")
        try Fixture.require(TestSupport.seal(["sign", "--data", "data", "--seal", "civil", "grow.txt"], environment: Self.environment, in: fixture.base))
        let before = try TestSupport.seal(["receipt", "renewed.pdf", "--json"], in: fixture.base)
        let refreshed = try TestSupport.seal(["receipt", "renewed.pdf", "--refresh", "--data", "data", "--json"], in: fixture.base)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        struct Item: Decodable { let signature: String; let receipt: Tree? }
        struct Tree: Decodable { let index: Int; let treeSize: Int }
        let old = try JSONDecoder().decode([Item].self, from: Data(before.stdout.utf8))
        let new = try JSONDecoder().decode([Item].self, from: Data(refreshed.stdout.utf8))
        #expect(new.map(\.signature) == ["Seal1"])
        #expect(new[0].receipt?.index == old[0].receipt?.index)
        #expect((new[0].receipt?.treeSize ?? 0) > (old[0].receipt?.treeSize ?? .max))
        #expect(Array(fixture.bytes("renewed.pdf").prefix(fixture.bytes("plain.sealed.pdf").count)) == fixture.bytes("plain.sealed.pdf"))

        let verified = try TestSupport.seal(["verify", "renewed.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(verified.status == 0, "\(verified.stdout)")
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        #expect(report.signatures.first?.report.archive.treeSize == new[0].receipt?.treeSize)
        let line = try Self.pyHanko("renewed.pdf", field: "Seal1", in: fixture)
        #expect(line.contains(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,") && line.hasSuffix(",ACCEPTABLE_MODIFICATIONS"), "\(line)")
    }

    /// A sealed PDF is revoked like any seal: online, its seal then fails as revoked.
    @Test func aSealedPDFIsRevokedByItsNewestSeal() throws {
        let fixture = try Self.fixture.get()
        try Fixture.require(TestSupport.seal(["sign", "--data", "data", "--seal", "civil", "--invisible", "-o", "withdrawn.pdf",
                                              "05-xref-stream_objstm_qpdf.pdf"], environment: Self.environment, in: fixture.base))
        let revoked = try TestSupport.seal(["revoke", "withdrawn.pdf", "--data", "data", "--reason", "withdrawn"], environment: Self.environment, in: fixture.base)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.hasPrefix("Revoked withdrawn.pdf (withdrawn) as archive entry "))
        let verified = try TestSupport.seal(["verify", "withdrawn.pdf", "--data", "data", "--json"], in: fixture.base)
        #expect(verified.status == 1)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        #expect(report.signatures.last?.report.subIndication == .revoked)
        // A PDF with no seal of Seal's names what is missing.
        let none = try TestSupport.seal(["revoke", "05-xref-stream_objstm_qpdf.pdf", "--data", "data", "--reason", "withdrawn"],
                                        environment: Self.environment, in: fixture.base)
        #expect(none.stderr == "seal: error: 05-xref-stream_objstm_qpdf.pdf carries no seal\n")
    }

    @Test(arguments: [
        ("13-certified_docmdp-perms_pyhanko.pdf", "seal: error: the PDF is certified with no changes allowed (DocMDP P=1): its author forbade further signatures\n"),
        ("15-encrypted-aes256_sigfields_pyhanko.pdf", "seal: error: the PDF is encrypted; Seal seals and verifies only unencrypted PDFs\n"),
    ])
    func refusalsWriteNothing(name: String, message: String) throws {
        let fixture = try Self.fixture.get()
        let refused = try TestSupport.seal(["sign", "--data", "data", "--seal", "civil", name], environment: Self.environment, in: fixture.base)
        #expect(refused.status != 0)
        #expect(refused.stderr == message)
        #expect(!FileManager.default.fileExists(atPath: fixture.path(Self.sealed(name))))
    }

    @Test func aFileWhoseCrossReferencesDoNotReadIsRefusedWithNothingWritten() throws {
        let fixture = try Self.fixture.get()
        try fixture.write(Array("%PDF-1.4\n1 0 obj\n<</Type/Catalog>>\nendobj\nstartxref\n999999\n%%EOF\n".utf8), "broken.pdf")
        let refused = try TestSupport.seal(["sign", "--data", "data", "--seal", "civil", "broken.pdf"], environment: Self.environment, in: fixture.base)
        #expect(refused.status == 65)
        #expect(refused.stderr == "seal: error: malformed PDF at byte 42: startxref 999999 is outside the file\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("broken.sealed.pdf")))
    }

    /// `file` with its first signature's CMS turned into BER: the outer SEQUENCE with an
    /// indefinite length (two header bytes and two end-of-contents bytes for the four header
    /// bytes of DER, so it fits in place). No signature covers /Contents.
    static func withBERContents(_ bytes: [UInt8]) throws -> [UInt8] {
        let signature = try #require(try PDFFile(bytes: bytes).signatures().first)
        let der = signature.contents
        try #require(der[0] == 0x30 && der[1] == 0x82)
        let ber = [0x30, 0x80] + der[4...] + [0x00, 0x00]
        var out = bytes
        let hex = Array(ber.map { String(format: "%02X", $0) }.joined().utf8)
        out.replaceSubrange((signature.byteRange[1] + 1)..<(signature.byteRange[1] + 1 + hex.count), with: hex)
        return out
    }

    @Test func othersBERIsReadButSealsOwnMustBeDER() throws {
        let fixture = try Self.fixture.get()
        try fixture.write(try Self.withBERContents(fixture.bytes("13-certified_docmdp-perms_pyhanko.pdf")), "ber.pdf")
        let foreign = try TestSupport.seal(["verify", "ber.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(foreign.stdout.utf8))
        let checks = try #require(report.signatures.first?.report.checks)
        #expect(checks.first { $0.name == .format }?.outcome == .passed)
        #expect(checks.first { $0.name == .signature }?.outcome == .passed, "\(checks)")
        #expect(checks.first { $0.name == .messageDigest }?.outcome == .passed)

        try fixture.write(try Self.withBERContents(fixture.bytes("plain.sealed.pdf")), "ber-seal.pdf")
        let own = try TestSupport.seal(["verify", "ber-seal.pdf", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(own.status == 1)
        let ownReport = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(own.stdout.utf8))
        let format = try #require(ownReport.signatures.first?.report.decidingCheck)
        #expect(format.name == .format && format.subIndication == .formatFailure, "\(format)")
    }

    @Test func aFileNamedPDFThatIsNotOneNamesTheWayOut() throws {
        let fixture = try Self.fixture.get()
        try fixture.write(Array("plain text".utf8), "note.pdf")
        let refused = try TestSupport.seal(["sign", "--data", "data", "--seal", "civil", "note.pdf"], environment: Self.environment, in: fixture.base)
        #expect(refused.stderr == "seal: error: note.pdf is named .pdf but is not a PDF file (seal it with --format detached)\n")
        let detached = try TestSupport.seal(["sign", "--data", "data", "--seal", "civil", "--format", "detached", "note.pdf"],
                                            environment: Self.environment, in: fixture.base)
        #expect(detached.status == 0, "\(detached.stderr)")
        #expect(FileManager.default.fileExists(atPath: fixture.path("note.pdf.p7s")))
    }
}
