public import Foundation

/// Where the cross-reference data says an object lives.
enum PDFXrefEntry: Equatable, Sendable {
    case free
    case offset(Int, generation: Int)
    /// In object stream `stream`, at `index`.
    case compressed(stream: Int, index: Int)
}

/// One cross-reference section of the file (a table, a stream, or a table with an `/XRefStm`)
/// and its trailer: one revision's worth of objects.
public struct PDFXrefSection: Sendable {
    public enum Form: String, Sendable { case table, stream, hybrid }
    /// Where the section starts (what `startxref` or `/Prev` points at).
    public let offset: Int
    public let form: Form
    public let trailer: PDFDictionary
    let entries: [Int: PDFXrefEntry]
    /// The objects this section defines or frees.
    public var objectNumbers: [Int] { entries.keys.sorted() }
}

/// A PDF file read strictly (ISO 32000-1 §7.5): the trailer chain from the last `startxref`
/// through every `/Prev`, cross-reference tables and streams, object streams. Treated as
/// hostile: sizes and counts are bounded, cycles in the chain refused, and an object is only
/// read where the cross-reference data says it is. Encrypted files are refused.
public struct PDFFile: Sendable {
    public struct Limits: Sendable {
        public var fileSize = 512 * 1024 * 1024
        public var sections = 4_096
        public var objects = 8_388_607
        public var objectStreamEntries = 100_000
        public init() {}
    }

    public let bytes: [UInt8]
    /// The cross-reference sections, newest first.
    public let sections: [PDFXrefSection]
    /// The objects as the newest revision sees them.
    public let objects: PDFObjectTable
    /// What the last `startxref` says: where an update's `/Prev` points.
    public let lastXrefOffset: Int

    public var trailer: PDFDictionary { sections[0].trailer }
    /// The first object number an update may use: the trailer's `/Size`, or above the highest
    /// number a cross-reference section lists when `/Size` says less (a file that lies about it
    /// would otherwise have its catalog and pages overwritten by the update's new objects).
    public var size: Int {
        sections.reduce(0) { size, section in
            max(size, section.trailer["Size"]?.integer ?? 0, (section.entries.keys.max() ?? -1) + 1)
        }
    }

    public init(bytes: [UInt8], limits: Limits = Limits()) throws(PDFError) {
        try self.init(bytes: bytes, limits: limits, extending: nil)
    }

    /// `earlier` with revisions appended (`bytes` starts with its bytes): its sections are
    /// reused, not read again, so a seal's second revision does not re-read the whole file.
    public init(bytes: [UInt8], extending earlier: PDFFile) throws(PDFError) {
        precondition(bytes.count >= earlier.bytes.count, "the extended file is shorter than the one it extends")
        try self.init(bytes: bytes, limits: earlier.objects.limits, extending: earlier)
    }

