import Foundation
import Testing
import SealTestSupport
import ZIPFoundation
import SealCore
@testable import SealOFD

/// OFD packages as producers write them and as attackers might: paths, limits, the signature
/// structure of a real tax invoice, and the package Seal writes around a new signature.
@Suite struct OFDPackageTests {
    static let invoice = TestSupport.bytes(ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd"))
    static let seal = try! ElectronicSeal(der: TestSupport.bytes(ExternalVectors.url("ses/seal_v4_ofdrw.esl")))

    /// A zip of `files` (name → bytes), deflated or stored.
    static func zip(_ files: [(String, [UInt8])], compressed: Bool = true) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (name, bytes) in files {
            let data = Data(bytes)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compressed ? .deflate : .none) {
                data.subdata(in: Int($0)..<Int($0) + $1)
            }
        }
        return Array(try #require(archive.data))
    }

    @Test(arguments: [
        ("/Doc_0/Document.xml", "OFD.xml", "Doc_0/Document.xml"),
        ("Doc_0/Signs/Signatures.xml", "OFD.xml", "Doc_0/Signs/Signatures.xml"),
        ("//Doc_0/Pages/Page_0/Content.xml", "Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Pages/Page_0/Content.xml"),
        ("Sign_0/Signature.xml", "Doc_0/Signs/Signatures.xml", "Doc_0/Signs/Sign_0/Signature.xml"),
        ("SignedValue.dat", "Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/SignedValue.dat"),
        ("../Res/image.png", "Doc_0/Pages/Page_0.xml", "Doc_0/Res/image.png"),
    ])
    func locationsResolveAsProducersWriteThem(location: String, base: String, expected: String) {
        #expect(OFDPath.resolve(location, from: base) == expected)
    }

    @Test(arguments: ["../../../etc/passwd", "/../x", "", "  ", "Doc_0/a\\b", "Doc_0/\u{0}x"])
    func locationsOutsideThePackageAreRefused(location: String) {
        #expect(OFDPath.resolve(location, from: "Doc_0/Signs/Signatures.xml") == nil)
    }

