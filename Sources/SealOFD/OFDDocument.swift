public import Foundation

/// The first document of an OFD package: where its description, pages and signatures are.
public struct OFDDocument: Sendable {
    public let package: OFDPackage
    /// OFD.xml as received.
    let entry: [UInt8]
    /// Zip name of the document description (Doc_0/Document.xml).
    public let documentName: String
    /// Zip name of Signatures.xml, when the document has signatures.
    public let signaturesName: String?
    public let pages: [Page]
    /// Document.xml as parsed: what else the document is read from (`filesRead()`).
    let documentXML: OFDXMLNode

    public struct Page: Sendable, Equatable {
        /// The page's ID, which a StampAnnot's PageRef names (not its index).
        public let id: String
        public let contentName: String?
    }

    /// The document's page size (CommonData/PageArea) in millimetres.
    let defaultSize: (width: Double, height: Double)

    static let entryName = "OFD.xml"
    /// A4, when neither the document nor the page says.
    static let defaultPageSize = (width: 210.0, height: 297.0)

    public init(package: OFDPackage) throws(OFDError) {
        self.package = package
        guard package.contains(Self.entryName) else { throw .notAPackage("no OFD.xml at the package root") }
        entry = try package.file(Self.entryName)
        let root = try OFDXMLNode.parse(entry, name: Self.entryName)
        guard root.name == "OFD", let body = root.child("DocBody"), let docRoot = body.child("DocRoot")?.trimmedText,
              let documentName = OFDPath.resolve(docRoot, from: Self.entryName) else {
            throw .badXML(Self.entryName, "no DocBody with a DocRoot")
        }
        // A reader may show a package's other documents, or a document's current version, in
        // place of the DocRoot every signature is checked against; and producers that leave
        // OFD.xml unprotected let either be added after signing. Seal reads packages of one
        // unversioned document.
        let bodies = root.all("DocBody").count
        guard bodies == 1 else {
            throw .badXML(Self.entryName, "the package holds \(bodies) documents (DocBody); Seal seals and verifies packages of one document")
        }
        guard body.child("Versions")?.all("Version").isEmpty ?? true else {
            throw .badXML(Self.entryName, "the document has versions (DocBody/Versions), which a reader may show instead of the one signed; Seal seals and verifies unversioned documents")
        }
        guard package.contains(documentName) else { throw .missing(documentName) }
        self.documentName = documentName
        if let signatures = body.child("Signatures")?.trimmedText, !signatures.isEmpty {
            guard let name = OFDPath.resolve(signatures, from: Self.entryName) else {
                throw .badXML(Self.entryName, "the Signatures location \(signatures.debugDescription) leaves the package")
            }
            signaturesName = name
        } else {
            signaturesName = nil
        }
        let document = try OFDXMLNode.parse(try package.file(documentName), name: documentName)
        defaultSize = Self.size(of: document.child("CommonData")?.child("PageArea")) ?? Self.defaultPageSize
        var pages: [Page] = []
        for page in document.child("Pages")?.all("Page") ?? [] {
            guard let id = page.attributes["ID"] else { throw .badXML(documentName, "a Page without an ID") }
            pages.append(Page(id: id, contentName: page.attributes["BaseLoc"].flatMap { OFDPath.resolve($0, from: documentName) }))
        }
        guard !pages.isEmpty else { throw .badXML(documentName, "the document has no pages") }
        self.pages = pages
        documentXML = document
    }

    /// A page's size in millimetres: its own Area when it has one, else the document's. Read
    /// only for the pages a stamp goes on, and only up to the page's Content, which follows its
    /// Area (GB/T 33190 CT_Page) and is most of a document's XML: reading a 42 KB page whole was
    /// a fifth of sealing (`seal-bench profile ofd-seals`).
    public func size(of page: Page) -> (width: Double, height: Double) {
        guard let content = page.contentName, package.contains(content), let bytes = try? package.file(content),
              let area = try? OFDXMLNode.parse(bytes, name: content, stoppingAt: "Content").child("Area") else { return defaultSize }
        return Self.size(of: area) ?? defaultSize
    }

