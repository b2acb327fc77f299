public import Foundation

/// A signature or document time-stamp in a PDF, as found and measured, before any
/// cryptography: what it claims to cover, whether that claim is sound, and what changed in the
/// document after the revision it signed.
public struct PDFSignature: Sendable {
    public enum Kind: String, Sendable, Codable {
        /// A CMS signature (`/Type /Sig`).
        case signature
        /// An RFC 3161 document time-stamp (`/Type /DocTimeStamp`, SubFilter ETSI.RFC3161).
        case documentTimeStamp = "document-time-stamp"
    }

    public let fieldName: String
    public let kind: Kind
    public let subFilter: String?
    public let dictionary: PDFReference
    /// The `/Contents` bytes without the zero padding after the DER (or BER) element.
    public let contents: [UInt8]
    /// `/M`, the claimed signing time, when it parses.
    public let claimedTime: Date?
    public let byteRange: [Int]
    /// Why the byte range does not cover what it must, or nil when it does.
    public let coverageProblem: String?
    /// Where the signed revision ends (the end of the byte range).
    public let signedEnd: Int
    /// 1-based: the revision the signature signed, of `revisionCount`.
    public let revision: Int
    public let revisionCount: Int
    /// Changes after the signed revision that may change what the document shows, each naming
    /// its object; empty when there are none.
    public let disallowedChanges: [String]
    /// Whether later revisions added validation data (a DSS) or document time-stamps.
    public let laterDSS: Bool
    public let laterDocumentTimeStamp: Bool

    /// The signed bytes, in order (empty when the byte range is unusable).
    public func signedParts(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        guard coverageProblem == nil else { return [] }
        return [bytes[byteRange[0]..<(byteRange[0] + byteRange[1])], bytes[byteRange[2]..<(byteRange[2] + byteRange[3])]]
    }
}

extension PDFFile {
    /// Every signature and document time-stamp the AcroForm holds, in the order of their
    /// revisions.
    public func signatures() throws(PDFError) -> [PDFSignature] {
        let sectionEnds = sections.map(\.offset).sorted()
        var signed: [(field: String, reference: PDFReference, dictionary: PDFDictionary)] = []
        for field in try objects.fields(root: root) where field.type == "Sig" {
            guard let value = field.value, case .reference(let reference) = value,
                  let dictionary = try objects.dictionary(value) else { continue }
            signed.append((field.name, reference, dictionary))
        }
        // Every signature reported here is verified, so these are the ones that may give a
        // field an appearance after another was made.
        let verified = Set(signed.map(\.reference.number))
        var found: [PDFSignature] = []
        for (field, reference, dictionary) in signed {
            found.append(try signature(field: field, reference: reference, dictionary: dictionary, sectionOffsets: sectionEnds,
                                       signatures: verified))
        }
        return found.sorted { $0.signedEnd < $1.signedEnd }
    }

    private func signature(field: String, reference: PDFReference, dictionary: PDFDictionary,
                           sectionOffsets: [Int], signatures: Set<Int>) throws(PDFError) -> PDFSignature {
        let kind: PDFSignature.Kind = dictionary["Type"]?.name == "DocTimeStamp" || dictionary["SubFilter"]?.name == "ETSI.RFC3161"
            ? .documentTimeStamp : .signature
        let rawContents = dictionary["Contents"]?.string ?? []
        let range = (try objects.resolve(dictionary["ByteRange"]).array ?? []).compactMap(\.integer)
        let problem = coverageProblem(range, contents: rawContents, dictionary: reference)
        let signedEnd = problem == nil ? range[2] + range[3] : bytes.count
        let revisionCount = sections.count
        let revision = sectionOffsets.filter { $0 < signedEnd }.count
        var disallowed: [String] = []
        var laterDSS = false, laterTimeStamp = false
        if problem == nil {
            (disallowed, laterDSS, laterTimeStamp) = try changes(after: signedEnd, signatures: signatures)
            // The signed revision's own cross-reference section must be in the chain the file is
            // read by: a later /Prev that skips it reads the signed objects as they were before.
            let signedXref = try? Self.lastStartXref(bytes, end: signedEnd)
            if !sections.contains(where: { $0.offset == signedXref }) {
                disallowed.insert("a later revision skips the signed revision's cross-reference section"
                                  + (signedXref.map { " (at byte \($0))" } ?? ""), at: 0)
            }
        }
        return PDFSignature(fieldName: field, kind: kind, subFilter: dictionary["SubFilter"]?.name, dictionary: reference,
                            contents: Self.trimmedContents(rawContents), claimedTime: dictionary["M"]?.text.flatMap(Self.date),
                            byteRange: range, coverageProblem: problem, signedEnd: signedEnd, revision: max(1, revision),
                            revisionCount: revisionCount, disallowedChanges: disallowed, laterDSS: laterDSS,
                            laterDocumentTimeStamp: laterTimeStamp)
    }

