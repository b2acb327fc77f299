internal import SealCore

/// Writes PDF objects in the one spelling Seal uses: names and strings escaped where the syntax
/// requires, strings as hex when they hold bytes outside printable ASCII.
enum PDFSerializer {
    static func write(_ object: PDFObject, to out: inout [UInt8]) {
        switch object {
        case .null: put("null", to: &out)
        case .boolean(let value): value ? put("true", to: &out) : put("false", to: &out)
        case .integer(let value): putDecimal(value, to: &out)
        case .real(let value): out.append(contentsOf: value.utf8)
        case .string(let bytes): writeString(bytes, to: &out)
        case .name(let name): writeName(name, to: &out)
        case .reference(let reference):
            putDecimal(reference.number, to: &out)
            out.append(0x20)
            putDecimal(reference.generation, to: &out)
            put(" R", to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(0x20) }
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary): writeDictionary(dictionary, to: &out)
        case .stream(let dictionary, let data):
            // The length written is the data's, whatever the dictionary said (not copied to set it).
            put("<<", to: &out)
            writeEntries(of: dictionary, skipping: "Length", to: &out)
            put("/Length ", to: &out)
            putDecimal(data.count, to: &out)
            put(">>\nstream\n", to: &out)
            out += data
            put("\nendstream", to: &out)
        }
    }

    /// Appends `text` without making an array of it: the writer's tokens are many and short.
    /// (`withUTF8Buffer`, not `utf8Start`, which traps for a one-character literal.)
    @inline(__always)
    static func put(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends `value` in decimal, at least `width` digits (zero-padded, as cross-reference rows
    /// are).
    static func putDecimal(_ value: Int, width: Int = 1, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        DecimalDigits.append(UInt64(value.magnitude), width: width, to: &out)
    }

    static func bytes(_ object: PDFObject) -> [UInt8] {
        var out: [UInt8] = []
        write(object, to: &out)
        return out
    }

    static func writeDictionary(_ dictionary: PDFDictionary, to out: inout [UInt8]) {
        put("<<", to: &out)
        writeEntries(of: dictionary, to: &out)
        put(">>", to: &out)
    }

    /// A dictionary's entries without its brackets; null values are absent keys.
    private static func writeEntries(of dictionary: PDFDictionary, skipping skipped: String? = nil, to out: inout [UInt8]) {
        for (key, value) in dictionary where value != .null && key != skipped {
            writeName(key, to: &out)
            out.append(0x20)
            write(value, to: &out)
        }
    }

    static func writeName(_ name: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "/"))
        if name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") && PDFParser.isRegular($0) }) {
            out.append(contentsOf: name.utf8)
            return
        }
        for scalar in name.unicodeScalars {
            let byte = UInt8(truncatingIfNeeded: scalar.value)
            if byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "#"), PDFParser.isRegular(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "#")] + hex([byte])
            }
        }
    }

    static func writeString(_ bytes: [UInt8], to out: inout [UInt8]) {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            out.append(UInt8(ascii: "("))
            for byte in bytes {
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                }
                out.append(byte)
            }
            out.append(UInt8(ascii: ")"))
        } else {
            out.append(UInt8(ascii: "<"))
            out += hex(bytes)
            out.append(UInt8(ascii: ">"))
        }
    }

    static func hex(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count * 2) { out, count in
            let digits: StaticString = "0123456789ABCDEF"
            digits.withUTF8Buffer { digits in
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    out[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
            }
            count = bytes.count * 2
        }
    }
}

/// One incremental update (ISO 32000-1 §7.5.6): new and changed objects appended after the
/// original bytes, which stay untouched, with a cross-reference section in the form of the
/// section it chains to (a stream after a stream; a classic table after a table or a hybrid
/// file, without `/XRefStm`) and a trailer whose `/Prev` is the file's last `startxref`.
public struct PDFIncrementalUpdate: Sendable {
    let file: PDFFile
    /// Each object kept as given and serialized once, straight into the appended bytes: an
    /// image stream serialized on `set` was copied twice more (a tenth of a PDF seal in `perf`).
    private(set) var objects: [(reference: PDFReference, body: Body)] = []

