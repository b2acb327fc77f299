public import Foundation

/// The externally authored vectors copied into `Vectors/external` (each folder with its
/// SOURCES.md and licence). Tests read only the repository: a clone must pass on its own.
public enum ExternalVectors {
    public static let folder = TestSupport.repository.appendingPathComponent("Vectors/external")

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "external test vector Vectors/external/\(path) not found or not a JSON object" }
    }

    public static func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    public static func json(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url(path).path),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Missing(path: path) }
        return object
    }
}

extension Array where Element == UInt8 {
    public init(base64 text: String) { self = Array(Data(base64Encoded: text) ?? Data()) }
}