    /// The byte range must be two ranges from the start of the file whose gap is exactly the
    /// `/Contents` hex string of this signature dictionary, ending where a revision ends.
    func coverageProblem(_ range: [Int], contents: [UInt8], dictionary: PDFReference) -> String? {
        guard range.count == 4, range.allSatisfy({ $0 >= 0 }) else { return "/ByteRange is not four non-negative numbers" }
        let (start, gap, end) = (range[0] + range[1], range[2], range[2] + range[3])
        guard range[0] == 0, start < gap, end <= bytes.count else { return "/ByteRange does not start at the beginning of the file, or runs past its end" }
        guard isRevisionEnd(end) else { return "/ByteRange does not end where a revision of the file ends" }
        guard bytes[start] == UInt8(ascii: "<"), bytes[gap - 1] == UInt8(ascii: ">") else {
            return "the gap in /ByteRange is not a hex string"
        }
        guard PDFParser.hexPairs(bytes[(start + 1)..<(gap - 1)], spell: contents) else {
            return "the gap in /ByteRange is not exactly the /Contents string (it leaves bytes unsigned)"
        }
        guard let offset = objects.offset(of: dictionary.number), offset < start else {
            return "the signature dictionary is not stored where its /Contents can be left out"
        }
        // The gap lies inside the signature dictionary's object: no object ends between where it
        // starts and the gap (hex digits cannot spell endobj).
        let objectEnd = Self.find(Array("endobj".utf8), in: bytes, from: offset)
        guard let objectEnd, objectEnd >= gap else {
            return "the gap in /ByteRange lies outside the signature dictionary"
        }
        var before = start - 1
        while before > offset, PDFParser.isWhite(bytes[before]) { before -= 1 }
        guard before >= offset + 8, bytes[(before - 8)...before].elementsEqual("/Contents".utf8) else {
            return "the gap in /ByteRange is not the /Contents entry"
        }
        return nil
    }

