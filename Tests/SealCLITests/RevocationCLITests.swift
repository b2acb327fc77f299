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

/// The archive's derived tables changed behind the service's back (as `sqlite3` on the file
/// would): online verification never passes a revoked document or a seal whose key was revoked,
/// and `seal audit` exits 1 naming the difference.
@Suite(.serialized) struct TamperedIndexCLITests {
    let env = ["SEAL_PASSPHRASE": "tampered index"]

    /// A data directory with `birth.txt` sealed by `civil` and revoked, and `deed.txt` sealed by
    /// `land`, whose key was then revoked as compromised since before it sealed.
    func prepared(in base: URL) throws {
        func seal(_ arguments: [String]) throws {
            let output = try TestSupport.seal(arguments, environment: env, in: base)
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
        }
        try seal(["init", "--data", "data"])
        try seal(["enroll", "civil", "--data", "data", "--department", "Civil Registry"])
        try seal(["enroll", "land", "--data", "data", "--department", "Land Office"])
        try Data("Date of birth: 2026-01-02\n".utf8).write(to: base.appendingPathComponent("birth.txt"))
        try Data("Plot 17, Hangzhou\n".utf8).write(to: base.appendingPathComponent("deed.txt"))
        try seal(["sign", "birth.txt", "--seal", "civil", "--data", "data"])
        try seal(["sign", "deed.txt", "--seal", "land", "--data", "data"])
        try seal(["revoke", "birth.txt.p7s", "--reason", "error", "--data", "data"])
        try seal(["revoke-seal", "land", "--reason", "key-compromise", "--invalid-since", "2020-01-01T00:00:00Z", "--data", "data"])
    }

    @Test(arguments: [
        "DELETE FROM document_revocations",
        "UPDATE document_revocations SET entry_idx = 0",
        "UPDATE entries SET kind = 1 WHERE kind = 2",
        "DELETE FROM revocation_lists",
        "UPDATE entries SET kind = 1 WHERE kind = 3",
        "DELETE FROM checkpoints WHERE size = 1",
        "UPDATE entries SET signature_hash = zeroblob(32) WHERE idx = 1",
    ])
    func noRevokedDocumentPassesAndTheAuditFails(tamper: String) throws {
        let base = try TestSupport.scratchDirectory("tampered-index")
        defer { TestSupport.cleanUp(base) }
        try prepared(in: base)
        func seal(_ arguments: [String]) throws -> TestSupport.Output { try TestSupport.seal(arguments, environment: env, in: base) }
        #expect(try seal(["audit", "--data", "data"]).status == 0)

        let change = try TestSupport.run("python3", ["-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(sys.argv[2])",
                                                     base.appendingPathComponent("data/archive.sqlite").path, tamper])
        #expect(change.status == 0, "\(change.stderr)")

        for document in ["birth.txt", "deed.txt"] {
            let verdict = try seal(["verify", document, "--data", "data"])
            #expect(verdict.status != 0, "\(document) passed after \(tamper)")
            #expect(!verdict.stdout.hasPrefix("TOTAL-PASSED"))
        }
        let audit = try seal(["audit", "--data", "data"])
        #expect(audit.status == 1, "\(tamper): \(audit.stdout) \(audit.stderr)")
    }
}
