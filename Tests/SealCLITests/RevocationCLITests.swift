import Foundation
import Testing
import SealTestSupport

/// Revocation through the real binary: the README's "issued in error" walk-through and refusals.
@Suite(.serialized) struct RevocationCLITests {
    let env = ["SEAL_PASSPHRASE": "revocation cli"]

    @Test func documentIssuedInErrorIsRevokedAndReplaced() throws {
        let base = try TestSupport.scratchDirectory("revoke-cli")
        defer { TestSupport.cleanUp(base) }
        func seal(_ arguments: [String]) throws -> TestSupport.Output { try TestSupport.seal(arguments, environment: env, in: base) }
        for arguments in [["init", "--data", "data"], ["enroll", "civil", "--data", "data", "--department", "Civil Registry"],
                          ["enroll", "land", "--data", "data", "--department", "Land Office"]] {
            #expect(try seal(arguments).status == 0)
        }
        try Data("Date of birth: 2026-01-02\n".utf8).write(to: base.appendingPathComponent("birth.txt"))
        try Data("Date of birth: 2026-01-03\n".utf8).write(to: base.appendingPathComponent("birth-corrected.txt"))
        #expect(try seal(["sign", "birth.txt", "--seal", "civil", "--data", "data"]).status == 0)
        #expect(try seal(["sign", "birth-corrected.txt", "--seal", "civil", "--data", "data"]).status == 0)

        let wrongDepartment = try seal(["revoke", "birth.txt.p7s", "--reason", "error", "--as", "land", "--data", "data"])
        #expect(wrongDepartment.status == 1 && wrongDepartment.stderrLines.count == 1)
        #expect(wrongDepartment.stderr.contains("not permitted"))
        let badReason = try seal(["revoke", "birth.txt.p7s", "--reason", "mistake", "--data", "data"])
        #expect(badReason.status == 64)

        let revoked = try seal(["revoke", "birth.txt.p7s", "--reason", "error", "--replaced-by", "birth-corrected.txt.p7s",
                                "--note", "wrong date of birth", "--data", "data"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let twice = try seal(["revoke", "birth.txt.p7s", "--reason", "error", "--data", "data"])
        #expect(twice.status == 1 && twice.stderr.contains("already revoked"))

        let online = try seal(["verify", "birth.txt", "--data", "data", "--json"])
        #expect(online.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(online.stdout.utf8)) as? [String: Any])
        #expect(report["subIndication"] as? String == "REVOKED")
        let document = (report["revocation"] as? [String: Any])?["document"] as? [String: Any]
        #expect(document?["reason"] as? String == "error")
        #expect(document?["replacedBy"] as? Int == 1)
        #expect(document?["revokedAt"] != nil)
        #expect(try seal(["verify", "birth-corrected.txt", "--data", "data"]).status == 0)

        #expect(try seal(["trust", "export", "--data", "data", "-o", "trust.pem"]).status == 0)
        #expect(try seal(["status", "export", "--data", "data", "-o", "status.note"]).status == 0)
        let offline = try seal(["verify", "birth.txt", "--trust", "trust.pem", "--status", "status.note"])
        #expect(offline.status == 1 && offline.stdout.hasPrefix("TOTAL-FAILED/REVOKED"))
        #expect(try seal(["verify", "birth-corrected.txt", "--trust", "trust.pem", "--status", "status.note"]).status == 0)
        let badStatus = try seal(["verify", "birth.txt", "--trust", "trust.pem", "--status", "birth.txt"])
        #expect(badStatus.status == 65 && badStatus.stderrLines.count == 1)

        // A revoked seal can no longer sign; the CRL lists it.
        #expect(try seal(["revoke-seal", "land", "--reason", "cessation", "--data", "data"]).status == 0)
        let refused = try seal(["sign", "birth.txt", "--seal", "land", "--data", "data"])
        #expect(refused.status == 1 && refused.stderr.contains("revoked"))
        #expect(try seal(["seals", "--data", "data"]).stdout.contains("revoked"))
        #expect(try seal(["revoke-seal", "land", "--reason", "bored", "--data", "data"]).status == 64)
        #expect(try seal(["audit", "--data", "data"]).status == 0)
    }
}