    enum Body {
        case object(PDFObject)
        case serialized([UInt8])

        /// What the body adds to the file, for reserving room before writing it.
        var estimatedSize: Int {
            switch self {
            case .serialized(let bytes): bytes.count
            case .object(.stream(_, let data)): data.count + 256
            case .object: 256
            }
        }
    }
    private var nextNumber: Int
    /// Numbers from the trailer's `/Size` up that the document refers to without holding an
    /// object there (dangling references, null until an object takes the number). An object
    /// written there would change what the earlier revisions show, which a verifier rightly
    /// calls a modification, so new objects skip them.
    public let referredTo: Set<Int>
    /// The document information dictionary the new trailer names (default: the file's).
    public var info: PDFReference?
    /// The catalog the new trailer names (default: the file's). Seal never changes it; tests
    /// write updates that do.
    public var root: PDFReference?

    /// `referredTo`, when the caller knows it: what an earlier update of the same document
    /// found, if that update referred only to objects it wrote (as a seal's does). Otherwise
    /// it is found by walking everything the catalog reaches.
    public init(_ file: PDFFile, referredTo known: Set<Int>? = nil) {
        self.file = file
        nextNumber = file.size
        let size = file.size
        referredTo = (known ?? (try? file.objects.reachable(from: file.root, skippingCatalogKeys: [])) ?? []).filter { $0 >= size }
    }

    /// A new object number, from the trailer's `/Size` up, past any the document refers to.
    public mutating func newReference() -> PDFReference {
        nextNumber = firstFree(from: nextNumber)
        defer { nextNumber += 1 }
        return PDFReference(nextNumber)
    }

    private func firstFree(from number: Int) -> Int {
        var number = number
        while referredTo.contains(number) { number += 1 }
        return number
    }

    /// Writes `object` as `reference` (new, or replacing the object of that number).
    public mutating func set(_ reference: PDFReference, _ object: PDFObject) {
        set(reference, .object(object))
    }

    /// Writes `body`, already serialized, as `reference`: for objects whose bytes the caller
    /// must find again (a signature's placeholders).
    mutating func set(_ reference: PDFReference, body: [UInt8]) {
        set(reference, .serialized(body))
    }

    private mutating func set(_ reference: PDFReference, _ body: Body) {
        objects.removeAll { $0.reference.number == reference.number }
        objects.append((reference, body))
    }

    /// The whole file after the update.
    public func write() -> [UInt8] { file.bytes + appended().tail }

