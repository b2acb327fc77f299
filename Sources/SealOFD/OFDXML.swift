import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An OFD XML file read into a small tree: local element names (the "ofd:" prefix dropped),
/// attributes and text. Only for reading what a file says; Seal never writes back a file it
/// read. A document type declaration is refused outright: OFD needs none, and it is where
/// entity expansion and external entities live.
struct OFDXMLNode: Sendable {
    var name: String
    /// The name as written, prefix included ("ofd:Signatures").
    var qualifiedName: String
    var attributes: [String: String]
    var children: [OFDXMLNode] = []
    var text = ""

    /// Files larger than this are not OFD descriptions (page content included).
    static let maximumSize = 32 * 1024 * 1024
    static let maximumDepth = 64
    static let doctype = Array("<!DOCTYPE".utf8)
    static let entity = Array("<!ENTITY".utf8)

    /// `stoppingAt`: the parse ends when a child of the root with this local name starts, and
    /// the root holds the children before it (what follows is not read, nor checked).
    static func parse(_ bytes: [UInt8], name: String, stoppingAt stop: String? = nil) throws(OFDError) -> OFDXMLNode {
        guard bytes.count <= maximumSize else { throw .refused("\(name) is larger than \(maximumSize / 1024 / 1024) MiB") }
        if bytes.contains(subsequence: Self.doctype) || bytes.contains(subsequence: Self.entity) {
            throw .refused("\(name) declares a document type or entities, which OFD never needs")
        }
        // FoundationXML traps on an element name that is not UTF-8 (found by fuzzing; SECURITY.md
        // finding 10); the XML of an OFD is UTF-8.
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .badXML(name, "not UTF-8, as OFD's XML must be") }
        let builder = Builder(stop: stop)
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = builder
        let parsed = parser.parse()
        if builder.stopped, builder.failure == nil, let root = builder.stack.first { return root }
        guard parsed, builder.failure == nil, let root = builder.root else {
            throw .badXML(name, builder.failure ?? "not well-formed XML (\(parser.parserError.map { "\($0)" } ?? "unknown error"))")
        }
        return root
    }

    /// The first child named `name`.
    func child(_ name: String) -> OFDXMLNode? { children.first { $0.name == name } }
    func all(_ name: String) -> [OFDXMLNode] { children.filter { $0.name == name } }
    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
    /// The namespace prefix with its colon ("ofd:"), or "" when the element has none.
    var prefix: String { qualifiedName.contains(":") ? String(qualifiedName.prefix { $0 != ":" }) + ":" : "" }

    private final class Builder: NSObject, XMLParserDelegate {
        let stop: String?
        var stack: [OFDXMLNode] = []
        var root: OFDXMLNode?
        var failure: String?
        var stopped = false

        init(stop: String?) { self.stop = stop }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            guard !stopped else { return }
            guard stack.count < OFDXMLNode.maximumDepth else {
                failure = "nested deeper than \(OFDXMLNode.maximumDepth) elements"
                parser.abortParsing()
                return
            }
            if let stop, stack.count == 1, Self.localName(elementName) == stop {
                stopped = true
                parser.abortParsing()
                return
            }
            var local: [String: String] = [:]
            for (key, value) in attributes { local[Self.localName(key)] = value }
            stack.append(OFDXMLNode(name: Self.localName(elementName), qualifiedName: elementName, attributes: local))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard !stopped, let node = stack.popLast() else { return }
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stopped, !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if failure == nil && !stopped { failure = "not well-formed XML (\(parseError))" }
        }

        static func localName(_ name: String) -> String {
            name.split(separator: ":").last.map(String.init) ?? name
        }
    }
}

/// Text and attribute values written into XML Seal makes.
enum XMLText {
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs: `memchr` for its second byte, then a comparison. Foundation's
    /// generic `firstRange(of:)` took 30% of sealing an OFD when every XML file was scanned
    /// with it, and a byte loop that stopped at every "<" still 7% of verifying one (the DOCTYPE
    /// and ENTITY checks read every page whole, and XML is mostly "<"); their "!" is rare.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard count >= needle.count else { return false }
        let anchor = needle.count > 1 ? 1 : 0
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needle in
                let base = haystack.baseAddress!
                var from = anchor
                while from < haystack.count, let hit = memchr(base + from, Int32(needle[anchor]), haystack.count - from) {
                    let start = base.distance(to: UnsafeRawPointer(hit)) - anchor
                    if start + needle.count <= haystack.count, memcmp(base + start, needle.baseAddress!, needle.count) == 0 { return true }
                    from = start + anchor + 1
                }
                return false
            }
        }
    }
}
