import Foundation
import Testing
import SealService
import SealTestSupport

/// Runs every known-answer case in Vectors/manifest.json through full verification.
@Suite struct VectorTests {
    static let cases = (try? VectorManifest.load().cases) ?? []

    @Test func manifestCoversTheRequiredCases() {
        let names = Set(Self.cases.map(\.name))
        let required = ["valid-ecdsa-p256", "valid-ecdsa-p384", "valid-rsa-pss", "document-changed", "signed-attribute-changed",
                        "signature-from-other-key", "untrusted-root", "certificate-expired", "certificate-not-yet-valid",
                        "wrong-key-usage", "timestamp-other-signature", "truncated-der", "random-bytes", "empty-file",
                        "openssl-cms-cades", "archive-no-receipt", "archive-receipt-of-other-seal", "archive-receipt-bad-proof",
                        "archive-receipt-bad-checkpoint-signature", "archive-receipt-foreign-log", "archive-receipt-malformed",
                        "revoked-document", "seal-revoked-after-sealing-superseded", "seal-key-compromised-before-timestamp",
                        "stale-crl"]
        #expect(required.allSatisfy(names.contains), "missing: \(required.filter { !names.contains($0) })")
    }

    @Test(arguments: cases)
    func verdictMatchesManifest(_ vector: VectorManifest.Case) throws {
        let report = try VectorManifest.verify(vector)
        #expect(report.indication == vector.expected.indication, "\(vector.name): \(report.summary)")
        #expect(report.subIndication == vector.expected.subIndication, "\(vector.name): \(report.summary)")
    }
}
