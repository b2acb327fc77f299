import Foundation
import Testing
import SealTestSupport
import SealCore
@testable import SealPDF

/// The incremental update a seal goes into, on files from several producers: what it writes,
/// what it keeps, what it refuses, and how later revisions are judged. The CMS here is a
/// stand-in (the signing is SealService's); `qpdf --check` judges the structure.
@Suite struct PDFSealingTests {
    static let cms: [UInt8] = [0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07]
    static let appearance = PDFSealing.Appearance(seal: PDFImage(rgb: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9], alpha: [255, 128, 0, 255],
                                                                 width: 2, height: 2),
                                                  caption: nil, timeLine: "2026-11-30 12:00:00 UTC", widthMillimetres: 30)
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    static func seal(_ bytes: [UInt8], placement: StampPlacement = StampPlacement()) throws -> (PDFSealing, [UInt8]) {
        let sealing = try PDFSealing(try PDFFile(bytes: bytes), placement: placement, appearance: appearance, signerName: "Test Seal",
                                     time: time, contentsCapacity: 64)
        return (sealing, try sealing.assemble(cms: cms))
    }

    static func qpdfCheck(_ bytes: [UInt8]) throws -> TestSupport.Output {
        let directory = try TestSupport.scratchDirectory("qpdf")
        defer { TestSupport.cleanUp(directory) }
        let url = directory.appendingPathComponent("sealed.pdf")
        try Data(bytes).write(to: url)
        return try TestSupport.run("qpdf", ["--check", url.path])
    }

    @Test(arguments: [
        ("01-classic-xref_google-docs-skia.pdf", PDFXrefSection.Form.table),
        ("03-xref-stream_objstm_acroform_pdftex.pdf", .stream),
        ("05-xref-stream_objstm_qpdf.pdf", .stream),
        ("09-incremental-3-revisions_qpdf.pdf", .table),
        ("11-empty-sigfield_indirect-annots_pyhanko.pdf", .table),
        ("14-pades-lta_dss_doctimestamp_pyhanko.pdf", .table),
    ])
    func sealsEachProducersFileInOneUpdate(name: String, form: PDFXrefSection.Form) throws {
        let original = PDFFileTests.vector(name)
        let before = try PDFFile(bytes: original)
        let (sealing, sealed) = try Self.seal(original)
        // The original bytes stay as they were; one revision follows them.
        #expect(Array(sealed.prefix(original.count)) == original)
        let after = try PDFFile(bytes: sealed)
        #expect(after.sections.count == before.sections.count + 1)
        #expect(after.sections[0].form == form)
        #expect(after.trailer["Prev"] == .integer(before.lastXrefOffset))
        #expect(after.root == before.root)
        if case .array(let ids)? = before.trailer["ID"], case .array(let newIDs)? = after.trailer["ID"] { #expect(newIDs.first == ids.first) }
        #expect(after.trailer["XRefStm"] == nil)
        // New objects start at the old /Size.
        #expect(after.sections[0].objectNumbers.filter { !before.objects.contains($0) }.allSatisfy { $0 >= before.size })

        // The form keeps its fields, gains the seal, and asks readers to trust the appearances.
        let fieldsBefore = try before.objects.fields(root: before.root).map(\.name)
        let fieldsAfter = try after.objects.fields(root: after.root).map(\.name)
        #expect(fieldsAfter == fieldsBefore + [sealing.fieldName])
        let form = try #require(try after.objects.acroForm(root: after.root))
        #expect(form["SigFlags"] == .integer(3))
        #expect(form["NeedAppearances"] == nil)

        // The new signature covers everything but its /Contents, to the end of its revision;
        // earlier signatures are untouched by it.
        let signatures = try after.signatures()
        let seal = try #require(signatures.last)
        #expect(seal.fieldName == sealing.fieldName)
        #expect(seal.coverageProblem == nil)
        #expect(seal.signedEnd == sealed.count)
        #expect(seal.contents == Self.cms)
        #expect(seal.claimedTime == Self.time)
        #expect(seal.disallowedChanges == [])
        for earlier in signatures.dropLast() {
            #expect(earlier.coverageProblem == nil && earlier.disallowedChanges == [], "\(earlier.fieldName): \(earlier.disallowedChanges)")
        }
        let check = try Self.qpdfCheck(sealed)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func theStampIsAWidgetOnTheChosenPageAtTheChosenPlace() throws {
        let (_, sealed) = try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"),
                                        placement: StampPlacement(page: 1, position: .init(x: 10, y: 20), width: 50))
        let file = try PDFFile(bytes: sealed)
        let page = try file.objects.pages(root: file.root)[0]
        let annotations = try #require(try file.objects.resolve(page.dictionary["Annots"]).array)
        let widget = try #require(try file.objects.dictionary(annotations.last))
        #expect(widget["Subtype"] == .name("Widget") && widget["FT"] == .name("Sig") && widget["F"] == .integer(132))
        let rect = try #require(try file.objects.rectangle(widget["Rect"]))
        let mm = 72 / 25.4
        #expect(abs(rect[0] - (page.box[0] + 10 * mm)) < 0.01)
        #expect(abs(rect[3] - (page.box[3] - 20 * mm)) < 0.01)
        #expect(abs(rect[2] - rect[0] - 50 * mm) < 0.01)
        // The appearance draws the picture with its alpha as a soft mask.
        let appearance = try #require(try file.objects.dictionary(try file.objects.dictionary(widget["AP"])?["N"]))
        let images = try #require(try file.objects.dictionary(appearance["Resources"])?["XObject"]?.dictionary)
        let image = try #require(try file.objects.dictionary(images["Seal"]))
        #expect(image["Width"] == .integer(2) && image["SMask"]?.reference != nil)
    }

    @Test func fillsAnExistingEmptySignatureFieldAndUpdatesIndirectArrays() throws {
        let original = PDFFileTests.vector("11-empty-sigfield_indirect-annots_pyhanko.pdf")
        let (sealing, sealed) = try Self.seal(original, placement: StampPlacement(field: "SigOld"))
        #expect(sealing.fieldName == "SigOld")
        let file = try PDFFile(bytes: sealed)
        let fields = try file.objects.fields(root: file.root)
        #expect(fields.map(\.name) == ["SigOld"])
        #expect(fields[0].value?.reference != nil)
        // That field is invisible (a zero rectangle): it stays so. Given a rectangle by a later
        // revision, the stamp fills it, centred, and the rectangle stays as its author drew it.
        #expect(try file.objects.dictionary(fields[0].dictionary["AP"]) == nil)
        let unsealed = try PDFFile(bytes: original)
        var drawn = PDFIncrementalUpdate(unsealed)
        var field = try unsealed.objects.fields(root: unsealed.root)[0]
        var dictionary = field.dictionary
        dictionary["Rect"] = .array([.integer(40), .integer(20), .integer(240), .integer(120)])
        drawn.set(field.reference, .dictionary(dictionary))
        let (_, stamped) = try Self.seal(drawn.write(), placement: StampPlacement(field: "SigOld"))
        let stampedFile = try PDFFile(bytes: stamped)
        field = try stampedFile.objects.fields(root: stampedFile.root)[0]
        #expect(field.dictionary["Rect"] == .array([.integer(40), .integer(20), .integer(240), .integer(120)]))
        let stamp = try #require(try stampedFile.objects.dictionary(try stampedFile.objects.dictionary(field.dictionary["AP"])?["N"]))
        #expect(try stampedFile.objects.rectangle(stamp["BBox"]) == [0, 0, 200, 100])
        #expect(try stampedFile.objects.dictionary(stamp["Resources"])?["XObject"]?.dictionary?["Seal"] != nil)

        // A new field on that file goes into its indirect /Annots array, which is re-written.
        let before = try PDFFile(bytes: original)
        let page = try before.objects.pages(root: before.root)[0]
        let annotsArray = try #require(page.dictionary["Annots"]?.reference)
        let (_, added) = try Self.seal(original)
        let after = try PDFFile(bytes: added)
        #expect(after.sections[0].objectNumbers.contains(annotsArray.number))
        #expect(try after.objects.object(annotsArray).array?.count == (try before.objects.object(annotsArray).array?.count ?? 0) + 1)
        #expect(throws: PDFError.refused("the PDF has no field named 'Nope'")) { try Self.seal(original, placement: StampPlacement(field: "Nope")) }
    }

    @Test func refusesADocumentCertifiedAgainstAllChanges() {
        #expect(throws: PDFError.refused("the PDF is certified with no changes allowed (DocMDP P=1): its author forbade further signatures")) {
            try Self.seal(PDFFileTests.vector("13-certified_docmdp-perms_pyhanko.pdf"))
        }
    }

    @Test func aStampTooLargeForItsPlaceIsRefusedAndTheDefaultShrinksToFit() throws {
        let small = PDFFileTests.vector("11-empty-sigfield_indirect-annots_pyhanko.pdf")  // 300 × 144 points
        #expect(throws: PDFError.self) { try Self.seal(small, placement: StampPlacement(position: .init(x: 90, y: 40))) }
        let (_, sealed) = try Self.seal(small)
        let file = try PDFFile(bytes: sealed)
        let page = try file.objects.pages(root: file.root)[0]
        let widget = try #require(try file.objects.fields(root: file.root).last?.dictionary)
        let rect = try #require(try file.objects.rectangle(widget["Rect"]))
        #expect(rect[0] >= page.box[0] && rect[1] >= page.box[1] && rect[2] <= page.box[2] && rect[3] <= page.box[3])
    }

    /// A hostile file's coordinates: a page box or a field's rectangle beyond any page is refused
    /// before a stamp is laid out on it (such a box once trapped the layout's arithmetic), up to
    /// the longest real the reader takes (40 characters).
    @Test func boxesBeyondAnyPageAreRefusedBeforeTheStampIsLaidOut() throws {
        let huge = PDFObject.real("99999999999999999999.5"), longest = PDFObject.real(String(repeating: "9", count: 39) + ".")
        func changed(_ vector: String, _ change: (PDFFile, inout PDFIncrementalUpdate) throws -> Void) throws -> [UInt8] {
            let file = try PDFFile(bytes: PDFFileTests.vector(vector))
            var update = PDFIncrementalUpdate(file)
            try change(file, &update)
            return update.write()
        }
        func withMediaBox(_ box: [PDFObject]) throws -> [UInt8] {
            try changed("01-classic-xref_google-docs-skia.pdf") { file, update in
                let page = try file.objects.pages(root: file.root)[0]
                var dictionary = page.dictionary
                (dictionary["MediaBox"], dictionary["CropBox"]) = (.array(box), nil)
                update.set(page.reference, .dictionary(dictionary))
            }
        }
        let beyond = PDFError.refused("the page's box reaches beyond ±1,000,000 units: no stamp is placed on it")
        let wide = try withMediaBox([.integer(0), .integer(0), huge, .integer(842)])
        #expect(throws: beyond) { try Self.seal(wide) }
        #expect(throws: beyond) { try Self.seal(wide, placement: StampPlacement(position: .init(x: 10, y: 10))) }
        #expect(throws: beyond) { try Self.seal(try withMediaBox([.real("-1000000.5"), .integer(0), .integer(595), .integer(842)])) }
        // An invisible seal places nothing, and that page takes it.
        #expect(try Self.seal(wide, placement: StampPlacement(invisible: true)).1.count > wide.count)
        #expect(throws: beyond) { try Self.seal(try withMediaBox([.integer(0), .integer(0), longest, .integer(842)])) }

        let field = try changed("11-empty-sigfield_indirect-annots_pyhanko.pdf") { file, update in
            let field = try file.objects.fields(root: file.root)[0]
            var dictionary = field.dictionary
            dictionary["Rect"] = .array([.integer(0), .integer(0), huge, .integer(50)])
            update.set(field.reference, .dictionary(dictionary))
        }
        #expect(throws: PDFError.refused("the field's /Rect reaches beyond ±1,000,000 units: no stamp is placed on it")) {
            try Self.seal(field, placement: StampPlacement(field: "SigOld"))
        }
    }

    /// A trailer whose /Size is below its highest object number: the update's objects are
    /// numbered above every object the file lists, not over its catalog and pages.
    @Test func anUnderstatedSizeDoesNotLetTheUpdateOverwriteObjects() throws {
        let honest = TestDocuments.pdf(mediaBox: "0 0 595 842")
        let lying = Array(String(decoding: honest, as: UTF8.self).replacingOccurrences(of: "/Size 6/", with: "/Size 2/").utf8)
        #expect(lying != honest && lying.count == honest.count)
        #expect(try PDFFile(bytes: lying).size == 6)
        let (_, sealed) = try Self.seal(lying)
        let file = try PDFFile(bytes: sealed)
        // Only the catalog (its new form) and the page (its annotation) are re-written below 6.
        #expect(file.sections[0].objectNumbers.filter { $0 < 6 } == [1, 3])
        #expect(try file.objects.pages(root: file.root).count == 1)
        #expect(try file.signatures().map(\.coverageProblem) == [nil])
        #expect(file.trailer["Size"] == .integer(file.sections[0].objectNumbers.max()! + 1))
    }

    /// Numbers as the stamp's content stream writes them; what no caller passes is written as 0
    /// rather than trap.
    @Test func realsAreWrittenWithAtMostThreeDecimals() {
        #expect([0, 1.5, -2.25, 595.2756, 0.0004, -0.0004, 999_999.9996].map(PDFSealing.format) == ["0", "1.5", "-2.25", "595.276", "0", "0", "1000000"])
        #expect([Double.infinity, -.infinity, .nan, 1e300].map(PDFSealing.format) == ["0", "0", "0", "0"])
    }

    @Test func laterRevisionsAreJudgedByWhatTheyChange() throws {
        let (_, sealed) = try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"))
        let file = try PDFFile(bytes: sealed)

        // Validation data afterwards is allowed, and noticed.
        let extended = try PDFValidationData.appended(to: file, certificates: [[0x30, 0x00]], revocationLists: [[0x30, 0x00]],
                                                      signatureContents: Self.cms)
        let withDSS = try #require(try PDFFile(bytes: extended).signatures().last)
        #expect(withDSS.disallowedChanges == [] && withDSS.laterDSS)

        // Rewriting the page's content stream is not.
        let page = try file.objects.pages(root: file.root)[0]
        let contents = try #require(page.dictionary["Contents"]?.reference)
        var update = PDFIncrementalUpdate(file)
        update.set(contents, .stream(PDFDictionary(), Array("BT /F1 24 Tf 72 720 Td (Forged) Tj ET".utf8)))
        let forged = try #require(try PDFFile(bytes: update.write()).signatures().last)
        #expect(forged.disallowedChanges == ["object \(contents.number) (a content stream) was changed"])

        // Nor is adding an annotation that is not a signature, or deleting an object.
        var annotated = PDFIncrementalUpdate(file)
        var pageDictionary = page.dictionary
        let note = annotated.newReference()
        annotated.set(note, .dictionary(PDFDictionary(["Type": .name("Annot"), "Subtype": .name("Text"), "Contents": .text("void")])))
        pageDictionary["Annots"] = .array((try file.objects.resolve(page.dictionary["Annots"]).array ?? []) + [.reference(note)])
        annotated.set(page.reference, .dictionary(pageDictionary))
        let noted = try #require(try PDFFile(bytes: annotated.write()).signatures().last)
        #expect(noted.disallowedChanges == ["object \(page.reference.number) (Page) was changed"])
    }

    /// Objects named as validation data or metadata (a later /DSS and what it lists, a later
    /// trailer's /Info, the catalog's /Metadata) are judged as such only if the signed document
    /// uses them for nothing else: the page's content stream named so, then replaced, is still a
    /// modification (it once passed). A store that grows in a further revision, and a renewed receipt in the
    /// document's own information dictionary, stay allowed.
    @Test func aContentStreamNamedAsValidationDataIsStillJudgedAsContent() throws {
        let file = try PDFFile(bytes: try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf")).1)
        let contents = try #require(try file.objects.pages(root: file.root)[0].dictionary["Contents"]?.reference)
        let changed = ["object \(contents.number) (a content stream) was changed"]
        func replacingContents(_ name: (inout PDFIncrementalUpdate, inout PDFDictionary) -> Void) throws -> PDFSignature? {
            var update = PDFIncrementalUpdate(file)
            var catalog = try #require(try file.objects.dictionary(.reference(file.root)))
            name(&update, &catalog)
            update.set(file.root, .dictionary(catalog))
            update.set(contents, .stream(PDFDictionary(), Array("BT /F1 24 Tf 72 720 Td (Forged) Tj ET".utf8)))
            return try PDFFile(bytes: update.write()).signatures().last
        }
        let asCertificates = try replacingContents { update, catalog in
            let store = update.newReference()
            update.set(store, .dictionary(PDFDictionary(["Type": .name("DSS"), "Certs": .reference(contents)])))
            catalog["DSS"] = .reference(store)
        }
        #expect(asCertificates?.disallowedChanges == changed)
        #expect(try replacingContents { _, catalog in catalog["DSS"] = .reference(contents) }?.disallowedChanges == changed)
        #expect(try replacingContents { update, _ in update.info = contents }?.disallowedChanges == changed)
        // Named as the catalog's XMP metadata before sealing, by whoever made the file.
        let original = try PDFFile(bytes: PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"))
        var prepared = PDFIncrementalUpdate(original)
        var preparedCatalog = try #require(try original.objects.dictionary(.reference(original.root)))
        preparedCatalog["Metadata"] = .reference(contents)
        prepared.set(original.root, .dictionary(preparedCatalog))
        let sealedPrepared = try PDFFile(bytes: try Self.seal(prepared.write()).1)
        var replaced = PDFIncrementalUpdate(sealedPrepared)
        replaced.set(contents, .stream(PDFDictionary(), Array("BT /F1 24 Tf 72 720 Td (Forged) Tj ET".utf8)))
        #expect(try PDFFile(bytes: replaced.write()).signatures().last?.disallowedChanges == changed)

        let once = try PDFValidationData.appended(to: file, certificates: [[0x30, 0x00]], revocationLists: [], signatureContents: Self.cms)
        let twice = try PDFValidationData.appended(to: try PDFFile(bytes: once), certificates: [[0x30, 0x03, 0x02, 0x01, 0x01]],
                                                   revocationLists: [[0x30, 0x00]], signatureContents: nil)
        let grown = try #require(try PDFFile(bytes: twice).signatures().last)
        #expect(grown.disallowedChanges == [] && grown.laterDSS)
        #expect(file.trailer["Info"]?.reference != nil)
        let renewed = try PDFSealReceipts.update(file, receipts: [(signatureContents: Self.cms, receipt: [0x30, 0x00])])
        #expect(try PDFFile(bytes: file.bytes + renewed).signatures().last?.disallowedChanges == [])
    }

    /// A reference in the signed revision to an object that did not exist is null; a later
    /// revision that adds that object changes what the signed revision shows.
    @Test func anObjectAddedWhereTheSignedRevisionReferredToNothingIsAModification() throws {
        let original = try PDFFile(bytes: PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"))
        let page = try original.objects.pages(root: original.root)[0]
        let contents = try #require(page.dictionary["Contents"])
        var prepared = PDFIncrementalUpdate(original)
        var pageDictionary = page.dictionary
        pageDictionary["Contents"] = .array([contents, .reference(PDFReference(900))])
        prepared.set(page.reference, .dictionary(pageDictionary))
        let sealed = try PDFFile(bytes: try Self.seal(prepared.write()).1)
        #expect(try sealed.signatures().last?.disallowedChanges == [])

        var filled = PDFIncrementalUpdate(sealed)
        filled.set(PDFReference(900), .stream(PDFDictionary(), Array("BT /F1 24 Tf 72 720 Td (Forged) Tj ET".utf8)))
        #expect(try PDFFile(bytes: filled.write()).signatures().last?.disallowedChanges
                == ["object 900 (a content stream) was added where the signed revision referred to nothing"])
        let validated = try PDFValidationData.appended(to: sealed, certificates: [[0x30, 0x00]], revocationLists: [], signatureContents: Self.cms)
        #expect(try PDFFile(bytes: validated).signatures().last?.disallowedChanges == [])
    }

    /// A file whose page refers to the numbers Seal's revisions would give their objects (from
    /// the trailer's /Size up): the seal and the validation data after it skip those numbers,
    /// so neither fills a dangling reference, and the seal's own B-LT output is not a
    /// modification of what it sealed.
    @Test func newObjectsSkipNumbersTheDocumentAlreadyRefersTo() throws {
        let original = try PDFFile(bytes: PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"))
        let page = try original.objects.pages(root: original.root)[0]
        let dangling = Array(original.size..<(original.size + 40))
        var prepared = PDFIncrementalUpdate(original)
        var pageDictionary = page.dictionary
        pageDictionary["Contents"] = .array([try #require(page.dictionary["Contents"])] + dangling.map { .reference(PDFReference($0)) })
        prepared.set(page.reference, .dictionary(pageDictionary))
        let (sealing, sealedBytes) = try Self.seal(prepared.write())
        #expect(sealing.numbersReferredTo == Set(dangling))
        let sealed = try PDFFile(bytes: sealedBytes)
        let validated = try PDFFile(bytes: try PDFValidationData.appended(to: sealed, certificates: [[0x30, 0x00]], revocationLists: [[0x30, 0x00]],
                                                                           signatureContents: Self.cms))
        // What the seal's revision found serves the next one as well as walking the file again.
        let told = try PDFFile(bytes: sealedBytes + PDFValidationData.update(sealed, certificates: [[0x30, 0x00]], revocationLists: [[0x30, 0x00]],
                                                                            signatureContents: Self.cms, numbersReferredTo: sealing.numbersReferredTo))
        #expect(told.sections[0].objectNumbers == validated.sections[0].objectNumbers)
        for file in [sealed, validated] {
            #expect(dangling.filter(file.objects.contains) == [])
            #expect(file.sections[0].objectNumbers.min()! < original.size && file.sections[0].objectNumbers.max()! >= original.size + 40)
        }
        let signature = try #require(try validated.signatures().last)
        #expect(signature.disallowedChanges == [] && signature.laterDSS)
        // qpdf warns of the dangling references (null items in the page's /Contents), and only of them.
        let check = try Self.qpdfCheck(validated.bytes)
        let warnings = (check.stdout + check.stderr).split(separator: "\n").filter { $0.contains("WARNING") || $0.contains("ERROR") }
        #expect(check.status == 3 && warnings.count == 40 && warnings.allSatisfy { $0.hasSuffix("ignoring non-stream in an array of streams") },
                "\(check.stdout) \(check.stderr)")
    }

    /// A later revision whose trailer names another catalog shows another document, even when
    /// that catalog lists the seal's field and the signed objects stay as they were.
    @Test func aReplacedCatalogIsAModification() throws {
        let file = try PDFFile(bytes: try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf")).1)
        let field = try #require(try file.objects.fields(root: file.root).last)
        var update = PDFIncrementalUpdate(file)
        let (catalog, pages, page, content) = (update.newReference(), update.newReference(), update.newReference(), update.newReference())
        update.set(content, .stream(PDFDictionary(), Array("BT /F1 24 Tf 72 720 Td (Another document) Tj ET".utf8)))
        update.set(page, .dictionary(PDFDictionary(["Type": .name("Page"), "Parent": .reference(pages), "Contents": .reference(content),
                                                    "MediaBox": .array([.integer(0), .integer(0), .integer(595), .integer(842)])])))
        update.set(pages, .dictionary(PDFDictionary(["Type": .name("Pages"), "Count": .integer(1), "Kids": .array([.reference(page)])])))
        update.set(catalog, .dictionary(PDFDictionary(["Type": .name("Catalog"), "Pages": .reference(pages),
                                                       "AcroForm": .dictionary(PDFDictionary(["Fields": .array([.reference(field.reference)]),
                                                                                              "SigFlags": .integer(3)]))])))
        update.root = catalog
        let replaced = try PDFFile(bytes: update.write())
        #expect(replaced.root == catalog)
        #expect(try replaced.signatures().last?.disallowedChanges
                == ["the catalog was replaced: /Root is object \(catalog.number), the signed revision's was \(file.root.number)"])
    }

    /// A later revision whose /Prev skips the signed revision's cross-reference section reads the
    /// signed objects as they were before sealing (here: the page without the seal's widget),
    /// while the signature itself is still found.
    @Test func aRevisionThatSkipsTheSignedCrossReferenceSectionIsAModification() throws {
        let original = try PDFFile(bytes: PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"))
        let sealed = try PDFFile(bytes: try Self.seal(original.bytes).1)
        let page = try original.objects.pages(root: original.root)[0].reference
        // The seal's section without the page it added the widget to, chained to the original.
        let kept = sealed.sections[0].entries.filter { $0.key != page.number }.sorted { $0.key < $1.key }
        var tail = "xref\n0 1\n0000000000 65535 f\r\n"
        for (number, entry) in kept {
            guard case .offset(let offset, let generation) = entry else { continue }
            tail += "\(number) 1\n" + String(format: "%010d %05d n\r\n", offset, generation)
        }
        tail += "trailer\n<</Size \(sealed.size)/Root \(sealed.root.number) 0 R/Prev \(original.lastXrefOffset)>>\n"
            + "startxref\n\(sealed.bytes.count)\n%%EOF\n"
        let skipping = try PDFFile(bytes: sealed.bytes + Array(tail.utf8))
        #expect(try skipping.objects.pages(root: skipping.root)[0].dictionary["Annots"] == original.objects.pages(root: original.root)[0].dictionary["Annots"])
        let signature = try #require(try skipping.signatures().last)
        #expect(signature.coverageProblem == nil)
        #expect(signature.disallowedChanges.first == "a later revision skips the signed revision's cross-reference section (at byte \(sealed.lastXrefOffset))")
        #expect(try sealed.signatures().last?.disallowedChanges == [])
    }

    /// A signature field added after sealing is allowed as a place for a later signature only
    /// while it shows nothing: unsigned with a visible appearance it draws on the page outside
    /// every signature, and the page's annotations changed. Signed, or invisible, it is allowed.
    @Test func anUnsignedSignatureFieldThatShowsSomethingIsAModification() throws {
        let file = try PDFFile(bytes: try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf")).1)
        let page = try file.objects.pages(root: file.root)[0]
        func addingField(rect: [Int], flags: Int = 4, signed: Bool = false, listed: Bool = false) throws -> [String]? {
            var update = PDFIncrementalUpdate(file)
            let (widget, look) = (update.newReference(), update.newReference())
            update.set(look, .stream(PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Form"),
                                                    "BBox": .array([.integer(0), .integer(0), .integer(500), .integer(700)])]),
                                     Array("BT /F1 48 Tf 20 300 Td (Forged) Tj ET".utf8)))
            var field = PDFDictionary(["Type": .name("Annot"), "Subtype": .name("Widget"), "FT": .name("Sig"), "T": .text("Later"),
                                       "F": .integer(flags), "Rect": .array(rect.map(PDFObject.integer)), "P": .reference(page.reference),
                                       "AP": .dictionary(PDFDictionary(["N": .reference(look)]))])
            if signed {
                let signature = update.newReference()
                update.set(signature, .dictionary(PDFDictionary(["Type": .name("Sig"), "Filter": .name("Adobe.PPKLite")])))
                field["V"] = .reference(signature)
            }
            update.set(widget, .dictionary(field))
            if listed { try Self.appendField(widget, to: file, in: &update) }
            var pageDictionary = page.dictionary
            pageDictionary["Annots"] = .array((try file.objects.resolve(page.dictionary["Annots"]).array ?? []) + [.reference(widget)])
            update.set(page.reference, .dictionary(pageDictionary))
            return try PDFFile(bytes: update.write()).signatures().first?.disallowedChanges
        }
        #expect(try addingField(rect: [40, 40, 540, 740]) == ["object \(page.reference.number) (Page) was changed"])
        #expect(try addingField(rect: [0, 0, 0, 0]) == [])
        #expect(try addingField(rect: [40, 40, 540, 740], flags: 2) == [])
        // Signed by a signature the form holds, which is then verified in its own right; a
        // signature dictionary no field of the form names is never verified, and signs nothing.
        #expect(try addingField(rect: [40, 40, 540, 740], signed: true, listed: true) == [])
        #expect(try addingField(rect: [40, 40, 540, 740], signed: true) == ["object \(page.reference.number) (Page) was changed"])

        // An empty signature field with a place on the page, which the sealed file already had,
        // may gain an appearance only as it is signed.
        let unsealed = try PDFFile(bytes: PDFFileTests.vector("11-empty-sigfield_indirect-annots_pyhanko.pdf"))
        var placed = PDFIncrementalUpdate(unsealed)
        let empty = try #require(try unsealed.objects.fields(root: unsealed.root).first { $0.name == "SigOld" })
        var emptyDictionary = empty.dictionary
        emptyDictionary["Rect"] = .array([.integer(40), .integer(20), .integer(240), .integer(120)])
        placed.set(empty.reference, .dictionary(emptyDictionary))
        let sealedWithField = try PDFFile(bytes: try Self.seal(placed.write()).1)
        #expect(try Self.drawing(on: empty.reference, emptyDictionary, in: sealedWithField)
                == ["object \(empty.reference.number) (Annot Widget) was changed"])
        #expect(try Self.drawing(on: empty.reference, emptyDictionary, in: sealedWithField) { update, field in
            field["V"] = .reference(Self.signatureDictionary(&update))
        } == [])
    }

    /// Appends `field` to the AcroForm's /Fields in `update`, wherever the form and the array
    /// are stored.
    static func appendField(_ field: PDFReference, to file: PDFFile, in update: inout PDFIncrementalUpdate) throws {
        var catalog = try #require(try file.objects.dictionary(.reference(file.root)))
        var form = try #require(try file.objects.acroForm(root: file.root))
        let fields = (try file.objects.resolve(form["Fields"]).array ?? []) + [.reference(field)]
        if let array = form["Fields"]?.reference { update.set(array, .array(fields)) } else { form["Fields"] = .array(fields) }
        if let reference = catalog["AcroForm"]?.reference {
            update.set(reference, .dictionary(form))
        } else {
            catalog["AcroForm"] = .dictionary(form)
            update.set(file.root, .dictionary(catalog))
        }
    }

    /// What Seal1's signature in `sealed` reports of a later revision that gives `field` (written
    /// as `dictionary`) a "Forged" appearance, after `alsoChange` has added what it adds.
    static func drawing(on field: PDFReference, _ dictionary: PDFDictionary, in sealed: PDFFile,
                        alsoChange: (inout PDFIncrementalUpdate, inout PDFDictionary) throws -> Void = { _, _ in }) throws -> [String]? {
        var update = PDFIncrementalUpdate(sealed)
        let look = update.newReference()
        update.set(look, .stream(PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Form"),
                                                "BBox": .array([.integer(0), .integer(0), .integer(200), .integer(100)])]),
                                 Array("BT /F1 24 Tf 10 40 Td (Forged) Tj ET".utf8)))
        var dictionary = dictionary
        dictionary["AP"] = .dictionary(PDFDictionary(["N": .reference(look)]))
        try alsoChange(&update, &dictionary)
        update.set(field, .dictionary(dictionary))
        return try PDFFile(bytes: update.write()).signatures().first { $0.fieldName == "Seal1" }?.disallowedChanges
    }

    /// A new signature dictionary in `update`, standing for a later signature.
    static func signatureDictionary(_ update: inout PDFIncrementalUpdate) -> PDFReference {
        let signature = update.newReference()
        update.set(signature, .dictionary(PDFDictionary(["Type": .name("Sig"), "Filter": .name("Adobe.PPKLite")])))
        return signature
    }

    /// A signed signature field's appearance is its signature's: a later revision that draws
    /// something else in Seal's own visible seal, or adds a widget to that field elsewhere on
    /// the page, is a modification, though the field stays signed.
    @Test func aSignedFieldsAppearanceCannotChangeLater() throws {
        let sealed = try PDFFile(bytes: try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf")).1)
        let seal = try #require(try sealed.objects.fields(root: sealed.root).first { $0.name == "Seal1" })
        #expect(try Self.drawing(on: seal.reference, seal.dictionary, in: sealed)
                == ["object \(seal.reference.number) (Annot Widget) was changed"])
        // Hidden, it shows nothing, and the stamp the sealed page showed is gone.
        var hidden = PDFIncrementalUpdate(sealed)
        var hiddenDictionary = seal.dictionary
        hiddenDictionary["AP"] = nil
        hidden.set(seal.reference, .dictionary(hiddenDictionary))
        #expect(try PDFFile(bytes: hidden.write()).signatures().first?.disallowedChanges
                == ["object \(seal.reference.number) (Annot Widget) was changed"])

        let page = try sealed.objects.pages(root: sealed.root)[0]
        var update = PDFIncrementalUpdate(sealed)
        let (widget, look) = (update.newReference(), update.newReference())
        update.set(look, .stream(PDFDictionary(["Type": .name("XObject"), "Subtype": .name("Form"),
                                                "BBox": .array([.integer(0), .integer(0), .integer(500), .integer(700)])]),
                                 Array("BT /F1 48 Tf 20 300 Td (Forged) Tj ET".utf8)))
        update.set(widget, .dictionary(PDFDictionary(["Type": .name("Annot"), "Subtype": .name("Widget"), "Parent": .reference(seal.reference),
                                                      "Rect": .array([40, 40, 540, 740].map(PDFObject.integer)), "P": .reference(page.reference),
                                                      "F": .integer(4), "AP": .dictionary(PDFDictionary(["N": .reference(look)]))])))
        var pageDictionary = page.dictionary
        pageDictionary["Annots"] = .array((try sealed.objects.resolve(page.dictionary["Annots"]).array ?? []) + [.reference(widget)])
        update.set(page.reference, .dictionary(pageDictionary))
        #expect(try PDFFile(bytes: update.write()).signatures().first?.disallowedChanges == ["object \(page.reference.number) (Page) was changed"])
    }

    /// `/FT` may be an indirect reference, as any value may: a signature field so written is
    /// one to every check. Seal fills it, finds the signature in it, and an empty one may not
    /// gain an appearance unsigned (it once passed as form filling).
    @Test func aSignatureFieldWhoseTypeIsIndirectIsStillASignatureField() throws {
        let unsealed = try PDFFile(bytes: PDFFileTests.vector("11-empty-sigfield_indirect-annots_pyhanko.pdf"))
        let empty = try #require(try unsealed.objects.fields(root: unsealed.root).first { $0.name == "SigOld" })
        var prepared = PDFIncrementalUpdate(unsealed)
        let type = prepared.newReference()
        prepared.set(type, .name("Sig"))
        var emptyDictionary = empty.dictionary
        emptyDictionary["FT"] = .reference(type)
        emptyDictionary["Rect"] = .array([.integer(40), .integer(20), .integer(240), .integer(120)])
        prepared.set(empty.reference, .dictionary(emptyDictionary))
        let indirect = try PDFFile(bytes: prepared.write())
        #expect(try indirect.objects.fields(root: indirect.root).first { $0.name == "SigOld" }?.type == "Sig")

        let sealed = try PDFFile(bytes: try Self.seal(indirect.bytes).1)
        #expect(try Self.drawing(on: empty.reference, emptyDictionary, in: sealed) == ["object \(empty.reference.number) (Annot Widget) was changed"])

        let filled = try PDFFile(bytes: try Self.seal(indirect.bytes, placement: StampPlacement(field: "SigOld")).1)
        #expect(try filled.signatures().map(\.fieldName) == ["SigOld"])
    }

    /// `/FT` and `/V` are inherited from any ancestor, not only the parent: an empty signature
    /// field whose type sits two levels up is one to every check, and may not gain an
    /// appearance unsigned (it once passed as form filling of a field without a type).
    @Test func aSignatureFieldTypedByAGrandparentIsStillASignatureField() throws {
        let unsealed = try PDFFile(bytes: PDFFileTests.vector("11-empty-sigfield_indirect-annots_pyhanko.pdf"))
        let empty = try #require(try unsealed.objects.fields(root: unsealed.root).first { $0.name == "SigOld" })
        let catalog = try #require(try unsealed.objects.dictionary(.reference(unsealed.root)))
        let formReference = try #require(catalog["AcroForm"]?.reference)
        var form = try #require(try unsealed.objects.acroForm(root: unsealed.root))
        var prepared = PDFIncrementalUpdate(unsealed)
        let (outer, middle) = (prepared.newReference(), prepared.newReference())
        prepared.set(outer, .dictionary(PDFDictionary(["FT": .name("Sig"), "T": .text("Outer"), "Kids": .array([.reference(middle)])])))
        prepared.set(middle, .dictionary(PDFDictionary(["T": .text("Middle"), "Parent": .reference(outer),
                                                        "Kids": .array([.reference(empty.reference)])])))
        var emptyDictionary = empty.dictionary
        emptyDictionary["FT"] = nil
        emptyDictionary["Parent"] = .reference(middle)
        emptyDictionary["Rect"] = .array([.integer(40), .integer(20), .integer(240), .integer(120)])
        prepared.set(empty.reference, .dictionary(emptyDictionary))
        form["Fields"] = .array([.reference(outer)])
        prepared.set(formReference, .dictionary(form))
        let nested = try PDFFile(bytes: prepared.write())
        #expect(try nested.objects.fields(root: nested.root).map(\.name) == ["Outer.Middle.SigOld"])
        #expect(try PDFFile.signatureFieldIsSignedOrShowsNothing(emptyDictionary, in: nested.objects, signedBy: { _ in false }) == true)

        let sealed = try PDFFile(bytes: try Self.seal(nested.bytes).1)
        #expect(try Self.drawing(on: empty.reference, emptyDictionary, in: sealed) == ["object \(empty.reference.number) (Annot Widget) was changed"])
        // Signed through the value the middle field holds for its kids.
        var middleDictionary = try #require(try sealed.objects.dictionary(.reference(middle)))
        #expect(try Self.drawing(on: empty.reference, emptyDictionary, in: sealed) { update, _ in
            middleDictionary["V"] = .reference(Self.signatureDictionary(&update))
            update.set(middle, .dictionary(middleDictionary))
        } == [])

        // A parent chain that loops is no field hierarchy.
        var looped = PDFIncrementalUpdate(nested)
        looped.set(outer, .dictionary(PDFDictionary(["T": .text("Outer"), "Parent": .reference(middle), "Kids": .array([.reference(middle)])])))
        let loopedFile = try PDFFile(bytes: looped.write())
        #expect(throws: PDFError.self) { try PDFFile.signatureFieldIsSignedOrShowsNothing(emptyDictionary, in: loopedFile.objects, signedBy: { _ in false }) }
    }

    @Test func aByteRangeThatLeavesBytesUnsignedIsReported() throws {
        let file = try PDFFile(bytes: PDFFileTests.vector("negative/N2-byterange-gap-too-big_pyhanko.pdf"))
        let signature = try #require(try file.signatures().first)
        #expect(signature.coverageProblem == "/ByteRange does not end where a revision of the file ends")
        #expect(signature.signedParts(of: file.bytes).isEmpty)
    }

    /// A gap that is a hex string but not written as digit pairs (white space in the zero
    /// padding) is not exactly the /Contents string the byte-range check compares it with.
    @Test func aGapThatIsNotExactlyTheContentsStringIsReported() throws {
        var (_, sealed) = try Self.seal(PDFFileTests.vector("01-classic-xref_google-docs-skia.pdf"))
        let file = try PDFFile(bytes: sealed)
        let range = try #require(try file.signatures().last).byteRange
        let padding = range[2] - 2  // the last padding digit, before the closing ">"
        #expect(sealed[padding] == UInt8(ascii: "0"))
        sealed[padding] = UInt8(ascii: " ")
        let changed = try #require(try PDFFile(bytes: sealed).signatures().last)
        #expect(changed.coverageProblem == "the gap in /ByteRange is not exactly the /Contents string (it leaves bytes unsigned)")
    }

    @Test func readsTheSignaturesAndTimeStampsOfAPAdESLTAFile() throws {
        let file = try PDFFile(bytes: PDFFileTests.vector("14-pades-lta_dss_doctimestamp_pyhanko.pdf"))
        let signatures = try file.signatures()
        #expect(signatures.map(\.kind) == [.signature, .documentTimeStamp, .signature])
        #expect(signatures.allSatisfy { $0.coverageProblem == nil && $0.disallowedChanges.isEmpty })
        #expect(signatures[0].laterDSS && signatures[0].laterDocumentTimeStamp)
    }

    @Test(arguments: [
        ("D:20261130120000+08'00'", 1_796_011_200.0),
        ("D:20261130040000Z", 1_796_011_200.0),
        ("D:2026", 1_767_225_600.0),
        ("D:20261129230000-05'30'", 1_796_013_000.0),
        ("D:20261232000000Z", 1_798_761_600.0),  // carried over, as a Calendar would
        ("D:20261130120000+08", 1_796_011_200.0),  // an offset without minutes
        ("20261130040000", 1_796_011_200.0),  // no prefix
    ])
    func readsPDFDates(text: String, seconds: Double) {
        #expect(PDFFile.date(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: ["D:202", "D:", "", "D:２０２６1130"])
    func refusesTextsThatAreNotDates(text: String) {
        #expect(PDFFile.date(text) == nil)
    }
}