    private init(bytes: [UInt8], limits: Limits, extending earlier: PDFFile?) throws(PDFError) {
        guard bytes.count <= limits.fileSize else { throw .refused("the PDF is larger than \(limits.fileSize / 1024 / 1024) MiB") }
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw .malformed("the file does not start with %PDF-", offset: 0) }
        self.bytes = bytes
        let start = try Self.lastStartXref(bytes)
        lastXrefOffset = start
        var sections: [PDFXrefSection] = []
        var visited = Set<Int>()
        var next: Int? = start
        while let offset = next {
            guard visited.insert(offset).inserted else { throw .malformed("the /Prev chain loops", offset: offset) }
            guard sections.count < limits.sections else { throw .refused("the PDF has more than \(limits.sections) revisions") }
            if let earlier, offset == earlier.lastXrefOffset {
                sections += earlier.sections
                break
            }
            let section = try Self.section(at: offset, in: bytes, limits: limits)
            sections.append(section)
            next = section.trailer["Prev"].map { $0.integer ?? -1 }
            if let prev = next, prev < 0 || prev >= bytes.count { throw .malformed("/Prev \(prev) is outside the file", offset: offset) }
        }
        self.sections = sections
        objects = PDFObjectTable(bytes: bytes, sections: sections[...], limits: limits)
        guard trailer["Encrypt"] == nil else { throw .refused("the PDF is encrypted; Seal seals and verifies only unencrypted PDFs") }
        guard trailer["Root"]?.reference != nil else { throw .missing("a /Root in its trailer") }
    }

    /// The catalog's reference.
    public var root: PDFReference { trailer["Root"]!.reference! }

    /// The objects as they were when the file ended at `end` (the sections written before it).
    public func objects(asOfEnd end: Int) -> PDFObjectTable {
        PDFObjectTable(bytes: bytes, sections: sections.drop { $0.offset >= end }, limits: objects.limits)
    }

    /// Whether `offset` is just past a `%%EOF` marker, or past the CR, LF or CR LF right after
    /// one: where a revision ends and a signature's byte range may end. Checked at the one
    /// offset rather than by listing every marker in the file (a scan of the whole file for
    /// each verification).
    public func isRevisionEnd(_ offset: Int) -> Bool {
        guard offset <= bytes.count else { return false }
        var markerEnd = offset
        if markerEnd > 0, bytes[markerEnd - 1] == 0x0A { markerEnd -= 1 }
        if markerEnd > 0, bytes[markerEnd - 1] == 0x0D { markerEnd -= 1 }
        func followsMarker(_ end: Int) -> Bool { end >= 5 && bytes[(end - 5)..<end].elementsEqual("%%EOF".utf8) }
        return followsMarker(offset) || followsMarker(markerEnd)
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, start + needle.count <= bytes.count else { return nil }
        // memchr for the first byte, then a compare: a byte-by-byte scan in Swift was a tenth of
        // verifying a 100 KB PDF.
        return bytes.withUnsafeBytes { haystack -> Int? in
            let base = haystack.baseAddress!
            var index = start
            while index + needle.count <= haystack.count {
                guard let hit = memchr(base + index, Int32(needle[0]), haystack.count - index - needle.count + 1) else { return nil }
                let found = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + found, needle, needle.count) == 0 { return found }
                index = found + 1
            }
            return nil
        }
    }

    /// The offset after the last `startxref` in the file's tail.
    static func lastStartXref(_ bytes: [UInt8], end: Int? = nil) throws(PDFError) -> Int {
        let end = end ?? bytes.count
        let keyword = Array("startxref".utf8)
        let tailStart = max(0, end - 2048)
        var found: Int? = nil
        var index = end - keyword.count
        while index >= tailStart {
            if bytes[index..<(index + keyword.count)].elementsEqual(keyword) { found = index; break }
            index -= 1
        }
        guard let found else { throw .malformed("no startxref at the end of the file", offset: nil) }
        var parser = PDFParser(bytes, at: found + keyword.count)
        let offset = try parser.unsignedInteger()
        // White space only: %%EOF itself reads as a comment.
        while parser.position < end, PDFParser.isWhite(bytes[parser.position]) { parser.position += 1 }
        guard parser.bytes[parser.position..<end].starts(with: Array("%%EOF".utf8)) else {
            throw .malformed("startxref not followed by %%EOF", offset: parser.position)
        }
        guard offset < end else { throw .malformed("startxref \(offset) is outside the file", offset: found) }
        return offset
    }

    static func section(at offset: Int, in bytes: [UInt8], limits: Limits) throws(PDFError) -> PDFXrefSection {
        var parser = PDFParser(bytes, at: offset)
        if parser.peekWord().elementsEqual("xref".utf8) {
            let (entries, trailer) = try table(&parser, limits: limits)
            guard let streamOffset = trailer["XRefStm"] else {
                return PDFXrefSection(offset: offset, form: .table, trailer: trailer, entries: entries)
            }
            guard let at = streamOffset.integer, at >= 0, at < bytes.count else { throw .malformed("/XRefStm is not an offset in the file", offset: offset) }
            // A hybrid file: the table's entries come first, the stream's fill in the rest (§7.5.8.4).
            let stream = try xrefStream(at: at, in: bytes, limits: limits)
            return PDFXrefSection(offset: offset, form: .hybrid, trailer: trailer, entries: entries.merging(stream.entries) { table, _ in table })
        }
        return try xrefStream(at: offset, in: bytes, limits: limits)
    }

    static func table(_ parser: inout PDFParser, limits: Limits) throws(PDFError) -> ([Int: PDFXrefEntry], PDFDictionary) {
        try parser.expect("xref")
        var entries: [Int: PDFXrefEntry] = [:]
        while true {
            parser.skipWhite()
            if parser.peekWord().elementsEqual("trailer".utf8) {
                parser.position += 7
                guard case .dictionary(let trailer) = try parser.object() else { throw parser.fail("the trailer is not a dictionary") }
                return (entries, trailer)
            }
            let first = try parser.unsignedInteger(), count = try parser.unsignedInteger()
            guard first + count <= limits.objects else { throw parser.fail("a cross-reference subsection beyond \(limits.objects) objects") }
            // Room for the rows the bytes left can hold (an entry is at least "0 0 n").
            entries.reserveCapacity(entries.count + min(count, (parser.bytes.count - parser.position) / 5))
            for number in first..<(first + count) {
                parser.skipWhite()
                // The usual entry, "nnnnnnnnnn ggggg n": read in place (tokenizing each field
                // was most of parsing a large table).
                if let entry = Self.fixedEntry(parser.bytes, at: parser.position) {
                    entries[number] = entry
                    parser.position += 18
                    continue
                }
                let field = try parser.unsignedInteger(), generation = try parser.unsignedInteger()
                parser.skipWhite()
                let type = parser.word()
                if type.elementsEqual("n".utf8) {
                    entries[number] = .offset(field, generation: generation)
                } else if type.elementsEqual("f".utf8) {
                    entries[number] = .free
                } else {
                    throw parser.fail("a cross-reference entry that is neither 'n' nor 'f'")
                }
            }
        }
    }

    /// A cross-reference entry in its standard 18 bytes, or nil to read it token by token.
    static func fixedEntry(_ bytes: [UInt8], at index: Int) -> PDFXrefEntry? {
        guard index + 18 <= bytes.count, bytes[index + 10] == 0x20, bytes[index + 16] == 0x20 else { return nil }
        if index + 18 < bytes.count, PDFParser.isRegular(bytes[index + 18]) { return nil }
        var offset = 0, generation = 0
        for i in 0..<10 {
            let digit = bytes[index + i] &- 0x30
            guard digit < 10 else { return nil }
            offset = offset * 10 + Int(digit)
        }
        for i in 11..<16 {
            let digit = bytes[index + i] &- 0x30
            guard digit < 10 else { return nil }
            generation = generation * 10 + Int(digit)
        }
        switch bytes[index + 17] {
        case UInt8(ascii: "n"): return .offset(offset, generation: generation)
        case UInt8(ascii: "f"): return .free
        default: return nil
        }
    }

    static func xrefStream(at offset: Int, in bytes: [UInt8], limits: Limits) throws(PDFError) -> PDFXrefSection {
        var parser = PDFParser(bytes, at: offset)
        let number = try parser.unsignedInteger(), generation = try parser.unsignedInteger()
        parser.position = offset
        let object = try parser.indirectObject(PDFReference(number, generation)) { length throws(PDFError) in
            // A cross-reference stream's /Length must be direct: nothing can be looked up yet.
            guard let value = length.integer else { throw .malformed("a cross-reference stream with an indirect /Length", offset: offset) }
            return value
        }
        guard case .stream(let dictionary, let data) = object, dictionary["Type"]?.name == "XRef" else {
            throw .malformed("startxref or /Prev points at neither 'xref' nor a cross-reference stream", offset: offset)
        }
        guard let widths = dictionary["W"]?.array?.compactMap(\.integer), widths.count == 3, widths.allSatisfy({ (0...8).contains($0) }),
              let size = dictionary["Size"]?.integer, size >= 0, size <= limits.objects else {
            throw .malformed("a cross-reference stream with bad /W or /Size", offset: offset)
        }
        let decoded = try PDFFilters.decode(dictionary, data, limit: (limits.objects + 1) * 24)
        var ranges: [(Int, Int)] = []
        if let index = dictionary["Index"] {
            guard let numbers = index.array?.compactMap(\.integer), numbers.count % 2 == 0, numbers.count == index.array?.count else {
                throw .malformed("a cross-reference stream with a bad /Index", offset: offset)
            }
            ranges = stride(from: 0, to: numbers.count, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
        } else {
            ranges = [(0, size)]
        }
        let rowSize = widths.reduce(0, +)
        guard rowSize > 0 else { throw .malformed("a cross-reference stream with empty rows", offset: offset) }
        var entries: [Int: PDFXrefEntry] = [:]
        var row = 0
        func field(_ start: Int, _ width: Int) -> Int {
            (0..<width).reduce(0) { $0 << 8 | Int(decoded[start + $1]) }
        }
        for (first, count) in ranges {
            guard first >= 0, count >= 0, first + count <= limits.objects else { throw .malformed("/Index beyond \(limits.objects) objects", offset: offset) }
            for number in first..<(first + count) {
                let start = row * rowSize
                guard start + rowSize <= decoded.count else { throw .malformed("a cross-reference stream shorter than its /Index", offset: offset) }
                let type = widths[0] == 0 ? 1 : field(start, widths[0])
                let second = field(start + widths[0], widths[1]), third = field(start + widths[0] + widths[1], widths[2])
                switch type {
                case 0: entries[number] = .free
                case 1: entries[number] = .offset(second, generation: third)
                case 2: entries[number] = .compressed(stream: second, index: third)
                default: break  // Unknown types are null references (§7.5.8.3).
                }
                row += 1
            }
        }
        return PDFXrefSection(offset: offset, form: .stream, trailer: dictionary, entries: entries)
    }
}

