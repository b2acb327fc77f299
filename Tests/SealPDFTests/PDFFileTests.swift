import Foundation
import Testing
import SealTestSupport
import SealCore
@testable import SealPDF

/// The strict reader against PDFs from several producers, and what it refuses.
@Suite struct PDFFileTests {
    static func vector(_ name: String) -> [UInt8] { TestSupport.bytes(ExternalVectors.url("pdf/" + name)) }

    @Test(arguments: [
        ("01-classic-xref_google-docs-skia.pdf", PDFXrefSection.Form.table, 1, 1),
        ("03-xref-stream_objstm_acroform_pdftex.pdf", .stream, 1, 1),
        ("05-xref-stream_objstm_qpdf.pdf", .stream, 1, 1),
        ("09-incremental-3-revisions_qpdf.pdf", .table, 3, 1),
        ("11-empty-sigfield_indirect-annots_pyhanko.pdf", .table, 2, 1),
        ("13-certified_docmdp-perms_pyhanko.pdf", .table, 2, 1),
        ("14-pades-lta_dss_doctimestamp_pyhanko.pdf", .table, 7, 1),
    ])
    func readsEveryProducersFile(name: String, form: PDFXrefSection.Form, revisions: Int, minimumPages: Int) throws {
        let file = try PDFFile(bytes: Self.vector(name))
        #expect(file.sections[0].form == form)
        #expect(file.sections.count == revisions)
        let pages = try file.objects.pages(root: file.root)
        #expect(pages.count >= minimumPages)
        // Every object in use reads, and the scan for references (which the judging of later
        // revisions walks) finds exactly the references the parsed object holds.
        for number in file.objects.numbers {
            let reference = PDFReference(number, generation(of: number, in: file))
            let parsed = try file.objects.object(reference).references.map(\.number)
            #expect(try file.objects.referencedNumbers(of: number).sorted() == parsed.sorted(), "object \(number)")
        }
    }

    /// The scan skips what only spells a reference: strings, hex strings, comments, names.
    @Test func theReferenceScanSkipsTextThatSpellsAReference() {
        let object = Array("7 0 obj <</A 1 0 R/B(2 0 R \\) 3 0 R)/C<20> 4 0 R % 5 0 R\n/D[6 0 R /7 0 R 8 9 R]/E 10 0 R>>stream\n11 0 R".utf8)
        #expect(PDFParser.referencedNumbers(object, from: 7) == [1, 4, 6, 8, 10])
    }

    func generation(of number: Int, in file: PDFFile) -> Int {
        if case .offset(_, let generation)? = file.objects.entries[number] { return generation }
        return 0
    }

