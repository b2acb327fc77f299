public import Foundation
import SealOFD

/// Documents the tests seal, built in code.
public enum TestDocuments {
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