/// The objects of a file as one revision sees them: the cross-reference entries of its
/// sections merged, newest first, and objects read on demand (object streams decoded once).
public final class PDFObjectTable: @unchecked Sendable {
    let bytes: [UInt8]
    let entries: [Int: PDFXrefEntry]
    let limits: PDFFile.Limits
    private let lock = NSLock()
    private var cache: [PDFReference: PDFObject] = [:]
    private var objectStreams: [Int: (data: [UInt8], offsets: [Int: Int], first: Int, numbers: [Int])] = [:]

    init(bytes: [UInt8], sections: ArraySlice<PDFXrefSection>, limits: PDFFile.Limits) {
        self.bytes = bytes
        self.limits = limits
        var merged: [Int: PDFXrefEntry] = [:]
        for section in sections {
            merged.merge(section.entries) { newer, _ in newer }
        }
        entries = merged
    }

    /// Whether object `number` is in use.
    public func contains(_ number: Int) -> Bool {
        switch entries[number] {
        case .offset?, .compressed?: true
        default: false
        }
    }

    /// The numbers of every object in use.
    public var numbers: [Int] { entries.keys.filter(contains).sorted() }

    /// Where object `number` is stored: its offset in the file, or nil for an object in an
    /// object stream or not in use.
    public func offset(of number: Int) -> Int? {
        if case .offset(let offset, _)? = entries[number] { return offset }
        return nil
    }