    /// What changed after the revision ending at `end`: the objects whose change may alter what
    /// the document shows, and whether validation data or document time-stamps were added.
    ///
    /// Allowed (ETSI EN 319 142-1 §5.4, ISO 32000-2 §12.8.2.2): new objects; later signatures
    /// and their fields, widgets and appearances; form filling (a field's /V, /AP, /AS); the
    /// AcroForm's field list, /SigFlags and /NeedAppearances; a page's /Annots gaining
    /// signature widgets; the catalog gaining /AcroForm, /DSS or /Extensions; the DSS itself;
    /// the document information dictionary and XMP metadata. `signatures` are the numbers of
    /// the signature dictionaries the form names, each verified in its own right.
    func changes(after end: Int, signatures: Set<Int>) throws(PDFError) -> (disallowed: [String], dss: Bool, documentTimeStamp: Bool) {
        let later = sections.filter { $0.offset >= end }
        guard !later.isEmpty else { return ([], false, false) }
        let old = objects(asOfEnd: end), new = objects
        let oldRoot = sections.first { $0.offset < end }?.trailer["Root"]?.reference ?? root
        let oldCatalog = try old.dictionary(.reference(oldRoot)) ?? PDFDictionary()
        let newCatalog = try new.dictionary(.reference(root)) ?? PDFDictionary()
        var changed = Set<Int>()
        for section in later { changed.formUnion(section.entries.keys) }
        // Which old objects are which: pages and their annotation arrays, the form and its fields.
        // The page tree is walked only when an old object other than the catalog and the form
        // changed: a DSS or time-stamp revision changes only the catalog, and walking the pages
        // was a sixth of verifying a 100 KB PDF.
        lazy var pages = (try? old.pages(root: oldRoot)) ?? []
        lazy var pageNumbers = Set(pages.map(\.reference.number))
        lazy var annotationArrays = Set(pages.compactMap { $0.dictionary["Annots"]?.reference?.number })
        let oldForm = oldCatalog["AcroForm"]
        let fieldArrays = Set([try old.dictionary(oldForm)?["Fields"]?.reference?.number].compactMap { $0 })
        let newDSS = try new.dictionary(newCatalog["DSS"])
        var dssObjects = Set<Int>([newCatalog["DSS"]?.reference?.number].compactMap { $0 })
        for key in ["Certs", "CRLs", "OCSPs", "VRI"] { if let number = newDSS?[key]?.reference?.number { dssObjects.insert(number) } }
        let infoNumber = sections.compactMap { $0.trailer["Info"]?.reference?.number }.first
        let metadataNumber = oldCatalog["Metadata"]?.reference?.number
        // What the signed revision's own structure refers to, outside its DSS and XMP metadata.
        // A later /DSS, /Info or /Metadata names objects of the later revision's choosing: one
        // naming a page's content stream (`/DSS <</Certs 13 0 R>>`) would let that stream be
        // replaced as if it were validation data, so an old object is judged as validation data
        // or metadata only if nothing else reaches it. And a reference to an object that did
        // not exist is null until a later revision adds that object.
        lazy var structure = try? old.reachable(from: oldRoot, skippingCatalogKeys: ["DSS", "Metadata"])
        // Only a signature a later revision made (a verified one the signed revision did not
        // hold) may give a signature field an appearance; a field signed before keeps its own.
        func isLaterSignature(_ number: Int) -> Bool { signatures.contains(number) && !old.contains(number) }
        func usedOnlyAsData(_ number: Int) -> Bool { structure.map { !$0.contains(number) } ?? false }

        // Another catalog is another document, whatever became of the signed one's objects.
        var disallowed = root == oldRoot ? [] : ["the catalog was replaced: /Root is object \(root.number), the signed revision's was \(oldRoot.number)"]
        var sawDSS = newDSS != nil && oldCatalog["DSS"] != newCatalog["DSS"]
        var sawTimeStamp = false
        for number in changed.sorted() {
            guard new.contains(number) else {
                if old.contains(number) { disallowed.append("object \(number) was deleted") }
                continue
            }
            let newReference = PDFReference(number, new.generation(of: number))
            let newObject = try new.object(newReference)
            if newObject.dictionary?["Type"]?.name == "DocTimeStamp" || newObject.dictionary?["SubFilter"]?.name == "ETSI.RFC3161" {
                sawTimeStamp = true
            }
            guard old.contains(number) else {
                // A new object the signed revision already referred to (a dangling reference,
                // null until now) changes what that revision shows.
                if structure?.contains(number) ?? true {
                    disallowed.append("object \(number) (\(Self.describe(newObject))) was added where the signed revision referred to nothing")
                }
                continue
            }
            let oldObject = try old.object(PDFReference(number, old.generation(of: number)))
            if oldObject == newObject { continue }
            let allowed: Bool
            if number == oldRoot.number {
                allowed = try catalogChangeIsAllowed(oldCatalog, newCatalog, old: old, new: new, signedBy: isLaterSignature)
                if newCatalog["DSS"] != oldCatalog["DSS"] { sawDSS = true }
            } else if number == oldForm?.reference?.number {
                allowed = try formChangeIsAllowed(oldObject.dictionary, newObject.dictionary, old: old, new: new, signedBy: isLaterSignature)
            } else if fieldArrays.contains(number) || annotationArrays.contains(number) {
                allowed = try onlySignatureFieldsAdded(oldObject.array, newObject.array, new: new, signedBy: isLaterSignature)
            } else if pageNumbers.contains(number), let before = oldObject.dictionary, let after = newObject.dictionary {
                let annotations = (before: try old.resolve(before["Annots"]).array ?? [], after: try new.resolve(after["Annots"]).array)
                let onlyWidgets = try onlySignatureFieldsAdded(annotations.before, annotations.after, new: new, signedBy: isLaterSignature)
                allowed = before.changedKeys(from: after).isSubset(of: ["Annots"]) && onlyWidgets
            } else if dssObjects.contains(number) {
                allowed = usedOnlyAsData(number)
                sawDSS = sawDSS || allowed
            } else if number == infoNumber || number == metadataNumber {
                allowed = usedOnlyAsData(number)
            } else if let before = oldObject.dictionary, let after = newObject.dictionary, Self.isField(before) {
                // A field signed in the signed revision shows that signature's appearance: any
                // change to it is a modification (its appearance swapped, or hidden).
                let signedBefore = try Self.isSignedSignatureField(before, in: old)
                let filled = try Self.signatureFieldIsSignedOrShowsNothing(after, in: new, signedBy: isLaterSignature) ?? true
                allowed = !signedBefore && filled && before.changedKeys(from: after).isSubset(of: ["V", "AP", "AS"])
            } else {
                allowed = false
            }
            if !allowed { disallowed.append("object \(number) (\(Self.describe(oldObject))) was changed") }
        }
        return (disallowed, sawDSS, sawTimeStamp)
    }

