import Foundation
import Testing
import SealCore

/// Runs every known-answer case in Vectors/manifest.json through the verifier.
@Suite struct VectorTests {
    struct Manifest: Decodable {
        struct Case: Decodable, CustomTestStringConvertible, Sendable {
            struct Expected: Decodable, Sendable {
                let indication: Indication
                let subIndication: SubIndication?
            }
            let name: String
            let document: String
            let signature: String
            let trust: String
            let expected: Expected
            var testDescription: String { name }
        }
        let cases: [Case]
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Vectors").standardizedFileURL

    static let cases: [Manifest.Case] = {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    static func bytes(_ path: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) ?? Data())
    }

    @Test func manifestCoversTheRequiredCases() {
        let names = Set(Self.cases.map(\.name))
        let required = ["valid-ecdsa-p256", "valid-ecdsa-p384", "valid-rsa-pss", "document-changed", "signed-attribute-changed",
                        "signature-from-other-key", "untrusted-root", "certificate-expired", "certificate-not-yet-valid",
                        "wrong-key-usage", "timestamp-other-signature", "truncated-der", "random-bytes", "empty-file",
                        "openssl-cms-cades"]
        #expect(required.allSatisfy(names.contains), "missing: \(required.filter { !names.contains($0) })")
    }

    @Test(arguments: cases)
    func verdictMatchesManifest(_ vector: Manifest.Case) throws {
        let bundle = try TrustBundle(pem: Self.bytes(vector.trust))
        let report = SealVerifier(trust: bundle.anchors).verify(seal: Self.bytes(vector.signature), document: Self.bytes(vector.document))
        #expect(report.indication == vector.expected.indication, "\(vector.name): \(report.summary)")
        #expect(report.subIndication == vector.expected.subIndication, "\(vector.name): \(report.summary)")
    }
}