    /// What the update appends to the file's bytes, and where each object's body starts in the
    /// whole file: the caller joins them once, so a large file is not copied per step.
    public func appended() -> (tail: [UInt8], bodyOffsets: [PDFReference: Int]) {
        var out = Appender(base: file.bytes.count)
        out.bytes.reserveCapacity(objects.reduce(1024) { $0 + $1.body.estimatedSize + 32 })
        if let last = file.bytes.last, last != 0x0A, last != 0x0D { out.append(0x0A) }
        var offsets: [Int: (offset: Int, generation: Int)] = [:]
        var bodyOffsets: [PDFReference: Int] = [:]
        for (reference, body) in objects {
            offsets[reference.number] = (out.count, reference.generation)
            out.header(reference.number, reference.generation)
            bodyOffsets[reference] = out.count
            switch body {
            case .object(let object): PDFSerializer.write(object, to: &out.bytes)
            case .serialized(let bytes): out += bytes
            }
            PDFSerializer.put("\nendobj\n", to: &out.bytes)
        }
        var trailer = PDFDictionary()
        for key in ["Root", "Info", "ID"] { trailer[key] = file.trailer[key] }
        if let info { trailer["Info"] = .reference(info) }
        if let root { trailer["Root"] = .reference(root) }
        if case .array(let ids)? = file.trailer["ID"], ids.count == 2 {
            // The first identifier names the document for good; the second changes with each
            // revision (§14.4).
            var random = SystemRandomNumberGenerator()
            let halves = [random.next(), random.next()]
            trailer["ID"] = .array([ids[0], .string(halves.flatMap { half in (0..<8).map { UInt8(truncatingIfNeeded: half >> ($0 * 8)) } })])
        }
        trailer["Prev"] = .integer(file.lastXrefOffset)
        let xrefOffset = out.count
        if file.sections[0].form == .stream {
            let xrefNumber = firstFree(from: max(nextNumber, (offsets.keys.max() ?? 0) + 1))
            offsets[xrefNumber] = (xrefOffset, 0)
            trailer["Size"] = .integer(max(file.size, xrefNumber + 1))
            let numbers = offsets.keys.sorted()
            var rows: [UInt8] = []
            var index: [PDFObject] = []
            for run in Self.runs(numbers) {
                index += [.integer(run.first!), .integer(run.count)]
                for number in run {
                    let (offset, generation) = offsets[number]!
                    rows += [1, UInt8(offset >> 24 & 0xFF), UInt8(offset >> 16 & 0xFF), UInt8(offset >> 8 & 0xFF), UInt8(offset & 0xFF),
                             UInt8(generation >> 8 & 0xFF), UInt8(generation & 0xFF)]
                }
            }
            precondition(out.count < 1 << 32, "a PDF over 4 GiB cannot be written with 4-byte offsets")
            var dictionary = PDFDictionary(["Type": .name("XRef"), "W": .array([.integer(1), .integer(4), .integer(2)]),
                                            "Index": .array(index), "Filter": .name("FlateDecode")])
            for (key, value) in trailer { dictionary[key] = value }
            out.header(xrefNumber, 0)
            PDFSerializer.write(.stream(dictionary, PDFFilters.deflate(rows)), to: &out.bytes)
            PDFSerializer.put("\nendobj\n", to: &out.bytes)
        } else {
            trailer["Size"] = .integer(max(file.size, (offsets.keys.max() ?? 0) + 1))
            PDFSerializer.put("xref\n", to: &out.bytes)
            for run in Self.runs(offsets.keys.sorted()) {
                PDFSerializer.putDecimal(run.first!, to: &out.bytes)
                out.append(0x20)
                PDFSerializer.putDecimal(run.count, to: &out.bytes)
                out.append(0x0A)
                for number in run {
                    // Digits written in place: String(format:) per row was a tenth of a PDF seal,
                    // and padded Strings still a fiftieth.
                    let (offset, generation) = offsets[number]!
                    PDFSerializer.putDecimal(offset, width: 10, to: &out.bytes)
                    out.append(0x20)
                    PDFSerializer.putDecimal(generation, width: 5, to: &out.bytes)
                    PDFSerializer.put(" n\r\n", to: &out.bytes)
                }
            }
            PDFSerializer.put("trailer\n", to: &out.bytes)
            PDFSerializer.writeDictionary(trailer, to: &out.bytes)
            out.append(0x0A)
        }
        PDFSerializer.put("startxref\n", to: &out.bytes)
        PDFSerializer.putDecimal(xrefOffset, to: &out.bytes)
        PDFSerializer.put("\n%%EOF\n", to: &out.bytes)
        return (out.bytes, bodyOffsets)
    }

    /// Bytes appended after `base` bytes of file, counting offsets in the whole file.
    struct Appender {
        let base: Int
        var bytes: [UInt8] = []
        var count: Int { base + bytes.count }
        mutating func append(_ byte: UInt8) { bytes.append(byte) }
        /// "N G obj" and a newline.
        mutating func header(_ number: Int, _ generation: Int) {
            PDFSerializer.putDecimal(number, to: &bytes)
            bytes.append(0x20)
            PDFSerializer.putDecimal(generation, to: &bytes)
            PDFSerializer.put(" obj\n", to: &bytes)
        }
        static func += (appender: inout Appender, more: [UInt8]) { appender.bytes += more }
    }

    /// Consecutive runs of sorted numbers: one cross-reference subsection each.
    static func runs(_ numbers: [Int]) -> [[Int]] {
        var runs: [[Int]] = []
        for number in numbers {
            if let last = runs.last?.last, last + 1 == number { runs[runs.count - 1].append(number) } else { runs.append([number]) }
        }
        return runs
    }
}