    /// Object `reference`; a reference to an object not in use is null (§7.3.10).
    public func object(_ reference: PDFReference) throws(PDFError) -> PDFObject {
        try object(reference, depth: 0)
    }

    /// `depth` counts the lookups one read needs (an indirect `/Length`, an object stream):
    /// a chain of them that refers back to itself would otherwise never end.
    private func object(_ reference: PDFReference, depth: Int) throws(PDFError) -> PDFObject {
        guard depth < 8 else { throw .malformed("object \(reference) cannot be read without reading itself", offset: nil) }
        if let cached = lock.withLock({ cache[reference] }) { return cached }
        let value: PDFObject
        switch entries[reference.number] {
        case .offset(let offset, let generation)?:
            guard generation == reference.generation else { return .null }
            guard offset >= 0, offset < bytes.count else { throw .malformed("object \(reference) is said to be outside the file", offset: offset) }
            var parser = PDFParser(bytes, at: offset)
            value = try parser.indirectObject(reference) { length throws(PDFError) in try self.length(length, depth: depth + 1) }
        case .compressed(let stream, let index)?:
            guard reference.generation == 0 else { return .null }
            value = try compressed(reference.number, in: stream, depth: depth + 1)
        case .free?, nil:
            return .null
        }
        lock.withLock { cache[reference] = value }
        return value
    }

    /// `object` with a top-level reference followed (one level: references inside stay).
    public func resolve(_ object: PDFObject?) throws(PDFError) -> PDFObject {
        guard let object else { return .null }
        if case .reference(let reference) = object { return try self.object(reference) }
        return object
    }

    /// A dictionary (or stream dictionary) at `object`, following a reference.
    public func dictionary(_ object: PDFObject?) throws(PDFError) -> PDFDictionary? {
        try resolve(object).dictionary
    }

    /// A stream's decoded data.
    public func decodedStream(_ reference: PDFReference) throws(PDFError) -> [UInt8] {
        guard case .stream(let dictionary, let data) = try object(reference) else { throw .malformed("object \(reference) is not a stream", offset: nil) }
        return try PDFFilters.decode(dictionary, data)
    }

