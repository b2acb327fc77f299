public import Foundation
public import SealService

/// Vectors/manifest.json: known-answer cases with their expected verdicts.
public struct VectorManifest: Decodable, Sendable {
    public struct Case: Decodable, Sendable, CustomStringConvertible {
        public struct Expected: Decodable, Sendable {
            public let indication: Indication
            public let subIndication: SubIndication?
        }
        public let name: String
        public let document: String
        public let signature: String
        public let trust: String
        /// Optional revocation information given to the verifier.
        public let crl: String?
        public let status: String?
        public let expected: Expected
        public var description: String { name }
    }
    public let cases: [Case]

    /// The repository's Vectors/ folder.
    public static let repositoryFolder = TestSupport.repository.appendingPathComponent("Vectors")

    public static func load(_ folder: URL = repositoryFolder) throws -> VectorManifest {
        try JSONDecoder().decode(VectorManifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }

    /// Verifies one case offline, exactly as `seal verify --trust` does.
    public static func verify(_ vector: Case, in folder: URL = repositoryFolder) throws -> VerificationReport {
        let bytes = { (path: String) in TestSupport.bytes(folder.appendingPathComponent(path)) }
        let trust = try SealService.trustBundle(pem: bytes(vector.trust))
        return try SealService.verify(seal: bytes(vector.signature), document: bytes(vector.document), trust: trust,
                                      revocationLists: try vector.crl.map { [try SealService.revocationList(bytes($0))] } ?? [],
                                      statusList: try vector.status.map { try SealService.documentStatusList(bytes($0), trust: trust) })
    }
}