/// A hybrid file (a classic table whose trailer names an xref stream for the objects kept in
/// object streams), built here since no shared vector is one.
@Suite struct PDFHybridTests {
    static func hybrid() -> [UInt8] {
        var out = Array("%PDF-1.5\n".utf8)
        var offsets: [Int: Int] = [:]
        func object(_ number: Int, _ body: [UInt8]) {
            offsets[number] = out.count
            out += Array("\(number) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        object(1, Array("<</Type/Catalog/Pages 2 0 R>>".utf8))
        object(2, Array("<</Type/Pages/Count 1/Kids[3 0 R]>>".utf8))
        object(3, Array("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 6 0 R>>>>>>".utf8))
        let content = Array("BT /F1 24 Tf 72 720 Td (Hybrid) Tj ET".utf8)
        object(4, Array("<</Length \(content.count)>>\nstream\n".utf8) + content + Array("\nendstream".utf8))
        // Object 6 lives in object stream 5, which only the xref stream (7) lists.
        let font = Array("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".utf8)
        let header = Array("6 0 ".utf8)
        object(5, Array("<</Type/ObjStm/N 1/First \(header.count)/Length \(header.count + font.count)>>\nstream\n".utf8) + header + font
               + Array("\nendstream".utf8))
        let rows: [UInt8] = [2, 0, 5, 0]  // W [1 2 1]: type 2, stream 5, index 0
        object(7, Array("<</Type/XRef/W[1 2 1]/Index[6 1]/Size 8/Length \(rows.count)>>\nstream\n".utf8) + rows + Array("\nendstream".utf8))
        let table = out.count
        out += Array("xref\n0 6\n0000000000 65535 f\r\n".utf8)
        for number in 1...5 { out += Array(String(format: "%010d 00000 n\r\n", offsets[number]!).utf8) }
        out += Array("7 1\n".utf8) + Array(String(format: "%010d 00000 n\r\n", offsets[7]!).utf8)
        out += Array("trailer\n<</Size 8/Root 1 0 R/XRefStm \(offsets[7]!)>>\nstartxref\n\(table)\n%%EOF\n".utf8)
        return out
    }

    @Test func aHybridFileIsReadWholeAndSealedWithAClassicTable() throws {
        let original = Self.hybrid()
        let file = try PDFFile(bytes: original)
        #expect(file.sections.map(\.form) == [.hybrid])
        #expect(try file.objects.object(PDFReference(6)).dictionary?["BaseFont"] == .name("Helvetica"))
        let (_, sealed) = try PDFSealingTests.seal(original)
        let after = try PDFFile(bytes: sealed)
        #expect(after.sections.map(\.form) == [.table, .hybrid])
        #expect(after.trailer["XRefStm"] == nil)
        #expect(try after.objects.object(PDFReference(6)).dictionary?["BaseFont"] == .name("Helvetica"))
        #expect(try after.signatures().last?.coverageProblem == nil)
        let check = try PDFSealingTests.qpdfCheck(sealed)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
