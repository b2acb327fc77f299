public import Foundation

/// The externally authored vectors in ../shared/vectors (beside the repository).
public enum SharedVectors {
    /// `../shared/vectors` beside the repository (as CI lays it out), or $SEAL_SHARED_VECTORS.
    public static let folder = ProcessInfo.processInfo.environment["SEAL_SHARED_VECTORS"].map { URL(fileURLWithPath: $0) }
        ?? TestSupport.repository.appendingPathComponent("../shared/vectors").standardizedFileURL

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "shared test vector \(path) not found (expected ../shared/vectors beside the repository)" }
    }

    public static func json(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Missing(path: path) }
        return object
    }
}

extension Array where Element == UInt8 {
    public init(base64 text: String) { self = Array(Data(base64Encoded: text) ?? Data()) }
}