    @Test func hostilePackagesAreRefusedWithAReason() throws {
        let ofd = Array("<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"/>".utf8)
        #expect(throws: OFDError.refused("unsafe file name in the package: \"../evil.xml\"")) {
            try OFDPackage(bytes: try Self.zip([("OFD.xml", ofd), ("../evil.xml", ofd)]))
        }
        // Two names one file system would make one file, and the same name twice (canonically
        // equivalent Unicode is the same name).
        #expect(throws: OFDError.refused("the package holds Doc_0/Document.xml and Doc_0/document.XML, which are one file where case is ignored")) {
            try OFDPackage(bytes: try OFDPackage.zip([("Doc_0/Document.xml", ofd), ("Doc_0/document.XML", ofd)]))
        }
        #expect(throws: OFDError.refused("the package holds Doc_0/\u{E9}.png twice")) {
            try OFDPackage(bytes: try OFDPackage.zip([("Doc_0/\u{E9}.png", ofd), ("Doc_0/e\u{301}.png", ofd)]))
        }
        // 8 MiB of zeros deflate to a few KiB: far beyond any real file's expansion.
        let bomb = try Self.zip([("OFD.xml", ofd), ("Doc_0/bomb.xml", Array(repeating: 0, count: 8 * 1024 * 1024))])
        #expect(throws: OFDError.refused("Doc_0/bomb.xml expands more than 1000 times (a zip bomb)")) { try OFDPackage(bytes: bomb) }
        var small = OFDPackage.Limits()
        small.fileSize = 16
        #expect(throws: OFDError.refused("OFD.xml is larger than 0 MiB")) { try OFDPackage(bytes: try Self.zip([("OFD.xml", ofd)]), limits: small) }
        var few = OFDPackage.Limits()
        few.entries = 1
        #expect(throws: OFDError.refused("the package has more than 1 entries")) {
            try OFDPackage(bytes: try Self.zip([("OFD.xml", ofd), ("a.xml", ofd)]), limits: few)
        }
        #expect(throws: OFDError.self) { try OFDPackage(bytes: Array("PK\u{3}\u{4} not really a zip".utf8)) }
        #expect(throws: OFDError.notAPackage("no OFD.xml at the package root")) {
            try OFDDocument(package: try OFDPackage(bytes: try Self.zip([("Doc_0/Document.xml", ofd)])))
        }
        // Entity expansion never starts: a document type declaration is refused before parsing.
        let laughs = Array("""
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>&lol2;</ofd:DocRoot></ofd:DocBody></ofd:OFD>
            """.utf8)
        #expect(throws: OFDError.refused("OFD.xml declares a document type or entities, which OFD never needs")) {
            try OFDDocument(package: try OFDPackage(bytes: try Self.zip([("OFD.xml", laughs)])))
        }
        #expect(throws: OFDError.badXML("OFD.xml", "no DocBody with a DocRoot")) {
            try OFDDocument(package: try OFDPackage(bytes: try Self.zip([("OFD.xml", ofd)])))
        }
    }

    /// Zips found by fuzzing ZIPFoundation, which Seal no longer reads with: a central directory
    /// pointing past the end (its in-memory reader trapped), one listing entries the local
    /// headers do not match (read as a package of four files instead of 24), and one that made a
    /// rewrite through ZIPFoundation allocate 4 GiB. All are refused as they are read.
    @Test(arguments: ["ofd-memory-archive-offset-past-end", "ofd-unreadable-entry.ofd", "ofd-rewrite-allocates-4gib.ofd"])
    func zipsNotOfThePlainFormAreRefusedAtReading(_ fixture: String) throws {
        let bytes = TestSupport.bytes(TestSupport.repository.appendingPathComponent("Fuzz/regressions/\(fixture)"))
        #expect(throws: OFDError.notAPackage("not a zip archive, or not one Seal reads (zip64, several disks, encrypted entries, "
            + "or entries not where its directory says)")) { try OFDPackage(bytes: bytes) }
    }

    /// XML that is not UTF-8 is refused before it reaches the XML parser: FoundationXML traps on
    /// an element name that is not (found by fuzzing).
    @Test func xmlThatIsNotUTF8IsRefused() throws {
        let package = try OFDPackage(bytes: try OFDPackage.zip([("OFD.xml", Array("<a".utf8) + [0xE7, 0x88] + Array("y/>".utf8))]))
        #expect(throws: OFDError.badXML("OFD.xml", "not UTF-8, as OFD's XML must be")) { try OFDDocument(package: package) }
    }

    /// A file whose deflate data is damaged, or says less or more than its header: refused when
    /// read, with nothing past the declared size written.
    @Test func damagedEntriesAreRefusedWhenRead() throws {
        let content = Array("<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"/>".utf8) + Array(repeating: UInt8(ascii: " "), count: 200)
        let plain = try OFDPackage.zip([("OFD.xml", content)])
        let entry = try #require(OFDZipReader(plain)?.entries.first)
        #expect(try OFDPackage(bytes: plain).file("OFD.xml") == content)
        // The uncompressed size in the central directory (offset 24 of its record) and in the
        // local header (offset 22; the entry's is at 0), one less and one more: the two agree,
        // so the listing stands, and the data says otherwise.
        let record = try #require(OFDZipAppender.endRecord(of: plain).flatMap { OFDZipAppender.read32(plain, $0 + 16) })
        for (size, error) in [(content.count - 1, "OFD.xml is larger than its zip header says"), (content.count + 1, "OFD.xml is shorter than its zip header says")] {
            var lying = plain
            for index in 0..<4 {
                let byte = UInt8(truncatingIfNeeded: size >> (8 * index))
                (lying[record + 24 + index], lying[22 + index]) = (byte, byte)
            }
            #expect(throws: OFDError.refused(error)) { try OFDPackage(bytes: lying).file("OFD.xml") }
        }
        var damaged = plain
        damaged[entry.data.lowerBound] ^= 0xFF
        #expect(throws: OFDError.self) { try OFDPackage(bytes: damaged).file("OFD.xml") }
        var method = plain
        (method[record + 10], method[8]) = (12, 12)  // bzip2, in the directory and the local header
        #expect(throws: OFDError.refused("OFD.xml is compressed with method 12; OFD packages use deflate or none")) {
            try OFDPackage(bytes: method).file("OFD.xml")
        }
    }

    /// The byte search behind the DOCTYPE and ENTITY refusals: at either end, after near misses
    /// that share the anchor byte, and not past the end.
    @Test(arguments: [
        ("<!DOCTYPE x>", "<!DOCTYPE", true), ("a<!DOCTYPE", "<!DOCTYPE", true), ("<!-- --><!ENTITY", "<!ENTITY", true),
        ("!<!ENTIT<!ENTITX", "<!ENTITY", false), ("<!ENTITY", "<!ENTITY ", false), ("<a/>", "<!DOCTYPE", false),
        ("", "<", false), ("x", "x", true), ("abc", "", true), ("a!b!c!", "!c", true), ("!!", "!!!", false),
    ])
    func searchFindsExactlyTheNeedle(haystack: String, needle: String, found: Bool) {
        #expect(Array(haystack.utf8).contains(subsequence: Array(needle.utf8)) == found)
    }

    @Test func aRealInvoiceReadsAsItsProducerWroteIt() throws {
        let document = try OFDDocument(package: try OFDPackage(bytes: Self.invoice))
        #expect(document.documentName == "Doc_0/Document.xml")
        #expect(document.signaturesName == "Doc_0/Signs/Signatures.xml")
        #expect(document.pages.count == 5)
        let signatures = try document.signatures()
        #expect(signatures == [OFDSignatureEntry(id: "1", type: "Seal", location: "Sign_0/Signature.xml",
                                                 descriptionName: "Doc_0/Signs/Sign_0/Signature.xml")])
        let description = try OFDSignatureDescription(name: signatures[0].descriptionName, package: document.package)
        #expect(description.checkMethod == "1.2.156.10197.1.401")
        #expect(description.signedValueName == "Doc_0/Signs/Sign_0/SignedValue.dat")
        #expect(description.references.count == 20)
        #expect(!description.references.contains { $0.location.hasSuffix("Signatures.xml") || $0.location == "/OFD.xml" })
        #expect(description.checkReferences(in: document.package) == OFDReferenceCheck(total: 20, changed: [], missing: [], unsupportedMethod: nil,
                                                                                       protectsEntry: false))
        #expect(try document.filesRead() == Self.invoiceFiles(in: "Doc_0"))
        #expect(description.checkReferences(in: document.package, documentFiles: try document.filesRead()).holds)
    }

    /// What the invoice's Document.xml has a reader take from `folder`: resources, templates,
    /// pages, annotations, attachments, and the custom tags its data is read from.
    static func invoiceFiles(in folder: String) -> [String] {
        let names = ["Document.xml", "PublicRes.xml", "DocumentRes.xml", "Res/qrcode.png"] + (0..<5).map { "Tpls/Tpl_\($0)/Content.xml" }
            + (0..<5).map { "Pages/Page_\($0)/Content.xml" }
            + ["Annots/Annotations.xml", "Annots/Page_0/Annotation.xml", "Attachs/Attachments.xml", "Attachs/original_invoice.xml",
               "Tags/CustomTags.xml", "Tags/Tag_Invoice.xml"]
        return names.map { "\(folder)/\($0)" }
    }

    /// A signature that leaves out a file the document is read from protects nothing of what
    /// that file holds: an image, a template, an annotation, an attachment or the invoice's tag
    /// file (its data, which tax software reads) can then be swapped while every reference
    /// holds. Each file left out is named, and only those.
    @Test func filesASignatureLeavesOutAreNamed() throws {
        let left = ["Doc_0/Res/qrcode.png", "Doc_0/Tpls/Tpl_2/Content.xml", "Doc_0/Annots/Page_0/Annotation.xml", "Doc_0/Attachs/original_invoice.xml",
                    "Doc_0/Tags/Tag_Invoice.xml"]
        let package = try OFDPackage(bytes: Self.invoice)
        let name = "Doc_0/Signs/Sign_0/Signature.xml"
        var xml = String(decoding: try package.file(name), as: UTF8.self)
        for file in left {
            xml.replace(try Regex("<ofd:Reference FileRef=\"/\(file)\">.*?</ofd:Reference>").dotMatchesNewlines(), with: "")
        }
        let edited = try OFDPackage(bytes: try OFDPackage.zip(package.names.map { ($0, $0 == name ? Array(xml.utf8) : try package.file($0)) }))
        let description = try OFDSignatureDescription(name: name, package: edited)
        #expect(description.references.count == 15)
        let check = description.checkReferences(in: edited, documentFiles: try OFDDocument(package: edited).filesRead())
        #expect(check.changed.isEmpty && check.missing.isEmpty && !check.holds)
        #expect(check.unprotected == left)
    }

    /// Resource lists, media and fonts named from a page's own PageRes and relative to each
    /// list's BaseLoc; a file named but absent is still required; a named XML file that cannot be
    /// read, or a location outside the package, is an error rather than a shorter list.
    @Test func filesReadFollowResourceListsFromPagesAndTheirBaseLoc() throws {
        let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        func package(pageRes: String = "<ofd:PageRes>Res.xml</ofd:PageRes>", resources: String? = nil) throws -> OFDDocument {
            var files: [(String, [UInt8])] = [
                ("OFD.xml", Array("<ofd:OFD \(ns)><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".utf8)),
                ("Doc_0/Document.xml", Array("""
                    <ofd:Document \(ns)><ofd:CommonData><ofd:PublicRes>/Doc_0/Fonts.xml</ofd:PublicRes></ofd:CommonData>
                    <ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>
                    """.utf8)),
                ("Doc_0/Fonts.xml", Array("<ofd:Res \(ns) BaseLoc=\"/Doc_0/F\"><ofd:Fonts><ofd:Font ID=\"2\" FontName=\"A\"><ofd:FontFile>a.ttf</ofd:FontFile></ofd:Font><ofd:Font ID=\"3\" FontName=\"B\"/></ofd:Fonts></ofd:Res>".utf8)),
                ("Doc_0/F/a.ttf", [0]),
                ("Doc_0/Pages/Page_0/Content.xml", Array("<ofd:Page \(ns)>\(pageRes)<ofd:Content><ofd:Layer ID=\"4\"/></ofd:Content></ofd:Page>".utf8)),
                ("Doc_0/Pages/Page_0/img/a.png", [0]),
            ]
            if let resources { files.append(("Doc_0/Pages/Page_0/Res.xml", Array(resources.utf8))) }
            return try OFDDocument(package: try OFDPackage(bytes: try OFDPackage.zip(files)))
        }
        let media = "<ofd:Res \(ns) BaseLoc=\"img\"><ofd:MultiMedias><ofd:MultiMedia ID=\"5\" Type=\"Image\"><ofd:MediaFile>a.png</ofd:MediaFile></ofd:MultiMedia><ofd:MultiMedia ID=\"6\" Type=\"Image\"><ofd:MediaFile>/Doc_0/b.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"
        #expect(try package(resources: media).filesRead() == ["Doc_0/Document.xml", "Doc_0/Fonts.xml", "Doc_0/F/a.ttf", "Doc_0/Pages/Page_0/Content.xml",
                                                             "Doc_0/Pages/Page_0/Res.xml", "Doc_0/Pages/Page_0/img/a.png", "Doc_0/b.png"])
        // The page's resource list is absent: still named, and nothing under it is read.
        #expect(try package().filesRead().suffix(2) == ["Doc_0/Pages/Page_0/Content.xml", "Doc_0/Pages/Page_0/Res.xml"])
        let unreadable = try package(resources: "<ofd:Res \(ns)>")
        let error = #expect(throws: OFDError.self) { try unreadable.filesRead() }
        #expect(error?.description.hasPrefix("Doc_0/Pages/Page_0/Res.xml: not well-formed XML") == true, "\(String(describing: error))")
        #expect(throws: OFDError.badXML("Doc_0/Pages/Page_0/Content.xml", "the location \"../../../../Res.xml\" is not a file inside the package")) {
            try package(pageRes: "<ofd:PageRes>../../../../Res.xml</ofd:PageRes>").filesRead()
        }
    }

    /// Custom tags and extensions are not drawn, but software reads the document's data from
    /// them: each list, every tag's schema and file and every extension's data files are read,
    /// relative to their list, and a data file the package lacks is named all the same.
    @Test func filesReadIncludeCustomTagsAndExtensions() throws {
        let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        let files: [(String, [UInt8])] = [
            ("OFD.xml", Array("<ofd:OFD \(ns)><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".utf8)),
            ("Doc_0/Document.xml", Array("""
                <ofd:Document \(ns)><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>
                <ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags><ofd:Extensions>/Doc_0/Extensions.xml</ofd:Extensions></ofd:Document>
                """.utf8)),
            ("Doc_0/Pages/Page_0/Content.xml", Array("<ofd:Page \(ns)><ofd:Content><ofd:Layer ID=\"2\"/></ofd:Content></ofd:Page>".utf8)),
            ("Doc_0/Tags/CustomTags.xml", Array("""
                <ofd:CustomTags \(ns)><ofd:CustomTag NameSpace="urn:a"><ofd:SchemaLoc>a.xsd</ofd:SchemaLoc><ofd:FileLoc>a.xml</ofd:FileLoc></ofd:CustomTag>
                <ofd:CustomTag NameSpace="urn:b"><ofd:FileLoc>/Doc_0/b.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>
                """.utf8)),
            ("Doc_0/Tags/a.xsd", [0]), ("Doc_0/Tags/a.xml", [0]), ("Doc_0/b.xml", [0]),
            ("Doc_0/Extensions.xml", Array("""
                <ofd:Extensions \(ns)><ofd:Extension AppName="x"><ofd:Property Name="p">1</ofd:Property><ofd:ExtendData>x1.dat</ofd:ExtendData>
                <ofd:ExtendData>x2.dat</ofd:ExtendData></ofd:Extension></ofd:Extensions>
                """.utf8)),
            ("Doc_0/x1.dat", [0]),
        ]
        let document = try OFDDocument(package: try OFDPackage(bytes: try OFDPackage.zip(files)))
        #expect(try document.filesRead() == ["Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml", "Doc_0/Tags/CustomTags.xml", "Doc_0/Tags/a.xsd",
                                             "Doc_0/Tags/a.xml", "Doc_0/b.xml", "Doc_0/Extensions.xml", "Doc_0/x1.dat", "Doc_0/x2.dat"])
    }

    /// That invoice's signature leaves OFD.xml out, so a second document, or a version a reader
    /// shows as current, could be added to it after signing: neither is the DocRoot the
    /// signatures are checked against, and both are refused. An empty Versions element names
    /// no version and is read as before.
    @Test func aPackageOfSeveralDocumentsOrVersionsIsRefused() throws {
        func editingOFDXML(_ edit: (String) -> String) throws -> OFDPackage {
            let package = try OFDPackage(bytes: Self.invoice)
            return try OFDPackage(bytes: try OFDPackage.zip(package.names.map { name in
                (name, name == "OFD.xml" ? Array(edit(String(decoding: try package.file(name), as: UTF8.self)).utf8) : try package.file(name))
            }))
        }
        let second = try editingOFDXML { $0.replacingOccurrences(of: "</ofd:DocBody>", with: "</ofd:DocBody><ofd:DocBody><ofd:DocRoot>Doc_1/Document.xml</ofd:DocRoot></ofd:DocBody>") }
        #expect(throws: OFDError.badXML("OFD.xml", "the package holds 2 documents (DocBody); Seal seals and verifies packages of one document")) {
            try OFDDocument(package: second)
        }
        func versions(_ inner: String) throws -> OFDPackage {
            try editingOFDXML { $0.replacingOccurrences(of: "<ofd:Signatures>", with: "<ofd:Versions>\(inner)</ofd:Versions><ofd:Signatures>") }
        }
        #expect(throws: OFDError.badXML("OFD.xml", "the document has versions (DocBody/Versions), which a reader may show instead of the one signed; Seal seals and verifies unversioned documents")) {
            try OFDDocument(package: try versions("<ofd:Version ID=\"1\" Index=\"1\" Current=\"true\" BaseLoc=\"Doc_0/Version_1.xml\"/>"))
        }
        #expect(try OFDDocument(package: try versions("")).documentName == "Doc_0/Document.xml")
    }

    /// That invoice's signature leaves OFD.xml out of its References, so OFD.xml can point the
    /// package at another Document.xml, unprotected, while every protected file is unchanged:
    /// the files the document is then read from are named as unprotected.
    @Test func aDocumentReadFromUnprotectedFilesIsNamedByTheReferencesCheck() throws {
        let swapped = try OFDPackage(bytes: try TestDocuments.swappingDocRoot(of: Self.invoice))
        let document = try OFDDocument(package: swapped)
        #expect(document.documentName == "Doc_1/Document.xml")
        let description = try OFDSignatureDescription(name: "Doc_0/Signs/Sign_0/Signature.xml", package: swapped)
        let check = description.checkReferences(in: swapped, documentFiles: try document.filesRead())
        #expect(check.changed.isEmpty && check.missing.isEmpty && !check.holds)
        // Only the document and its pages were copied: the resources, templates and lists it
        // names under Doc_1/ are absent, and named all the same.
        #expect(check.unprotected == Self.invoiceFiles(in: "Doc_1").filter { !["Res/qrcode.png", "Annots/Page_0/Annotation.xml", "Attachs/original_invoice.xml", "Tags/Tag_Invoice.xml"].contains($0.dropFirst(6)) })
    }

    /// The package after sealing: every entry Seal did not write keeps its bytes (and its zip
    /// record: same compressed size and CRC), Signatures.xml gains exactly one element, and the
    /// earlier signature's References still hold.
    @Test func sealingChangesOnlyWhatItMustAndTwiceInARow() throws {
        let document = try OFDDocument(package: try OFDPackage(bytes: Self.invoice))
        let provider = OFDSealing.Provider(name: "Seal", version: "test")
        let sealing = try OFDSealing(document, seal: Self.seal, placement: StampPlacement(), provider: provider, time: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(sealing.descriptionName == "Doc_0/Signs/Sign_1/Signature.xml")
        #expect(sealing.propertyInfo == "/Doc_0/Signs/Sign_1/Signature.xml")
        let sealed = try sealing.assemble(signedValue: [0x30, 0x00], receipt: [0x30, 0x01, 0x00])
        let before = try Archive(data: Data(Self.invoice), accessMode: .read)
        let after = try Archive(data: Data(sealed), accessMode: .read)
        let package = try OFDPackage(bytes: sealed)
        for entry in before where entry.path != "Doc_0/Signs/Signatures.xml" {
            let kept = try #require(after[entry.path], "\(entry.path) disappeared")
            #expect((kept.compressedSize, kept.checksum) == (entry.compressedSize, entry.checksum), "\(entry.path) was rewritten")
        }
        #expect(try package.file("Doc_0/Signs/Sign_1/SignedValue.dat") == [0x30, 0x00])
        #expect(try package.file("Doc_0/Signs/Sign_1/Seal.esl") == Self.seal.der)
        #expect(try package.file("Doc_0/Signs/Sign_1/SealReceipt.der") == [0x30, 0x01, 0x00])
        #expect(try package.file("Doc_0/Signs/Sign_1/Signature.xml") == sealing.signatureXML)
        let original = String(decoding: try OFDPackage(bytes: Self.invoice).file("Doc_0/Signs/Signatures.xml"), as: UTF8.self)
        let list = String(decoding: try package.file("Doc_0/Signs/Signatures.xml"), as: UTF8.self)
        // The list said MaxSignId 2: the new signature is s003, its stamp s004, which MaxSignId now says.
        let inserted = "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/>"
        #expect(list.replacingOccurrences(of: inserted, with: "").replacingOccurrences(of: ">s004<", with: ">2<") == original, "\(list)")

        let reread = try OFDDocument(package: package)
        let entries = try reread.signatures()
        #expect(entries.map(\.id) == ["1", "s003"])
        let mine = try OFDSignatureDescription(name: entries[1].descriptionName, package: package)
        #expect(mine.stamps == [.init(id: "s004", pageRef: reread.pages[4].id, boundary: "150 227 40 40", clip: nil)])
        #expect(mine.checkReferences(in: package).holds)
        #expect(!mine.references.contains { $0.location.hasSuffix("Signatures.xml") || $0.location.hasSuffix("SealReceipt.der") })
        #expect(try OFDSignatureDescription(name: entries[0].descriptionName, package: package).checkReferences(in: package).holds)

        // A second seal on the result: the next folder and IDs, both earlier signatures intact.
        let again = try OFDSealing(reread, seal: Self.seal, placement: StampPlacement(page: 1, position: .init(x: 10, y: 12)),
                                   provider: provider, time: Date())
        let twice = try OFDPackage(bytes: try again.assemble(signedValue: [0x30, 0x00], receipt: [0x30, 0x00]))
        let third = try OFDDocument(package: twice).signatures()
        #expect(third.map(\.id) == ["1", "s003", "s005"])
        #expect(third.map(\.descriptionName).last == "Doc_0/Signs/Sign_2/Signature.xml")
        for entry in third.dropLast() {
            #expect(try OFDSignatureDescription(name: entry.descriptionName, package: twice).checkReferences(in: twice).holds, "\(entry.id)")
        }
        // The newest protects the earlier signatures' own files, never a receipt.
        let newest = try OFDSignatureDescription(name: third[2].descriptionName, package: twice)
        #expect(newest.references.contains { $0.location == "/Doc_0/Signs/Sign_1/SignedValue.dat" })
        #expect(newest.stamps.map(\.boundary) == ["10 12 40 40"])
    }

    /// The package is rewritten in memory: each entry that stays is copied byte for byte (the
    /// invoice's entries carry data descriptors), and another zip reader accepts the result.
    @Test func theAppenderCopiesEntriesRawAndWritesAZipOthersRead() throws {
        let files: [(name: String, bytes: [UInt8])] = [("Doc_0/Signs/Signatures.xml", Array("<a/>".utf8)), ("Doc_0/x.dat", [1, 2, 3])]
        let written = try #require(OFDZipAppender.replacing(files, in: Self.invoice))
        let before = try #require(OFDZipAppender.centralDirectory(of: Self.invoice))
        let after = try #require(OFDZipAppender.centralDirectory(of: written))
        #expect(after.map { String(decoding: $0.name, as: UTF8.self) }
            == before.map { String(decoding: $0.name, as: UTF8.self) }.filter { $0 != "Doc_0/Signs/Signatures.xml" } + files.map(\.name))
        for entry in before where String(decoding: entry.name, as: UTF8.self) != files[0].name {
            let copy = try #require(after.first { $0.name == entry.name })
            #expect(written[copy.span].elementsEqual(Self.invoice[entry.span]))
        }
        let package = try OFDPackage(bytes: written)
        #expect(try package.file("Doc_0/Signs/Signatures.xml") == Array("<a/>".utf8))
        #expect(try package.file("Doc_0/x.dat") == [1, 2, 3])
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("appender-\(UUID().uuidString).zip")
        try Data(written).write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let check = try TestSupport.run("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip())", scratch.path])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "None", "\(check.stderr)")
    }

    /// What the appender does not handle is refused: no end record, a central directory
    /// pointing past its bounds, zip64 markers, a record pointing at another entry.
    @Test func theAppenderDeclinesAnythingButAPlainZip() throws {
        let plain = try Self.zip([("a.xml", Array("<a/>".utf8)), ("b.xml", Array("<b/>".utf8))])
        #expect(OFDZipAppender.centralDirectory(of: plain)?.count == 2)
        #expect(OFDZipAppender.centralDirectory(of: Array(plain.dropLast(22))) == nil)
        let end = plain.count - 22
        var pastBounds = plain
        pastBounds[end + 16] &+= 1
        #expect(OFDZipAppender.centralDirectory(of: pastBounds) == nil)
        var zip64 = plain
        for index in 0..<4 { zip64[end + 16 + index] = 0xFF }
        #expect(OFDZipAppender.centralDirectory(of: zip64) == nil)
        // The second central record pointed at the first entry's local header (another name).
        let second = try #require(OFDZipAppender.centralDirectory(of: plain)?[1].record.startIndex)
        var overlapping = plain
        for index in 0..<4 { overlapping[second + 42 + index] = 0 }
        #expect(OFDZipAppender.centralDirectory(of: overlapping) == nil)
        // A local header that says another method or size than the directory: a reader walking
        // the local headers would take other bytes than one reading the directory.
        let first = try #require(OFDZipAppender.centralDirectory(of: plain)?[0].span.lowerBound)
        var otherMethod = plain
        otherMethod[first + 8] = 0
        #expect(OFDZipAppender.centralDirectory(of: otherMethod) == nil)
        for package in try [Self.zip([("a.xml", Array("<a/>".utf8))]), OFDPackage.zip([("a.xml", Array("<a/>".utf8))])] {
            var otherSize = package
            otherSize[22] &+= 1  // the local header's uncompressed size (or, after a descriptor, its zero)
            #expect(OFDZipAppender.centralDirectory(of: package) != nil)
            #expect(OFDZipAppender.centralDirectory(of: otherSize) == nil)
        }
        // An entry the directory leaves out, its bytes between two it lists: hidden from readers
        // of the directory, found by readers of the local headers. The same three listed read.
        let three = try Self.zip([("a.xml", Array("<a/>".utf8)), ("hidden.xml", Array("<h/>".utf8)), ("b.xml", Array("<b/>".utf8))])
        let listed = try #require(OFDZipAppender.centralDirectory(of: three))
        func directory(of entries: [OFDZipAppender.Entry]) -> [UInt8] {
            let records = entries.flatMap(\.record), offset = listed[2].span.upperBound
            return Array(three[..<offset]) + records + [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0]
                + [UInt8(entries.count), 0, UInt8(entries.count), 0] + withUnsafeBytes(of: UInt32(records.count).littleEndian, Array.init)
                + withUnsafeBytes(of: UInt32(offset).littleEndian, Array.init) + [0, 0]
        }
        #expect(OFDZipAppender.centralDirectory(of: directory(of: listed))?.count == 3)
        #expect(OFDZipAppender.centralDirectory(of: directory(of: [listed[0], listed[2]])) == nil)
        #expect(throws: OFDError.self) { try OFDPackage(bytes: directory(of: [listed[0], listed[2]])) }
        // Such a package is not rewritten at all, and the refusal says why.
        #expect(throws: OFDError.refused("the package's zip is not one Seal rewrites (zip64, several disks, or entries not where its directory says)")) {
            try OFDPackageWriter.replacing([("c.xml", Array("<c/>".utf8))], in: zip64)
        }
    }

    @Test func ridingSealsSliceThePictureAcrossEveryPage() throws {
        let document = try OFDDocument(package: try OFDPackage(bytes: Self.invoice))
        let stamps = try OFDSealing.stamps(on: document, placement: StampPlacement(riding: true), seal: Self.seal)
        #expect(stamps.count == 5)
        #expect(stamps.map(\.pageRef) == document.pages.map(\.id))
        // 40 mm in five slices of 8 mm; slice i of the picture shows at the page's right edge.
        let size = document.size(of: document.pages[0])
        #expect(stamps[0].boundary == OFDSealing.box(size.width - 8, (size.height - 40) / 2, 40, 40))
        #expect(stamps[4].clip == "32 0 8 40")
        #expect(stamps.map(\.clip) == ["0 0 8 40", "8 0 8 40", "16 0 8 40", "24 0 8 40", "32 0 8 40"])
    }

    /// A page's own Area sets its size; the page is read only up to its Content, so what
    /// follows (here not even well-formed) is never parsed; a page without one has the document's.
    @Test func aPageSizeIsReadFromItsAreaBeforeItsContent() throws {
        let namespace = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        let document = "<ofd:Document \(namespace)><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
            + "</ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/>"
            + "<ofd:Page ID=\"2\" BaseLoc=\"Pages/Page_1/Content.xml\"/></ofd:Pages></ofd:Document>"
        let package = try OFDPackage(bytes: try Self.zip([
            ("OFD.xml", Array("<ofd:OFD \(namespace)><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".utf8)),
            ("Doc_0/Document.xml", Array(document.utf8)),
            ("Doc_0/Pages/Page_0/Content.xml", Array(("<ofd:Page \(namespace)><ofd:Area><ofd:PhysicalBox>0 0 100 150</ofd:PhysicalBox></ofd:Area>"
                + "<ofd:Content><ofd:Layer ID=\"9\"><ofd:TextObject ID=\"10\" Boundary=\"0 0 1 1\">").utf8)),
            ("Doc_0/Pages/Page_1/Content.xml", Array("<ofd:Page \(namespace)><ofd:Content><ofd:Layer ID=\"11\"/></ofd:Content></ofd:Page>".utf8)),
        ]))
        let parsed = try OFDDocument(package: package)
        #expect(parsed.size(of: parsed.pages[0]) == (100, 150))
        #expect(parsed.size(of: parsed.pages[1]) == (210, 297))
        // Read whole, the first page is refused: the early stop is what lets its size through.
        #expect(throws: (any Error).self) { try OFDXMLNode.parse(try package.file("Doc_0/Pages/Page_0/Content.xml"), name: "page") }
    }

    /// A PhysicalBox `Double` reads but no page has (1e300, inf, nan, 100 m and more, not
    /// positive) is no size, on a page (which then has the document's) or on the document (which
    /// then has A4's); a stamp is placed on that, where such a box once trapped the placement.
    @Test(arguments: ["0 0 1e300 297", "0 0 inf 297", "0 0 210 nan", "0 0 100001 297", "0 0 -210 297", "0 0 210"])
    func aPageSizeNoPageHasIsNone(box: String) throws {
        let namespace = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        for (documentBox, pageArea) in [("0 0 210 297", "<ofd:Area><ofd:PhysicalBox>\(box)</ofd:PhysicalBox></ofd:Area>"), (box, "")] {
            let document = "<ofd:Document \(namespace)><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>\(documentBox)</ofd:PhysicalBox>"
                + "</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>"
            let package = try OFDPackage(bytes: try Self.zip([
                ("OFD.xml", Array("<ofd:OFD \(namespace)><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".utf8)),
                ("Doc_0/Document.xml", Array(document.utf8)),
                ("Doc_0/Pages/Page_0/Content.xml", Array("<ofd:Page \(namespace)>\(pageArea)<ofd:Content/></ofd:Page>".utf8)),
            ]))
            let parsed = try OFDDocument(package: package)
            #expect(parsed.size(of: parsed.pages[0]) == (210, 297))
            let stamps = try OFDSealing.stamps(on: parsed, placement: StampPlacement(), seal: Self.seal)
            #expect(stamps.map(\.boundary) == [OFDSealing.box(210 - 40 - 20, 297 - 40 - 30, 40, 40)])
        }
    }

    /// Millimetres as a stamp's boundary writes them; what no caller passes is written as 0
    /// rather than trap.
    @Test func millimetresAreWrittenWithAtMostThreeDecimals() {
        #expect([0, 150, 12.5, 0.0004, 210.12345].map(OFDSealing.format) == ["0", "150", "12.5", "0", "210.123"])
        #expect([Double.infinity, .nan, -1e300].map(OFDSealing.format) == ["0", "0", "0"])
    }

    /// A signature list whose MaxSignId leaves no 32-bit ID for the signature and its stamp is
    /// refused with one line; the last two are taken; a number too long to read is no maximum.
    /// (`s9223372036854775807` once overflowed the count.)
    @Test(arguments: [("s9223372036854775807", nil), ("s4294967295", nil), ("s99999999999999999999", "s001"), ("s4294967293", "s4294967294")])
    func newSignatureIDsStayWithinThirtyTwoBits(maximum: String, taken: String?) throws {
        let namespace = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        let package = try OFDPackage(bytes: try Self.zip([
            ("OFD.xml", Array(("<ofd:OFD \(namespace)><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                + "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>").utf8)),
            ("Doc_0/Document.xml", Array(("<ofd:Document \(namespace)><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
                + "</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>").utf8)),
            ("Doc_0/Pages/Page_0/Content.xml", Array("<ofd:Page \(namespace)><ofd:Content/></ofd:Page>".utf8)),
            ("Doc_0/Signs/Signatures.xml", Array("<ofd:Signatures \(namespace)><ofd:MaxSignId>\(maximum)</ofd:MaxSignId></ofd:Signatures>".utf8)),
        ]))
        let seal = { () throws(OFDError) in
            try OFDSealing(try OFDDocument(package: package), seal: Self.seal, placement: StampPlacement(),
                           provider: .init(name: "Seal", version: "test"), time: Date(timeIntervalSince1970: 1_800_000_000))
        }
        if let taken {
            let listed = try OFDXMLNode.parse(try seal().updated.first { $0.name == "Doc_0/Signs/Signatures.xml" }!.bytes, name: "list")
            #expect(listed.all("Signature").map { $0.attributes["ID"] } == [taken])
        } else {
            #expect(throws: OFDError.refused("the document's signature IDs reach \(maximum): none is left for a new signature")) { try seal() }
        }
    }

    @Test func placementsOffThePageAreRefused() throws {
        let document = try OFDDocument(package: try OFDPackage(bytes: Self.invoice))
        #expect(throws: OFDError.refused("page 6 is not in the document (it has 5)")) {
            try OFDSealing.stamps(on: document, placement: StampPlacement(page: 6), seal: Self.seal)
        }
        #expect(throws: OFDError.self) {
            try OFDSealing.stamps(on: document, placement: StampPlacement(page: 1, position: .init(x: 500, y: 10)), seal: Self.seal)
        }
    }

    @Test func aChangedFileIsNamedByTheReferencesCheck() throws {
        var files: [(String, [UInt8])] = []
        let package = try OFDPackage(bytes: Self.invoice)
        for name in package.names { files.append((name, try package.file(name))) }
        let index = try #require(files.firstIndex { $0.0 == "Doc_0/Pages/Page_0/Content.xml" })
        files[index].1[files[index].1.count / 2] ^= 0x01
        let changed = try OFDPackage(bytes: try Self.zip(files))
        let description = try OFDSignatureDescription(name: "Doc_0/Signs/Sign_0/Signature.xml", package: changed)
        #expect(description.checkReferences(in: changed) == OFDReferenceCheck(total: 20, changed: ["/Doc_0/Pages/Page_0/Content.xml"],
                                                                               missing: [], unsupportedMethod: nil, protectsEntry: false))
        let without = try OFDPackage(bytes: try Self.zip(files.filter { $0.0 != "Doc_0/Pages/Page_1/Content.xml" }))
        #expect(try OFDSignatureDescription(name: "Doc_0/Signs/Sign_0/Signature.xml", package: without).checkReferences(in: without).missing
                == ["/Doc_0/Pages/Page_1/Content.xml"])
    }
}
