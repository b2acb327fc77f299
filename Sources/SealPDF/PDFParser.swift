import Foundation

/// Why a PDF cannot be read or sealed. Every case says what, and where when it is known.
public enum PDFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes do not follow the PDF syntax Seal reads strictly.
    case malformed(String, offset: Int?)
    /// Well-formed, but Seal will not work on it (encrypted, too large, forbidden by its author).
    case refused(String)
    /// An object the document needs is not in it.
    case missing(String)

    public var description: String {
        switch self {
        case .malformed(let what, let offset?): "malformed PDF at byte \(offset): \(what)"
        case .malformed(let what, nil): "malformed PDF: \(what)"
        case .refused(let why): why
        case .missing(let what): "the PDF lacks \(what)"
        }
    }
}

/// Reads PDF objects from bytes (ISO 32000-1 §7.2, §7.3), strictly: a token that does not fit
/// is an error, never a guess. Nesting is bounded so hostile input cannot exhaust the stack.
struct PDFParser {
    let bytes: [UInt8]
    var position: Int
    static let maximumDepth = 64
    /// Whether a byte is PDF white space (§7.2.2).
    static func isWhite(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00 }
    /// Whether a byte is a PDF delimiter.
    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "/"), UInt8(ascii: "%"): true
        default: false
        }
    }
    static func isRegular(_ byte: UInt8) -> Bool { !isWhite(byte) && !isDelimiter(byte) }

    init(_ bytes: [UInt8], at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    func fail(_ what: String) -> PDFError { .malformed(what, offset: position) }

    /// Skips white space and comments.
    mutating func skipWhite() {
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isWhite(byte) {
                position += 1
            } else if byte == UInt8(ascii: "%") {
                while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
            } else {
                return
            }
        }
    }

    /// The next regular-character token (a keyword or number) without consuming it.
    func peekWord() -> ArraySlice<UInt8> {
        var end = position
        while end < bytes.count, Self.isRegular(bytes[end]) { end += 1 }
        return bytes[position..<end]
    }

    mutating func word() -> ArraySlice<UInt8> {
        let token = peekWord()
        position = token.endIndex
        return token
    }

    /// Consumes `keyword` (after white space) or fails.
    mutating func expect(_ keyword: String) throws(PDFError) {
        skipWhite()
        guard word().elementsEqual(keyword.utf8) else { throw fail("expected '\(keyword)'") }
    }

    /// A non-negative integer token (leading zeros allowed, as producers pad numbers).
    mutating func unsignedInteger() throws(PDFError) -> Int {
        skipWhite()
        let token = word()
        guard let value = Self.integer(token), value >= 0 else { throw fail("expected a number") }
        return value
    }

    static func integer(_ token: ArraySlice<UInt8>) -> Int? {
        var digits = token[...]
        var negative = false
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return negative ? -value : value
    }

    /// One object, references included (`n g R`). Streams are read by `indirectObject`, which
    /// knows where the object ends.
    mutating func object(depth: Int = 0) throws(PDFError) -> PDFObject {
        guard depth < Self.maximumDepth else { throw fail("objects nested more than \(Self.maximumDepth) deep") }
        skipWhite()
        guard position < bytes.count else { throw fail("unexpected end of file") }
        switch bytes[position] {
        case UInt8(ascii: "/"):
            return .name(try name())
        case UInt8(ascii: "("):
            return .string(try literalString())
        case UInt8(ascii: "<"):
            if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "<") {
                return .dictionary(try dictionary(depth: depth))
            }
            return .string(try hexString())
        case UInt8(ascii: "["):
            position += 1
            var items: [PDFObject] = []
            while true {
                skipWhite()
                guard position < bytes.count else { throw fail("unterminated array") }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                items.append(try object(depth: depth + 1))
            }
        default:
            let start = position
            let token = word()
            if token.isEmpty { throw fail("unexpected character \(String(format: "0x%02X", bytes[start]))") }
            switch String(decoding: token, as: UTF8.self) {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            case "null": return .null
            default: break
            }
            if let value = Self.integer(token) {
                // `n g R`: look ahead without consuming unless both tokens fit.
                if value >= 0 {
                    var ahead = self
                    ahead.skipWhite()
                    if let generation = Self.integer(ahead.word()), generation >= 0, generation <= 65_535 {
                        ahead.skipWhite()
                        if ahead.word().elementsEqual("R".utf8) {
                            self = ahead
                            return .reference(PDFReference(value, generation))
                        }
                    }
                }
                return .integer(value)
            }
            if let real = Self.real(token) { return .real(real) }
            position = start
            throw fail("unexpected token '\(String(decoding: token.prefix(20), as: UTF8.self))'")
        }
    }

    static func real(_ token: ArraySlice<UInt8>) -> String? {
        var body = token[...]
        var sign = ""
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            if first == UInt8(ascii: "-") { sign = "-" }
            body = body.dropFirst()
        }
        let dots = body.filter { $0 == UInt8(ascii: ".") }.count
        guard dots == 1, body.count > 1, body.count <= 40,
              body.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) else { return nil }
        return sign + String(decoding: body, as: UTF8.self)
    }

    mutating func name() throws(PDFError) -> String {
        position += 1
        // Most names are plain ASCII without escapes: read them in one step.
        let start = position
        while position < bytes.count, Self.isRegular(bytes[position]), bytes[position] != UInt8(ascii: "#"), bytes[position] < 0x80 {
            position += 1
        }
        if position == bytes.count || !Self.isRegular(bytes[position]) {
            guard position - start <= 127 else { throw fail("a name longer than 127 bytes") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        var out = Array(bytes[start..<position])
        while position < bytes.count, Self.isRegular(bytes[position]) {
            let byte = bytes[position]
            if byte == UInt8(ascii: "#") {
                guard position + 2 < bytes.count, let high = Self.hexValue(bytes[position + 1]), let low = Self.hexValue(bytes[position + 2]) else {
                    throw fail("bad #xx escape in a name")
                }
                out.append(high << 4 | low)
                position += 3
            } else {
                out.append(byte)
                position += 1
            }
        }
        guard out.count <= 127 else { throw fail("a name longer than 127 bytes") }
        // Names are bytes; Seal keeps each as one character (Latin-1), so any name round-trips.
        return String(out.map { Character(Unicode.Scalar($0)) })
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The bytes an unbroken run of hex digit pairs spells, or nil when `digits` holds anything
    /// else or an odd count. A signature's `/Contents` is written so, and is read (and compared
    /// with its byte range's gap) once per verification: a table and one pass over the buffer
    /// took that from 8% of verifying a 100 KB PDF to under 1% (`perf`).
    static func hexPairs(_ digits: ArraySlice<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: digits.count / 2) { buffer, count in
            valid = forEachHexPair(digits) { index, byte in
                buffer[index] = byte
                return true
            }
            count = valid ? digits.count / 2 : 0
        }
        return valid ? out : nil
    }

    /// Whether `digits` are pairs of hex digits spelling exactly `bytes`: `hexPairs(digits) ==
    /// bytes` without decoding into a copy (a signature's /Contents is checked against its
    /// byte-range gap this way).
    static func hexPairs(_ digits: ArraySlice<UInt8>, spell bytes: [UInt8]) -> Bool {
        guard digits.count == bytes.count * 2 else { return false }
        return bytes.withUnsafeBufferPointer { bytes in forEachHexPair(digits) { index, byte in bytes[index] == byte } }
    }

    /// Decodes `digits` pair by pair, handing each byte and its index to `body`, in one pass
    /// over the buffer; false at the first pair that is not two hex digits, or when `body`
    /// returns false. An odd last digit is left to the caller.
    private static func forEachHexPair(_ digits: ArraySlice<UInt8>, _ body: (Int, UInt8) -> Bool) -> Bool {
        digits.withUnsafeBytes { input in
            pairTable.withUnsafeBufferPointer { table in
                for index in 0..<(input.count / 2) {
                    let value = table[Int(UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))]
                    guard value < 0x100, body(index, UInt8(truncatingIfNeeded: value)) else { return false }
                }
                return true
            }
        }
    }

    /// The byte each pair of bytes spells as two hex digits, indexed by the pair read as a
    /// little-endian UInt16 (the first digit in the low byte); 0x100 when either is not a hex
    /// digit. One load per pair instead of two: a signature's /Contents is some 18,000 digits,
    /// decoded once and compared once per verification.
    private static let pairTable: [UInt16] = {
        let digits = (0...255).map { hexValue(UInt8($0)) }
        return (0..<65536).map { pair in
            guard let high = digits[pair & 0xFF], let low = digits[pair >> 8] else { return 0x100 }
            return UInt16(high << 4 | low)
        }
    }()

    mutating func hexString() throws(PDFError) -> [UInt8] {
        position += 1
        // Pairs of hex digits without white space up to the `>`, as a signature's /Contents is
        // written, in one pass (the general loop below handles the rest).
        let end = bytes.withUnsafeBufferPointer { buffer in
            position < buffer.count ? memchr(buffer.baseAddress! + position, Int32(UInt8(ascii: ">")), buffer.count - position)
                .map { buffer.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } : nil
        }
        if let end, let decoded = Self.hexPairs(bytes[position..<end]) {
            position = end + 1
            return decoded
        }
        var out: [UInt8] = []
        var high: UInt8? = nil
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: ">") {
                if let high { out.append(high << 4) }
                return out
            }
            if Self.isWhite(byte) { continue }
            guard let value = Self.hexValue(byte) else { throw fail("a non-hex character in a hex string") }
            if let pending = high { out.append(pending << 4 | value); high = nil } else { high = value }
        }
        throw fail("unterminated hex string")
    }

    mutating func literalString() throws(PDFError) -> [UInt8] {
        position += 1
        var out: [UInt8] = []
        var depth = 1
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "("):
                depth += 1
                out.append(byte)
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return out }
                out.append(byte)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw fail("unterminated string") }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case 0x0D:
                    if position < bytes.count, bytes[position] == 0x0A { position += 1 }
                case 0x0A: break
                case 0x30...0x37:
                    var value = Int(escaped - 0x30)
                    for _ in 0..<2 {
                        guard position < bytes.count, (0x30...0x37).contains(bytes[position]) else { break }
                        value = value * 8 + Int(bytes[position] - 0x30)
                        position += 1
                    }
                    out.append(UInt8(truncatingIfNeeded: value))
                default: out.append(escaped)
                }
            case 0x0D:
                // An end of line in a string reads as one line feed (§7.3.4.2).
                if position < bytes.count, bytes[position] == 0x0A { position += 1 }
                out.append(0x0A)
            default:
                out.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    mutating func dictionary(depth: Int) throws(PDFError) -> PDFDictionary {
        position += 2
        var entries: [(key: String, value: PDFObject)] = []
        while true {
            skipWhite()
            guard position < bytes.count else { throw fail("unterminated dictionary") }
            if bytes[position] == UInt8(ascii: ">") {
                guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: ">") else { throw fail("expected '>>'") }
                position += 2
                return PDFDictionary(entries)
            }
            guard bytes[position] == UInt8(ascii: "/") else { throw fail("a dictionary key that is not a name") }
            let key = try name()
            let value = try object(depth: depth + 1)
            guard !entries.contains(where: { $0.key == key }) else { throw fail("the key /\(key) appears twice in a dictionary") }
            entries.append((key, value))
        }
    }

    /// `n g obj … endobj` at the current position, expecting `reference`. A stream's length
    /// comes from `length`, which resolves an indirect `/Length`.
    /// The object numbers of the references (`n g R`) in the object that starts at `start`, up to
    /// its `endobj`, the `stream` keyword of a stream, or (`oneObject`, for an object stream's
    /// member) the end of its one value. Strings and comments are skipped, so text that spells a
    /// reference is none; what does not read as PDF ends the scan.
    static func referencedNumbers(_ bytes: [UInt8], from start: Int, oneObject: Bool = false) -> [Int] {
        // Over the raw buffer, tokens told apart by length and bytes: with Array subscripts and
        // tokens compared to Strings' UTF-8 views, this scan was 14 ns a byte and a tenth of
        // sealing a 100 KB PDF once new objects had to skip the numbers it refers to.
        bytes.withUnsafeBufferPointer { buffer in referencedNumbers(buffer, from: start, oneObject: oneObject) }
    }

    private static func referencedNumbers(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, oneObject: Bool) -> [Int] {
        var numbers: [Int] = []
        var previous: (Int?, Int?) = (nil, nil)  // the last two tokens, when unsigned integers
        var position = start, nesting = 0
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            if isWhite(byte) { position += 1; continue }
            switch byte {
            case UInt8(ascii: "%"):
                while position < count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
                continue
            case UInt8(ascii: "("):
                var depth = 0
                while position < count {
                    let current = bytes[position]
                    if current == UInt8(ascii: "\\") { position += 2; continue }
                    if current == UInt8(ascii: "(") { depth += 1 }
                    if current == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                    position += 1
                }
                position += 1
                previous = (nil, nil)
            case UInt8(ascii: "<") where position + 1 < count && bytes[position + 1] != UInt8(ascii: "<"):
                // A signature's /Contents is tens of kilobytes of hex: found in one step.
                let end = memchr(bytes.baseAddress! + position, Int32(UInt8(ascii: ">")), count - position)
                position = end.map { bytes.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? count
                position += 1
                previous = (nil, nil)
            case UInt8(ascii: "<"), UInt8(ascii: "["):
                position += byte == UInt8(ascii: "<") ? 2 : 1
                nesting += 1
                previous = (nil, nil)
            case UInt8(ascii: ">"), UInt8(ascii: "]"):
                position += byte == UInt8(ascii: ">") ? 2 : 1
                nesting -= 1
                previous = (nil, nil)
                if oneObject, nesting <= 0 { return numbers }
            default:
                let tokenStart = position
                if byte == UInt8(ascii: "/") { position += 1 }
                var value = 0, digitsOnly = byte != UInt8(ascii: "/")
                while position < count, isRegular(bytes[position]) {
                    let current = bytes[position]
                    if digitsOnly, current >= 0x30, current <= 0x39, position - tokenStart < 18 {
                        value = value * 10 + Int(current - 0x30)
                    } else {
                        digitsOnly = false
                    }
                    position += 1
                }
                let length = position - tokenStart
                if length == 0 { position += 1; previous = (nil, nil); continue }
                if length == 1 && byte == UInt8(ascii: "R"), let number = previous.0, previous.1 != nil {
                    numbers.append(number)
                    previous = (nil, nil)
                } else if digitsOnly {
                    previous = (previous.1, value)
                } else {
                    if length == 6, Self.spells(bytes, tokenStart, "endobj") || Self.spells(bytes, tokenStart, "stream") { return numbers }
                    previous = (nil, nil)
                }
                // An object stream's member that is no container ends with its one token.
                if oneObject, nesting <= 0 { return numbers }
            }
        }
        return numbers
    }

    /// Whether the six bytes at `start` are `word` (six ASCII letters).
    private static func spells(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ word: StaticString) -> Bool {
        word.withUTF8Buffer { letters in (0..<6).allSatisfy { bytes[start + $0] == letters[$0] } }
    }

    mutating func indirectObject(_ reference: PDFReference, length: (PDFObject) throws(PDFError) -> Int) throws(PDFError) -> PDFObject {
        let number = try unsignedInteger(), generation = try unsignedInteger()
        guard number == reference.number, generation == reference.generation else {
            throw fail("the cross-reference table points at object \(number) \(generation), not \(reference.number) \(reference.generation)")
        }
        try expect("obj")
        let value = try object()
        skipWhite()
        if peekWord().elementsEqual("stream".utf8) {
            guard case .dictionary(let dictionary) = value else { throw fail("a stream without a dictionary") }
            position += 6
            // The keyword is followed by CRLF or LF (§7.3.8.1); a lone CR is tolerated by no one.
            if position < bytes.count, bytes[position] == 0x0D { position += 1 }
            guard position < bytes.count, bytes[position] == 0x0A else { throw fail("'stream' not followed by an end of line") }
            position += 1
            let count = try length(dictionary["Length"] ?? .null)
            guard count >= 0, position + count <= bytes.count else { throw fail("a stream's /Length runs past the end of the file") }
            let data = Array(bytes[position..<(position + count)])
            position += count
            try expect("endstream")
            try expect("endobj")
            return .stream(dictionary, data)
        }
        try expect("endobj")
        return value
    }
}
