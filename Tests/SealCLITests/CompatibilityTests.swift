import Foundation
import Testing
import SealTestSupport

/// A data directory written by release 0.4 (`Vectors/compat/v0.4`, made by `Vectors/compat/make.sh`
/// with that release's `seal`): this release opens it, upgrades its archive, verifies the seals it
/// made, seals with its keys and audits it. Its certificates are valid until 2036.
@Suite(.serialized) struct CompatibilityTests {
    let env = ["SEAL_PASSPHRASE": "compatibility fixture, test only"]

    @Test func release04DataDirectoryKeepsWorking() throws {
        let base = try TestSupport.scratchDirectory("compat")
        defer { TestSupport.cleanUp(base) }
        let fixture = base.appendingPathComponent("v0.4")
        try FileManager.default.copyItem(at: TestSupport.repository.appendingPathComponent("Vectors/compat/v0.4"), to: fixture)
        func seal(_ arguments: [String]) throws -> TestSupport.Output { try TestSupport.seal(arguments, environment: env, in: fixture) }

        // Seals made by 0.4, offline with its trust bundle (receipts embedded) and online.
        for document in ["permit.txt", "birth-corrected.txt", "deed.txt"] {
            let offline = try seal(["verify", document, "--trust", "trust.pem"])
            #expect(offline.status == 0, "\(document): \(offline.stdout) \(offline.stderr)")
            let online = try seal(["verify", document, "--data", "data"])
            #expect(online.status == 0, "\(document): \(online.stdout) \(online.stderr)")
        }
        let revoked = try seal(["verify", "birth.txt", "--data", "data"])
        #expect(revoked.status == 1 && revoked.stdout.hasPrefix("TOTAL-FAILED/REVOKED"), "\(revoked.stdout) \(revoked.stderr)")
        // The seal revoked after it sealed cannot seal any more; the other one can.
        try Data("Business permit No. 8\n".utf8).write(to: fixture.appendingPathComponent("new.txt"))
        #expect(try seal(["sign", "new.txt", "--seal", "land", "--data", "data"]).status == 1)
        let signed = try seal(["sign", "new.txt", "--seal", "civil", "--data", "data"])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try seal(["verify", "new.txt", "--trust", "trust.pem"]).status == 0)
        let audit = try seal(["audit", "--data", "data", "--json"])
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])
        #expect(report["entries"] as? Int == 7, "\(report)")  // 0.4 wrote 6: four seals, a revocation, a CRL
    }
}