    private func length(_ object: PDFObject, depth: Int) throws(PDFError) -> Int {
        switch object {
        case .integer(let value): return value
        case .reference(let reference):
            guard let value = try self.object(reference, depth: depth).integer else { throw .malformed("a stream's /Length \(reference) is not a number", offset: nil) }
            return value
        default: throw .malformed("a stream without a /Length", offset: nil)
        }
    }

    /// The numbers object `number`'s value refers to (`n g R`), read from its bytes without
    /// building the value: for a stream, its dictionary's. An object not in use refers to none.
    /// (Parsing every object to follow its references was a sixth of verifying a sealed 100 KB
    /// PDF; this scan does not allocate per token.)
    func referencedNumbers(of number: Int) throws(PDFError) -> [Int] {
        switch entries[number] {
        case .offset(let offset, _)?:
            guard offset >= 0, offset < bytes.count else { throw .malformed("object \(number) is said to be outside the file", offset: offset) }
            var parser = PDFParser(bytes, at: offset)
            _ = try parser.unsignedInteger()
            _ = try parser.unsignedInteger()
            try parser.expect("obj")
            return PDFParser.referencedNumbers(bytes, from: parser.position)
        case .compressed(let streamNumber, _)?:
            let stream = try objectStream(streamNumber, depth: 1)
            guard let offset = stream.offsets[number] else { throw .malformed("object \(number) is not in object stream \(streamNumber)", offset: nil) }
            return PDFParser.referencedNumbers(stream.data, from: stream.first + offset, oneObject: true)
        case .free?, nil:
            return []
        }
    }

    /// The numbers every reference reachable from `root` names, objects not in use included,
    /// leaving out the root dictionary's entries under `skipped`. An object that cannot be read
    /// refers to nothing further; at most `limits.objects` numbers are visited.
    func reachable(from root: PDFReference, skippingCatalogKeys skipped: Set<String>) throws(PDFError) -> Set<Int> {
        var seen: Set<Int> = [root.number]
        let catalog = try dictionary(.reference(root))?.entries ?? []
        var pending = catalog.filter { !skipped.contains($0.key) }.flatMap { $0.value.references.map(\.number) }
        while let number = pending.popLast() {
            guard seen.insert(number).inserted else { continue }
            guard seen.count <= limits.objects else { throw .refused("the PDF reaches more than \(limits.objects) objects") }
            pending += (try? referencedNumbers(of: number)) ?? []
        }
        return seen
    }

    private func compressed(_ number: Int, in streamNumber: Int, depth: Int) throws(PDFError) -> PDFObject {
        let stream = try objectStream(streamNumber, depth: depth)
        guard let offset = stream.offsets[number] else { throw .malformed("object \(number) is not in object stream \(streamNumber)", offset: nil) }
        var parser = PDFParser(stream.data, at: stream.first + offset)
        let value = try parser.object()
        if case .reference = value { throw .malformed("object \(number) in an object stream is a bare reference", offset: nil) }
        return value
    }

    private func objectStream(_ number: Int, depth: Int) throws(PDFError) -> (data: [UInt8], offsets: [Int: Int], first: Int, numbers: [Int]) {
        if let cached = lock.withLock({ objectStreams[number] }) { return cached }
        guard case .offset? = entries[number] else { throw .malformed("object stream \(number) is not stored directly in the file", offset: nil) }
        guard case .stream(let dictionary, let data) = try object(PDFReference(number), depth: depth), dictionary["Type"]?.name == "ObjStm",
              let count = dictionary["N"]?.integer, let first = dictionary["First"]?.integer,
              count >= 0, count <= limits.objectStreamEntries, first >= 0 else {
            throw .malformed("object \(number) is not a well-formed object stream", offset: nil)
        }
        let decoded = try PDFFilters.decode(dictionary, data)
        guard first <= decoded.count else { throw .malformed("object stream \(number)'s /First is past its data", offset: nil) }
        var parser = PDFParser(decoded, at: 0)
        var offsets: [Int: Int] = [:]
        var numbers: [Int] = []
        for _ in 0..<count {
            let objectNumber = try parser.unsignedInteger(), offset = try parser.unsignedInteger()
            guard first + offset < decoded.count else { throw .malformed("object stream \(number) points past its data", offset: nil) }
            offsets[objectNumber] = offset
            numbers.append(objectNumber)
        }
        let value = (decoded, offsets, first, numbers)
        lock.withLock { objectStreams[number] = value }
        return value
    }
}
