import Foundation
import Hummingbird

/// The page's words in each language, from the message catalogues (`Resources/*.json`, embedded
/// at build time); templates and code hold none. The language is the `lang` query parameter,
/// else the best of `Accept-Language`, else Simplified Chinese, the province's own.
struct PageCatalogue: Sendable {
    static let languages: [(code: String, file: [UInt8])] = [("zh-CN", PackageResources.zh_CN_json), ("en", PackageResources.en_json)]
    static let fallback = "zh-CN"

    let messages: [String: [String: String]]

    init() {
        var messages: [String: [String: String]] = [:]
        for (code, file) in Self.languages {
            // A catalogue that does not parse is a build mistake the page tests catch at once.
            messages[code] = (try? JSONDecoder().decode([String: String].self, from: Data(file))) ?? [:]
        }
        self.messages = messages
    }

    /// The language for `request`.
    static func language(of request: Request) -> String {
        if let asked = request.uri.queryParameters["lang"].map(String.init), let code = match(asked) { return code }
        let header = request.headers[.acceptLanguage] ?? ""
        // Tags in the order of their quality (the order given when equal).
        let ranked = header.split(separator: ",").enumerated().map { index, item -> (String, Double, Int) in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (parts.first ?? "", quality, index)
        }.sorted { ($0.1, -$0.2) > ($1.1, -$1.2) }
        return ranked.lazy.compactMap { match($0.0) }.first ?? fallback
    }

    /// A supported language for a tag: zh, zh-CN, zh-Hans… read Simplified Chinese; en-* English.
    static func match(_ tag: String) -> String? {
        let lower = tag.lowercased()
        if lower.hasPrefix("zh") { return "zh-CN" }
        if lower.hasPrefix("en") { return "en" }
        return nil
    }

    /// The catalogue of `language`, with `{{name}}` placeholders filled from `values`.
    func text(_ key: String, _ language: String, _ values: [String: String] = [:]) -> String {
        var text = messages[language]?[key] ?? messages[Self.fallback]?[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return text
    }
}