    private func catalogChangeIsAllowed(_ before: PDFDictionary, _ after: PDFDictionary, old: PDFObjectTable, new: PDFObjectTable,
                                        signedBy isLaterSignature: (Int) -> Bool) throws(PDFError) -> Bool {
        let keys = before.changedKeys(from: after)
        guard keys.isSubset(of: ["AcroForm", "DSS", "Extensions"]) else { return false }
        // A form written directly in the catalog is judged as a form.
        if keys.contains("AcroForm"), before["AcroForm"]?.reference == nil || after["AcroForm"]?.reference == nil {
            return try formChangeIsAllowed(try old.dictionary(before["AcroForm"]), try new.dictionary(after["AcroForm"]), old: old, new: new,
                                           signedBy: isLaterSignature)
        }
        return !keys.contains("AcroForm") || before["AcroForm"] == nil
    }

    private func formChangeIsAllowed(_ before: PDFDictionary?, _ after: PDFDictionary?, old: PDFObjectTable, new: PDFObjectTable,
                                     signedBy isLaterSignature: (Int) -> Bool) throws(PDFError) -> Bool {
        let before = before ?? PDFDictionary(), after = after ?? PDFDictionary()
        guard before.changedKeys(from: after).isSubset(of: ["Fields", "SigFlags", "NeedAppearances", "DR", "DA"]) else { return false }
        guard before["Fields"] != after["Fields"] else { return true }
        return try onlySignatureFieldsAdded(try old.resolve(before["Fields"]).array ?? [], try new.resolve(after["Fields"]).array, new: new,
                                            signedBy: isLaterSignature)
    }

    /// Whether `after` is `before` with signature fields or their widgets appended.
    private func onlySignatureFieldsAdded(_ before: [PDFObject]?, _ after: [PDFObject]?, new: PDFObjectTable,
                                          signedBy isLaterSignature: (Int) -> Bool) throws(PDFError) -> Bool {
        let before = before ?? [], after = after ?? []
        guard after.count >= before.count, Array(after.prefix(before.count)) == before else { return false }
        for added in after.dropFirst(before.count) {
            // An unsigned signature field is a place for a later signature: one that shows an
            // appearance before anyone signs in it draws on the page outside every signature
            // (the "sneaky signature" attack). Anything but a signature field is refused.
            guard let dictionary = try new.dictionary(added), try Self.signatureFieldIsSignedOrShowsNothing(dictionary, in: new, signedBy: isLaterSignature) == true else {
                return false
            }
        }
        return true
    }

    /// A signature field (or its widget) as a later revision leaves it: whether it is signed by
    /// a later signature (its /V, or an ancestor's, is an object `isLaterSignature` accepts) or
    /// shows nothing. Nil for any other field, whose changes are form filling. Any signature
    /// dictionary once counted: a widget added under the sealed field, or one naming a
    /// signature no field of the form holds, drew on the page unverified.
    static func signatureFieldIsSignedOrShowsNothing(_ field: PDFDictionary, in objects: PDFObjectTable,
                                                     signedBy isLaterSignature: (Int) -> Bool) throws(PDFError) -> Bool? {
        guard try objects.isSignatureField(field) else { return nil }
        if let value = try objects.inherited("V", of: field)?.reference, isLaterSignature(value.number) { return true }
        return try showsNothing(field, in: objects)
    }

    /// Whether a field is a signature field holding a signature dictionary (its own /V or an
    /// ancestor's).
    static func isSignedSignatureField(_ field: PDFDictionary, in objects: PDFObjectTable) throws(PDFError) -> Bool {
        guard try objects.isSignatureField(field) else { return false }
        return try objects.dictionary(try objects.inherited("V", of: field)) != nil
    }