    /// A PageArea's PhysicalBox ("0 0 210 297") as width and height. A box that is not four
    /// numbers, or whose sides are not positive and at most `largestPage` millimetres, is none:
    /// `Double` reads "1e300", "inf" and "nan", on which no stamp can be placed.
    static func size(of area: OFDXMLNode?) -> (width: Double, height: Double)? {
        guard let box = area?.child("PhysicalBox")?.trimmedText else { return nil }
        let numbers = box.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
        guard numbers.count == 4, numbers[2] > 0, numbers[3] > 0, numbers[2] <= largestPage, numbers[3] <= largestPage else { return nil }
        return (numbers[2], numbers[3])
    }

    /// A page side no document has: 100 metres.
    static let largestPage = 100_000.0

    /// The signatures the document lists, in order.
    public func signatures() throws(OFDError) -> [OFDSignatureEntry] {
        guard let signaturesName else { return [] }
        guard package.contains(signaturesName) else { throw .missing(signaturesName) }
        let list = try OFDXMLNode.parse(try package.file(signaturesName), name: signaturesName)
        guard list.name == "Signatures" else { throw .badXML(signaturesName, "the root element is not Signatures") }
        var entries: [OFDSignatureEntry] = []
        for signature in list.all("Signature") {
            guard let location = signature.attributes["BaseLoc"], let name = OFDPath.resolve(location, from: signaturesName) else {
                throw .badXML(signaturesName, "a Signature without a BaseLoc inside the package")
            }
            entries.append(OFDSignatureEntry(id: signature.attributes["ID"] ?? "", type: signature.attributes["Type"] ?? "Seal",
                                             location: location, descriptionName: name))
        }
        return entries
    }
}

/// One entry of Signatures.xml.
public struct OFDSignatureEntry: Sendable, Equatable {
    public let id: String
    /// "Seal" (an electronic seal, the default) or "Sign" (a plain digital signature).
    public let type: String
    /// BaseLoc as written.
    public let location: String
    /// Zip name of its Signature.xml.
    public let descriptionName: String
}

/// A signature's description (Signature.xml): what it protects and where its value is. Its bytes
/// as received are what the signer hashed into dataHash.
public struct OFDSignatureDescription: Sendable {
    public let name: String
    public let bytes: [UInt8]
    public let checkMethod: String
    public let references: [Reference]
    /// Zip name of SignedValue.dat.
    public let signedValueName: String
    /// Zip name of Seal.esl, when the description names one.
    public let sealName: String?
    public let stamps: [Stamp]
    /// Where Seal keeps this signature's archive receipt (beside Signature.xml).
    public var receiptName: String {
        (name.split(separator: "/").dropLast() + [Substring(OFDSealing.receiptFileName)]).joined(separator: "/")
    }

    public struct Reference: Sendable, Equatable {
        /// FileRef as written.
        public let location: String
        /// Zip name, nil when the location leaves the package.
        public let name: String?
        /// The CheckValue, decoded from base64 (nil when it is not base64).
        public let checkValue: [UInt8]?
    }

    public struct Stamp: Sendable, Equatable {
        public let id: String
        public let pageRef: String
        public let boundary: String
        public let clip: String?
    }

    public init(name: String, package: OFDPackage) throws(OFDError) {
        self.name = name
        bytes = try package.file(name)
        let root = try OFDXMLNode.parse(bytes, name: name)
        guard root.name == "Signature", let info = root.child("SignedInfo") else { throw .badXML(name, "no Signature with SignedInfo") }
        guard let value = root.child("SignedValue")?.trimmedText, let valueName = OFDPath.resolve(value, from: name) else {
            throw .badXML(name, "no SignedValue inside the package")
        }
        signedValueName = valueName
        sealName = info.child("Seal")?.child("BaseLoc").flatMap { OFDPath.resolve($0.trimmedText, from: name) }
        let references = info.child("References")
        checkMethod = references?.attributes["CheckMethod"] ?? "MD5"
        self.references = (references?.all("Reference") ?? []).map { reference in
            let location = reference.attributes["FileRef"] ?? ""
            return Reference(location: location, name: OFDPath.resolve(location, from: name),
                             checkValue: Data(base64Encoded: reference.child("CheckValue")?.trimmedText ?? "").map { Array($0) })
        }
        stamps = info.all("StampAnnot").map { stamp in
            Stamp(id: stamp.attributes["ID"] ?? "", pageRef: stamp.attributes["PageRef"] ?? "", boundary: stamp.attributes["Boundary"] ?? "",
                  clip: stamp.attributes["Clip"])
        }
    }
}
