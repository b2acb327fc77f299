public import Foundation
public import SealCore

/// One new signature being added to an OFD document: its Signature.xml, written and hashed
/// first (the signer signs its SM3 hash), then the package with the signature's files added.
/// Files Seal did not write are never re-serialised: unchanged zip entries stay byte for byte,
/// Signatures.xml and OFD.xml only get an element inserted as text.
public struct OFDSealing: Sendable {
    public let document: OFDDocument
    /// Zip names of the new signature's files.
    public let descriptionName: String
    public let signedValueName: String
    public let sealName: String
    public let receiptName: String
    /// The new Signature.xml: dataHash is its SM3 hash, propertyInfo its location.
    public let signatureXML: [UInt8]
    public var propertyInfo: String { OFDPath.absolute(descriptionName) }
    /// The files that change or appear besides the signature's own: Signatures.xml, and OFD.xml
    /// when the document had no signatures.
    let updated: [(name: String, bytes: [UInt8])]
    let seal: ElectronicSeal

    /// The receipt of each Seal signature, outside every References: a receipt is renewed
    /// (`seal receipt --refresh`) without touching what any signature protects.
    public static let receiptFileName = "SealReceipt.der"
    static let namespace = "http://www.ofdspec.org/2016"

    public struct Provider: Sendable {
        public let name: String
        public let version: String
        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    public init(_ document: OFDDocument, seal: ElectronicSeal, placement: StampPlacement, provider: Provider, time: Date) throws(OFDError) {
        self.document = document
        self.seal = seal
        let package = document.package
        let folder = document.documentName.split(separator: "/").dropLast().joined(separator: "/")
        let existing = try document.signatures()
        let signaturesName = document.signaturesName ?? (folder.isEmpty ? "" : folder + "/") + "Signs/Signatures.xml"
        let signsFolder = signaturesName.split(separator: "/").dropLast().joined(separator: "/")
        var index = 0
        while package.names.contains(where: { $0.hasPrefix((signsFolder.isEmpty ? "" : signsFolder + "/") + "Sign_\(index)/") }) { index += 1 }
        let signFolder = (signsFolder.isEmpty ? "" : signsFolder + "/") + "Sign_\(index)"
        descriptionName = signFolder + "/Signature.xml"
        signedValueName = signFolder + "/SignedValue.dat"
        sealName = signFolder + "/Seal.esl"
        receiptName = signFolder + "/" + Self.receiptFileName

        // IDs: "sNNN" above every ID the list already uses.
        var next = existing.compactMap { Self.number(in: $0.id) }.max() ?? 0
        if let signatures = document.signaturesName, package.contains(signatures),
           let maximum = try OFDXMLNode.parse(try package.file(signatures), name: signatures).child("MaxSignId").flatMap({ Self.number(in: $0.trimmedText) }) {
            next = max(next, maximum)
        }
        func nextID() throws(OFDError) -> String {
            guard next < Self.largestID else {
                throw .refused("the document's signature IDs reach s\(next): none is left for a new signature")
            }
            next += 1
            // Padded by hand: `%03d` reads 32 bits and wrote s4294967294 as "s-02".
            let digits = String(next)
            return "s" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
        }
        let signatureID = try nextID()
        let stamps = try Self.stamps(on: document, placement: placement, seal: seal).map { stamp throws(OFDError) in
            (id: try nextID(), stamp.pageRef, stamp.boundary, stamp.clip)
        }

        // Signatures.xml and OFD.xml as they will be, so References hash the final bytes.
        var updated: [(name: String, bytes: [UInt8])] = []
        let entryLine = "<ofd:Signature ID=\"\(signatureID)\" Type=\"Seal\" BaseLoc=\"\(XMLText.escaped(OFDPath.absolute(descriptionName)))\"/>"
        if let signatures = document.signaturesName, package.contains(signatures) {
            updated.append((signatures, try Self.inserting(signatureID: signatureID, descriptionLocation: OFDPath.absolute(descriptionName),
                                                           into: try package.file(signatures), name: signatures)))
        } else {
            let list = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signatures xmlns:ofd=\"\(Self.namespace)\">"
                + "<ofd:MaxSignId>\(stamps.last?.id ?? signatureID)</ofd:MaxSignId>\(entryLine)</ofd:Signatures>\n"
            updated.append((signaturesName, Array(list.utf8)))
            if document.signaturesName == nil {
                updated.append((OFDDocument.entryName, try Self.declaring(signatures: OFDPath.absolute(signaturesName), in: document.entry)))
            }
        }
        if document.signaturesName != nil, let maxID = stamps.last?.id, let index = updated.firstIndex(where: { $0.name == signaturesName }) {
            updated[index].bytes = Self.settingMaxSignID(maxID, in: updated[index].bytes)
        }
        self.updated = updated

        // References: every file as it will be, except any Signatures.xml, any receipt, and this
        // signature's own files (which do not exist yet).
        let final = Dictionary(updated.map { ($0.name, $0.bytes) }, uniquingKeysWith: { $1 })
        var references = ""
        for name in (package.names + updated.map(\.name)).uniqued() where !Self.isUnprotected(name, signaturesName: signaturesName) {
            let bytes: [UInt8]
            if let replaced = final[name] { bytes = replaced } else { bytes = try package.file(name) }
            let value = Data(DigestAlgorithm.sm3.hash(bytes)).base64EncodedString()
            references += "<ofd:Reference FileRef=\"\(XMLText.escaped(OFDPath.absolute(name)))\"><ofd:CheckValue>\(value)</ofd:CheckValue></ofd:Reference>"
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature xmlns:ofd=\"\(Self.namespace)\"><ofd:SignedInfo>"
        xml += "<ofd:Provider ProviderName=\"\(XMLText.escaped(provider.name))\" Version=\"\(XMLText.escaped(provider.version))\"/>"
        xml += "<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"
        xml += "<ofd:SignatureDateTime>\(ElectronicSeal.timeText(time))</ofd:SignatureDateTime>"
        xml += "<ofd:References CheckMethod=\"1.2.156.10197.1.401\">\(references)</ofd:References>"
        for stamp in stamps {
            xml += "<ofd:StampAnnot ID=\"\(stamp.id)\" PageRef=\"\(XMLText.escaped(stamp.1))\" Boundary=\"\(stamp.2)\""
            xml += stamp.3.map { " Clip=\"\($0)\"/>" } ?? "/>"
        }
        xml += "<ofd:Seal><ofd:BaseLoc>\(XMLText.escaped(OFDPath.absolute(sealName)))</ofd:BaseLoc></ofd:Seal>"
        xml += "</ofd:SignedInfo><ofd:SignedValue>\(XMLText.escaped(OFDPath.absolute(signedValueName)))</ofd:SignedValue></ofd:Signature>\n"
        signatureXML = Array(xml.utf8)
    }

    /// The package with the signature: `signedValue` (the SES_Signature), the seal, the receipt.
    public func assemble(signedValue: [UInt8], receipt: [UInt8]) throws(OFDError) -> [UInt8] {
        var files = updated
        files += [(descriptionName, signatureXML), (signedValueName, signedValue), (sealName, seal.der), (receiptName, receipt)]
        return try OFDPackageWriter.replacing(files, in: document.package.bytes)
    }

    // MARK: placement

    static func stamps(on document: OFDDocument, placement: StampPlacement,
                       seal: ElectronicSeal) throws(OFDError) -> [(pageRef: String, boundary: String, clip: String?)] {
        let (width, height) = (Double(seal.picture.widthMillimetres), Double(seal.picture.heightMillimetres))
        if placement.riding {
            let pages = document.pages
            guard pages.count > 1 else { throw .refused("a riding seal needs a document of two pages or more") }
            let slice = width / Double(pages.count)
            return pages.enumerated().map { index, page in
                let size = document.size(of: page)
                let y = placement.position?.y ?? (size.height - height) / 2
                let x = size.width - Double(index + 1) * slice
                return (page.id, box(x, y, width, height), box(Double(index) * slice, 0, slice, height))
            }
        }
        let number = placement.page ?? document.pages.count
        guard (1...document.pages.count).contains(number) else {
            throw .refused("page \(number) is not in the document (it has \(document.pages.count))")
        }
        let page = document.pages[number - 1]
        let size = document.size(of: page)
        let x = placement.position?.x ?? size.width - width - 20
        let y = placement.position?.y ?? size.height - height - 30
        guard x >= 0, y >= 0, x + width <= size.width + 0.001, y + height <= size.height + 0.001 else {
            throw .refused("a \(format(width)) x \(format(height)) mm seal at \(format(x)),\(format(y)) does not fit page \(number) (\(format(size.width)) x \(format(size.height)) mm)")
        }
        return [(page.id, box(x, y, width, height), nil)]
    }

    static func box(_ x: Double, _ y: Double, _ width: Double, _ height: Double) -> String {
        [x, y, width, height].map(format).joined(separator: " ")
    }

    /// Millimetres with at most three decimals, no trailing zeros. Page sizes are bounded when
    /// read and placements checked against them; anything beyond ±10^12 or not finite is written
    /// as 0 rather than trap.
    static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e12 else { return "0" }
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    // MARK: text edits

    static func isUnprotected(_ name: String, signaturesName: String) -> Bool {
        name == signaturesName || name.hasSuffix("/Signatures.xml") || name.hasSuffix("/" + receiptFileName)
    }

    /// GB/T 33190 identifiers are 32-bit unsigned integers; a list whose `MaxSignId` claims the
    /// last of them (or more: `s9223372036854775807` once overflowed the count) leaves none.
    static let largestID = Int(UInt32.max)

    static func number(in id: String) -> Int? {
        Int(id.drop { !$0.isNumber })
    }

    /// Signatures.xml with one more Signature element before its closing tag, in the file's own
    /// namespace prefix. Nothing else in the file changes.
    static func inserting(signatureID: String, descriptionLocation: String, into bytes: [UInt8], name: String) throws(OFDError) -> [UInt8] {
        let root = try OFDXMLNode.parse(bytes, name: name)
        let prefix = root.prefix
        let closing = Array("</\(prefix)Signatures>".utf8)
        guard let end = bytes.lastRange(of: closing) else { throw .badXML(name, "no closing Signatures tag") }
        let element = "<\(prefix)Signature ID=\"\(signatureID)\" Type=\"Seal\" BaseLoc=\"\(XMLText.escaped(descriptionLocation))\"/>"
        return Array(bytes[..<end.lowerBound]) + Array(element.utf8) + Array(bytes[end.lowerBound...])
    }

    /// Signatures.xml with the text of its (first) MaxSignId set to `id`, when it has one.
    static func settingMaxSignID(_ id: String, in bytes: [UInt8]) -> [UInt8] {
        guard let open = bytes.firstRange(of: Array("MaxSignId>".utf8)),
              let close = bytes[open.upperBound...].firstRange(of: Array("</".utf8)) else { return bytes }
        return Array(bytes[..<open.upperBound]) + Array(id.utf8) + Array(bytes[close.lowerBound...])
    }

    /// OFD.xml with a Signatures element after the first DocBody's DocRoot.
    static func declaring(signatures location: String, in bytes: [UInt8]) throws(OFDError) -> [UInt8] {
        let root = try OFDXMLNode.parse(bytes, name: OFDDocument.entryName)
        let prefix = root.child("DocBody")?.child("DocRoot")?.prefix ?? root.prefix
        let closing = Array("</\(prefix)DocRoot>".utf8)
        guard let end = bytes.firstRange(of: closing) else { throw .badXML(OFDDocument.entryName, "no closing DocRoot tag") }
        let element = "<\(prefix)Signatures>\(XMLText.escaped(location))</\(prefix)Signatures>"
        return Array(bytes[..<end.upperBound]) + Array(element.utf8) + Array(bytes[end.upperBound...])
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

extension Array where Element == UInt8 {
    func lastRange(of needle: [UInt8]) -> Range<Int>? {
        guard count >= needle.count, !needle.isEmpty else { return nil }
        for start in stride(from: count - needle.count, through: 0, by: -1) where self[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }
}

extension OFDPackage {
    /// This package with `files` replaced or added; every other entry keeps its bytes.
    public func replacing(_ files: [(name: String, bytes: [UInt8])]) throws(OFDError) -> [UInt8] {
        try OFDPackageWriter.replacing(files, in: bytes)
    }

    /// A new zip of `files` in order (XML deflated, the rest stored): for making test and
    /// benchmark documents.
    public static func zip(_ files: [(name: String, bytes: [UInt8])]) throws(OFDError) -> [UInt8] {
        try OFDPackageWriter.replacing(files, in: [0x50, 0x4B, 0x05, 0x06] + Array(repeating: 0, count: 18))
    }
}

/// Writes a package: the original zip with some files replaced or added, by `OFDZipAppender`;
/// entries that stay keep their bytes. A zip it declines (zip64, several disks, entries laid
/// out otherwise than the central directory says) is refused: rewriting such a package through
/// ZIPFoundation, as earlier versions did, could be made to allocate 4 GiB (found by fuzzing).
enum OFDPackageWriter {
    static func replacing(_ files: [(name: String, bytes: [UInt8])], in original: [UInt8]) throws(OFDError) -> [UInt8] {
        guard let written = OFDZipAppender.replacing(files, in: original) else {
            throw .refused("the package's zip is not one Seal rewrites (zip64, several disks, or entries not where its directory says)")
        }
        return written
    }
}