    /// Whether a widget shows nothing: no appearance, hidden or not viewed (/F bits 2 and 6), or
    /// a rectangle without area.
    static func showsNothing(_ widget: PDFDictionary, in objects: PDFObjectTable) throws(PDFError) -> Bool {
        guard widget["AP"] != nil else { return true }
        if let flags = try objects.resolve(widget["F"]).integer, flags & (2 | 32) != 0 { return true }
        guard let rect = try objects.rectangle(widget["Rect"]) else { return true }
        return rect[2] - rect[0] <= 0 || rect[3] - rect[1] <= 0
    }

    static func isField(_ dictionary: PDFDictionary) -> Bool {
        dictionary["FT"] != nil || (dictionary["T"] != nil && dictionary["Parent"] != nil)
    }

    /// A short name for what an object is, for reports.
    static func describe(_ object: PDFObject) -> String {
        switch object {
        case .stream(let dictionary, _):
            if let subtype = dictionary["Subtype"]?.name { return "a \(subtype) stream" }
            return dictionary["Type"]?.name.map { "a \($0) stream" } ?? "a content stream"
        case .dictionary(let dictionary):
            if let type = dictionary["Type"]?.name { return dictionary["Subtype"]?.name.map { "\(type) \($0)" } ?? type }
            if let subtype = dictionary["Subtype"]?.name { return subtype }
            return "a dictionary"
        case .array: return "an array"
        default: return "a value"
        }
    }

    /// `/Contents` without the zeros after its first element: a DER (or BER) length says where
    /// it ends; with an indefinite length, trailing zero bytes are trimmed, keeping the two
    /// end-of-contents zeros.
    static func trimmedContents(_ contents: [UInt8]) -> [UInt8] {
        guard contents.count >= 2 else { return contents }
        let first = contents[1]
        if first == 0x80 {
            var end = contents.count
            while end > 2, contents[end - 1] == 0 { end -= 1 }
            return Array(contents[0..<min(contents.count, end + 2)])
        }
        var length = 0, header = 2
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count <= 4, contents.count >= 2 + count else { return contents }
            length = contents[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
            header += count
        }
        return header + length <= contents.count ? Array(contents[0..<(header + length)]) : contents
    }

    /// A PDF date (D:YYYYMMDDHHmmSSOHH'mm'), any precision from the year on.
    static func date(_ text: String) -> Date? {
        // Read as bytes: Character by Character it was a sixtieth of verifying a PDF (`perf`).
        var bytes = Array(text.utf8)[...]
        if bytes.starts(with: "D:".utf8) { bytes = bytes.dropFirst(2) }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let digits = Array(bytes.prefix(while: isDigit))
        guard digits.count >= 4 else { return nil }
        func field(_ start: Int, _ count: Int, _ fallback: Int) -> Int32 {
            guard digits.count >= start + count else { return Int32(fallback) }
            return digits[start..<(start + count)].reduce(0) { $0 * 10 + Int32($1 - UInt8(ascii: "0")) }
        }
        var offset = 0
        let rest = bytes.dropFirst(digits.count)
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let numbers = rest.dropFirst().split { !isDigit($0) }.prefix(2).map { $0.prefix(9).reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
            offset = ((numbers.first ?? 0) * 3600 + (numbers.dropFirst().first ?? 0) * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        // timegm rather than a Calendar, which cost 2% of verifying a PDF (`perf`); like
        // Calendar it carries fields past their range over (month 13 is January).
        var parts = tm()
        (parts.tm_year, parts.tm_mon, parts.tm_mday) = (field(0, 4, 0) - 1900, field(4, 2, 1) - 1, field(6, 2, 1))
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (field(8, 2, 0), field(10, 2, 0), field(12, 2, 0))
        let seconds = timegm(&parts)
        guard seconds != -1 || (parts.tm_year == 69 && parts.tm_mon == 11 && parts.tm_mday == 31) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds - offset))
    }
}

extension PDFObjectTable {
    /// The generation of object `number` as stored (0 for objects in object streams).
    public func generation(of number: Int) -> Int {
        if case .offset(_, let generation)? = entries[number] { return generation }
        return 0
    }
}
