import Mustache

/// The templates' escaping (`{{% CONTENT_TYPE: HTML_UTF8}}` at the top of each): the same five
/// characters as swift-mustache's own HTML escaping, found by scanning UTF-8 bytes. Its own looks
/// every Character up in a dictionary; on a result page (nineteen checks with their details)
/// that was most of the rendering time in `seal-bench page`.
struct UTF8HTMLEscaping: MustacheContentType {
    static let name = "HTML_UTF8"

    func escapeText(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String? in
            // Most values have nothing to escape: they are returned as they are.
            guard let first = bytes.firstIndex(where: Self.isSpecial) else { return nil }
            var escaped = [UInt8](bytes[..<first])
            escaped.reserveCapacity(bytes.count + 32)
            for byte in bytes[first...] {
                switch byte {
                case UInt8(ascii: "<"): escaped += "&lt;".utf8
                case UInt8(ascii: ">"): escaped += "&gt;".utf8
                case UInt8(ascii: "&"): escaped += "&amp;".utf8
                case UInt8(ascii: "\""): escaped += "&quot;".utf8
                case UInt8(ascii: "'"): escaped += "&#39;".utf8
                default: escaped.append(byte)
                }
            }
            return String(decoding: escaped, as: UTF8.self)
        } ?? text
    }

    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