    @Test func refusesEncryptedFiles() throws {
        #expect(throws: PDFError.refused("the PDF is encrypted; Seal seals and verifies only unencrypted PDFs")) {
            try PDFFile(bytes: Self.vector("15-encrypted-aes256_sigfields_pyhanko.pdf"))
        }
    }

    @Test func readsTheFormOfAPdfTeXFileFromItsObjectStream() throws {
        let file = try PDFFile(bytes: Self.vector("03-xref-stream_objstm_acroform_pdftex.pdf"))
        let fields = try file.objects.fields(root: file.root)
        #expect(fields.count == 3)
        #expect(try file.objects.acroForm(root: file.root)?["NeedAppearances"] == .boolean(true))
    }

    @Test func parsesEveryObjectSyntax() throws {
        var parser = PDFParser(Array("<</A [1 -2 +3.5 .25 (a\\(b\\)\\n\\101) <48 65 6c6> /N#20x true null 4 0 R]>>".utf8))
        let object = try parser.object()
        #expect(object == .dictionary(PDFDictionary(["A": .array([
            .integer(1), .integer(-2), .real("3.5"), .real(".25"), .string(Array("a(b)\nA".utf8)), .string([0x48, 0x65, 0x6C, 0x60]),
            .name("N x"), .boolean(true), .null, .reference(PDFReference(4)),
        ])])))
        // What Seal writes reads back as the same object.
        var again = PDFParser(PDFSerializer.bytes(object))
        #expect(try again.object() == object)
    }

    @Test func writesEveryObjectInOneSpelling() {
        let stream = PDFObject.stream(PDFDictionary(["Length": .integer(99), "Filter": .name("FlateDecode"), "Skip": .null]), [1, 2, 3])
        let object = PDFObject.array([.integer(0), .integer(-2_048), .integer(.max), .integer(.min), .boolean(false), .null,
                                      .reference(PDFReference(12, 3)), .name("A b"), .string(Array("(x)".utf8)), stream])
        let expected = "[0 -2048 9223372036854775807 -9223372036854775808 false null 12 3 R /A#20b (\\(x\\)) "
            + "<</Filter /FlateDecode/Length 3>>\nstream\n\u{1}\u{2}\u{3}\nendstream]"
        #expect(String(decoding: PDFSerializer.bytes(object), as: UTF8.self) == expected)
        var token: [UInt8] = []
        PDFSerializer.put(">", to: &token)
        PDFSerializer.put("<<", to: &token)
        #expect(token == Array("><<".utf8), "a one-character literal too")
        for (value, width, text) in [(0, 10, "0000000000"), (65_535, 5, "65535"), (7, 1, "7"), (123_456, 3, "123456"), (-5, 1, "-5")] {
            var out: [UInt8] = []
            PDFSerializer.putDecimal(value, width: width, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == text)
        }
    }

    @Test(arguments: [
        ("<</A 1 /A 2>>", "the key /A appears twice in a dictionary"),
        ("[1 2", "unterminated array"),
        ("<4G>", "a non-hex character in a hex string"),
        ("(abc", "unterminated string"),
        (String(repeating: "[", count: 100), "objects nested more than 64 deep"),
    ])
    func refusesMalformedObjects(text: String, reason: String) {
        var parser = PDFParser(Array(text.utf8))
        #expect {
            try parser.object()
        } throws: { error in
            guard case .malformed(let what, _) = error as? PDFError else { return false }
            return what == reason
        }
    }

    /// A signature's byte-range gap is checked against its /Contents without decoding a copy:
    /// the check must agree with decoding and comparing.
    @Test(arguments: [
        ("0A1b", [0x0A, 0x1B] as [UInt8], true),
        ("0A1B", [0x0A, 0x1C], false),
        ("0A1", [0x0A], false),
        ("0G", [0x00], false),
        ("G0", [0x00], false),
        ("fF9a", [0xFF, 0x9A], true),
        ("0\u{0}", [0x00], false),
        ("é", [0xC3], false),
        ("0A", [0x0A, 0x00], false),
        ("0A00", [0x0A], false),
        ("", [], true),
    ])
    func checksHexDigitsAgainstBytes(digits: String, bytes: [UInt8], spelled: Bool) {
        #expect(PDFParser.hexPairs(ArraySlice(digits.utf8), spell: bytes) == spelled)
        #expect((PDFParser.hexPairs(ArraySlice(digits.utf8)) == bytes) == spelled)
    }

    /// A byte range may end just past a `%%EOF`, or past the CR, LF or CR LF right after it;
    /// nowhere else, and not past a second end of line.
    @Test func revisionsEndJustPastAnEndOfFileMarker() throws {
        let body = "%PDF-1.4\n%%EOF\n\n1 0 obj\n<</Type/Catalog>>\nendobj\n"
        let xref = body.utf8.count
        let text = body + "xref\n0 2\n0000000000 65535 f\r\n0000000016 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R>>\nstartxref\n\(xref)\n%%EOF\r\n"
        let file = try PDFFile(bytes: Array(text.utf8))
        let count = text.utf8.count
        #expect((-1...(count + 1)).filter(file.isRevisionEnd) == [14, 15, count - 2, count - 1, count])
    }

    @Test func refusesALoopingPrevChain() throws {
        let body = "%PDF-1.4\n1 0 obj\n<</Type/Catalog>>\nendobj\n"
        let xref = body.utf8.count
        let text = body + "xref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R/Prev \(xref)>>\nstartxref\n\(xref)\n%%EOF\n"
        #expect(throws: PDFError.malformed("the /Prev chain loops", offset: xref)) { try PDFFile(bytes: Array(text.utf8)) }
    }
}
