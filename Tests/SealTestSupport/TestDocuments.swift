public import Foundation
import SealOFD

/// Documents the tests seal, built in code.
public enum TestDocuments {
    /// A one-page PDF 1.7 with a classic cross-reference table and the page box given as PDF
    /// source (`"0 0 595 842"`), so that a test can give it coordinates no producer writes.
    public static func pdf(mediaBox: String) -> [UInt8] {
        let content = "BT /F1 24 Tf 72 720 Td (Licence) Tj ET"
        let objects = ["<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Count 1/Kids[3 0 R]>>",
                       "<</Type/Page/Parent 2 0 R/MediaBox[\(mediaBox)]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
                       "<</Length \(content.utf8.count)>>\nstream\n\(content)\nendstream", "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"]
        var out = "%PDF-1.7\n", offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(body)\nendobj\n"
        }
        let table = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f\r\n"
        for offset in offsets { out += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n\r\n" }
        out += "trailer\n<</Size \(objects.count + 1)/Root 1 0 R>>\nstartxref\n\(table)\n%%EOF\n"
        return Array(out.utf8)
    }

    /// `ofd` with its DocRoot pointed at a copy of its Document.xml and pages under Doc_1/,
    /// which no signature protects; every file of Doc_0/ stays as it was.
    public static func swappingDocRoot(of ofd: [UInt8]) throws -> [UInt8] {
        let package = try OFDPackage(bytes: ofd)
        var files: [(String, [UInt8])] = []
        for name in package.names {
            let bytes = try package.file(name)
            files.append((name, name == "OFD.xml" ? Array(String(decoding: bytes, as: UTF8.self)
                .replacingOccurrences(of: "Doc_0/Document.xml", with: "Doc_1/Document.xml").utf8) : bytes))
            if name == "Doc_0/Document.xml" || name.hasPrefix("Doc_0/Pages/") {
                files.append(("Doc_1" + name.dropFirst("Doc_0".count), bytes))
            }
        }
        return try OFDPackage.zip(files)
    }

    /// A one-page OFD (GB/T 33190) with some text and no signature yet.
    public static func ofd() throws -> [UInt8] {
        let namespace = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        return try OFDPackage.zip([
            ("OFD.xml", Array("\(declaration)<ofd:OFD \(namespace) Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".utf8)),
            ("Doc_0/Document.xml", Array("\(declaration)<ofd:Document \(namespace)><ofd:CommonData><ofd:MaxUnitID>20</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID=\"10\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>".utf8)),
            ("Doc_0/Pages/Page_0/Content.xml", Array("\(declaration)<ofd:Page \(namespace)><ofd:Content><ofd:Layer ID=\"11\"><ofd:TextObject ID=\"12\" Boundary=\"20 20 170 6\" Font=\"1\" Size=\"4\"><ofd:TextCode X=\"0\" Y=\"4\">营业执照 Business licence</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>".utf8)),
        ])
    }
}
