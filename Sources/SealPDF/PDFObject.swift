public import Foundation

/// An indirect object's number and generation (`12 0 R`).
public struct PDFReference: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let number: Int
    public let generation: Int
    public init(_ number: Int, _ generation: Int = 0) {
        self.number = number
        self.generation = generation
    }
    public var description: String { "\(number) \(generation) R" }
    public static func < (a: Self, b: Self) -> Bool { (a.number, a.generation) < (b.number, b.generation) }
}

/// A PDF object (ISO 32000-1 §7.3) as read, or as Seal writes it. Values are kept as their
/// meaning (a string's bytes, a name's characters), so two objects compare equal when a reader
/// would read them the same, whatever their spelling in the file.
public indirect enum PDFObject: Hashable, Sendable {
    case null
    case boolean(Bool)
    case integer(Int)
    /// A real, kept as written (normalized: no leading '+'): PDF readers compare reals as text.
    case real(String)
    case string([UInt8])
    case name(String)
    case array([PDFObject])
    case dictionary(PDFDictionary)
    case reference(PDFReference)
    /// A stream: its dictionary and its bytes as stored (still encoded by `/Filter`).
    case stream(PDFDictionary, [UInt8])

    public var dictionary: PDFDictionary? {
        switch self {
        case .dictionary(let d), .stream(let d, _): d
        default: nil
        }
    }
    public var array: [PDFObject]? { if case .array(let a) = self { a } else { nil } }
    public var integer: Int? { if case .integer(let i) = self { i } else { nil } }
    public var name: String? { if case .name(let n) = self { n } else { nil } }
    public var string: [UInt8]? { if case .string(let s) = self { s } else { nil } }
    public var reference: PDFReference? { if case .reference(let r) = self { r } else { nil } }
    /// Every reference the value holds, at any depth (a stream's, in its dictionary).
    public var references: [PDFReference] {
        var found: [PDFReference] = [], values = [self]
        while let value = values.popLast() {
            switch value {
            case .reference(let reference): found.append(reference)
            case .array(let items): values += items
            case .dictionary(let dictionary), .stream(let dictionary, _): values += dictionary.entries.map(\.value)
            default: continue
            }
        }
        return found
    }
    public var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .real(let r): Double(r)
        default: nil
        }
    }

    /// Text of a PDF text string: UTF-16BE with its byte order mark, or (simplified) Latin-1 for
    /// PDFDocEncoding, which agrees with it for the printable characters that matter in reports.
    public var text: String? {
        guard let bytes = string else { return nil }
        if bytes.starts(with: [0xFE, 0xFF]) {
            let units = stride(from: 2, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return String(decoding: bytes.dropFirst(3), as: UTF8.self) }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// A text string for `text`: ASCII as is, anything else UTF-16BE with a byte order mark.
    public static func text(_ text: String) -> PDFObject {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return .string(Array(text.utf8)) }
        return .string([0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }
}

/// A dictionary with its keys in the order read or built, so what Seal writes back is stable
/// and diffs stay readable. Lookups are linear: PDF dictionaries hold a handful of keys.
public struct PDFDictionary: Hashable, Sendable, Sequence {
    public private(set) var entries: [(key: String, value: PDFObject)]

    public init(_ entries: [(key: String, value: PDFObject)] = []) { self.entries = entries }
    public init(_ pairs: KeyValuePairs<String, PDFObject>) { entries = pairs.map { ($0.key, $0.value) } }

    public subscript(key: String) -> PDFObject? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public func makeIterator() -> IndexingIterator<[(key: String, value: PDFObject)]> { entries.makeIterator() }

    /// Equal when the same keys map to the same values, in any order (a null value is an absent key).
    public static func == (a: Self, b: Self) -> Bool {
        let left = a.entries.filter { $0.value != .null }, right = b.entries.filter { $0.value != .null }
        guard left.count == right.count else { return false }
        return left.allSatisfy { entry in b[entry.key] == entry.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.filter { $0.value != .null }.map(\.key).sorted())
    }

    /// The keys whose values differ between `self` and `other` (present in one only, or changed).
    public func changedKeys(from other: PDFDictionary) -> Set<String> {
        Set(keys + other.keys).filter { (self[$0] ?? .null) != (other[$0] ?? .null) }
    }
}
