import Foundation
import Testing
import SealService
import SealTestSupport

/// The archive through the real binary: receipts, log commands, export, audit, online lookups.
@Suite(.serialized) struct ArchiveCLITests {
    let env = ["SEAL_PASSPHRASE": "archive cli passphrase"]

    /// An authority with seal `dept` and three sealed documents (two batches).
    func withArchive(_ body: (URL) throws -> Void) throws {
        let base = try TestSupport.scratchDirectory("archive-cli")
        defer { TestSupport.cleanUp(base) }
        for (arguments, _) in [(["init", "--data", "data", "--origin", "seal.test/cli"], 0),
                               (["enroll", "dept", "--data", "data", "--department", "Civil Registry"], 0)] {
            let output = try TestSupport.seal(arguments, environment: env, in: base)
            #expect(output.status == 0, "\(output.stderr)")
        }
        for name in ["a", "b", "c"] { try Data("Certificate \(name)\n".utf8).write(to: base.appendingPathComponent("\(name).txt")) }
        #expect(try TestSupport.seal(["sign", "a.txt", "b.txt", "--seal", "dept", "--data", "data"], environment: env, in: base).status == 0)
        #expect(try TestSupport.seal(["sign", "c.txt", "--seal", "dept", "--data", "data"], environment: env, in: base).status == 0)
        #expect(try TestSupport.seal(["trust", "export", "--data", "data", "-o", "trust.pem"], in: base).status == 0)
        try body(base)
    }

    func json(_ output: TestSupport.Output) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }

    @Test func receiptJSONHasExactlyTheSpecifiedKeysAndVerifies() throws {
        try withArchive { base in
            let output = try TestSupport.seal(["receipt", "b.txt.p7s", "--json"], in: base)
            #expect(output.status == 0, "\(output.stderr)")
            let receipt = try json(output)
            #expect(Set(receipt.keys) == ["index", "treeSize", "leafHash", "proof", "checkpoint"])
            #expect(receipt["index"] as? Int == 1)
            #expect(receipt["treeSize"] as? Int == 2)
            let key = try NoteVerifierKey(try TestSupport.seal(["trust", "export", "--log-key", "--data", "data"], in: base)
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            let checkpoint = try SignedCheckpoint(note: try #require(receipt["checkpoint"] as? String), logKeys: [key], origin: "seal.test/cli")
            let proof = try #require(receipt["proof"] as? [String]).map { Array(Data(base64Encoded: $0) ?? Data()) }
            let leaf = Array(Data(base64Encoded: try #require(receipt["leafHash"] as? String)) ?? Data())
            #expect(MerkleVerify.inclusion(index: 1, size: 2, leafHash: leaf, proof: proof, root: checkpoint.checkpoint.rootHash,
                                           hasher: .sha256))
        }
    }

    @Test func refreshMovesTheReceiptToTheNewestCheckpoint() throws {
        try withArchive { base in
            let refreshed = try TestSupport.seal(["receipt", "a.txt.p7s", "--refresh", "--data", "data", "--json"], in: base)
            #expect(refreshed.status == 0, "\(refreshed.stderr)")
            #expect(try json(refreshed)["treeSize"] as? Int == 3)
            #expect(try json(TestSupport.seal(["receipt", "a.txt.p7s", "--json"], in: base))["treeSize"] as? Int == 3)
            let verify = try TestSupport.seal(["verify", "a.txt", "--trust", "trust.pem"], in: base)
            #expect(verify.status == 0, "\(verify.stdout)")
            #expect(verify.stdout.contains("archived as entry 0 of seal.test/cli"))
            // Refresh needs the archive: without --data (and no authority) it is refused.
            let noArchive = try TestSupport.seal(["receipt", "a.txt.p7s", "--refresh"],
                                                 environment: ["SEAL_DATA": base.appendingPathComponent("none").path], in: base)
            #expect(noArchive.status == 1)
            #expect(noArchive.stderrLines.count == 1)
        }
    }

    @Test func onlineVerificationLooksUpSealsWithoutReceipts() throws {
        try withArchive { base in
            let sealURL = base.appendingPathComponent("c.txt.p7s")
            let seal = try SealSignature(der: TestSupport.bytes(sealURL))
            let stripped = try seal.removing(unsignedAttribute: SealOID.archiveReceipt)
            try Data(stripped.der).write(to: base.appendingPathComponent("c-stripped.p7s"))

            let offline = try TestSupport.seal(["verify", "c.txt", "--signature", "c-stripped.p7s", "--trust", "trust.pem", "--json"], in: base)
            #expect(offline.status == 2)
            #expect(try json(offline)["subIndication"] as? String == "NOT_ARCHIVED")

            let online = try TestSupport.seal(["verify", "c.txt", "--signature", "c-stripped.p7s", "--data", "data", "--json"], in: base)
            #expect(online.status == 0, "\(online.stdout)")
            let archive = try #require(try json(online)["archive"] as? [String: Any])
            #expect(archive["status"] as? String == "archived")
            #expect(archive["source"] as? String == "archive")
            #expect(archive["index"] as? Int == 2)
        }
    }

    @Test func onlineVerificationOfAnUnarchivedSealFails() throws {
        try withArchive { base in
            let other = try TestSupport.scratchDirectory("other")
            defer { TestSupport.cleanUp(other) }
            // A seal from another authority's archive, stripped, checked against this authority online.
            let sealURL = base.appendingPathComponent("a.txt.p7s")
            let stripped = try SealSignature(der: TestSupport.bytes(sealURL)).removing(unsignedAttribute: SealOID.archiveReceipt)
            try Data(stripped.der).write(to: base.appendingPathComponent("a-stripped.p7s"))
            try TestSupport.seal(["init", "--data", other.appendingPathComponent("data").path, "--insecure-no-passphrase"])
            // Same trust roots are needed for the certificate checks, so verify with this authority's
            // roots but the other authority's archive: copy its archive over a scratch copy of ours.
            try FileManager.default.copyItem(at: base.appendingPathComponent("data"), to: other.appendingPathComponent("ours"))
            try FileManager.default.removeItem(at: other.appendingPathComponent("ours/archive.sqlite"))
            try FileManager.default.copyItem(at: other.appendingPathComponent("data/archive.sqlite"),
                                             to: other.appendingPathComponent("ours/archive.sqlite"))
            let output = try TestSupport.seal(["verify", "a.txt", "--signature", "a-stripped.p7s", "--data",
                                               other.appendingPathComponent("ours").path, "--json"], in: base)
            #expect(output.status == 1, "\(output.stdout)")
            #expect(try json(output)["subIndication"] as? String == "NOT_ARCHIVED")
        }
    }

    @Test func logCommandsAgreeWithEachOther() throws {
        try withArchive { base in
            let checkpoint = try TestSupport.seal(["log", "checkpoint", "--data", "data"], in: base)
            #expect(checkpoint.status == 0)
            #expect(checkpoint.stdout.hasPrefix("seal.test/cli\n3\n"))
            let entries = try TestSupport.seal(["log", "entries", "--data", "data", "--json"], in: base)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(entries.stdout.utf8)) as? [[String: Any]])
            #expect(rows.map { $0["index"] as? Int } == [0, 1, 2])
            #expect(rows.allSatisfy { $0["signer"] as? String == "Civil Registry" && $0["kind"] as? String == "seal" })
            let proof = try json(TestSupport.seal(["log", "proof", "--data", "data", "--index", "2"], in: base))
            #expect(proof["treeSize"] as? Int == 3)
            #expect((proof["proof"] as? [String])?.count == 1)
            let consistency = try json(TestSupport.seal(["log", "consistency", "--data", "data", "--from", "2"], in: base))
            #expect(consistency["to"] as? Int == 3)
            let decode = { (text: Any?) in Array(Data(base64Encoded: text as? String ?? "") ?? Data()) }
            #expect(MerkleVerify.consistency(first: 2, second: 3, firstRoot: decode(consistency["fromRoot"]),
                                             secondRoot: decode(consistency["toRoot"]),
                                             proof: (consistency["proof"] as? [String] ?? []).map(decode), hasher: .sha256))
            // Out-of-range requests are clear errors.
            let bad = try TestSupport.seal(["log", "proof", "--data", "data", "--index", "9"], in: base)
            #expect(bad.status != 0 && bad.stderrLines.count == 1)
            #expect(try TestSupport.seal(["log", "consistency", "--data", "data", "--from", "5"], in: base).status != 0)
            #expect(try TestSupport.seal(["log", "entries", "--data", "data", "--count", "0"], in: base).status == 64)
        }
    }

    @Test func auditPassesAndCatchesTamperingWithExitStatus() throws {
        try withArchive { base in
            let clean = try TestSupport.seal(["audit", "--data", "data", "--json"], in: base)
            #expect(clean.status == 0, "\(clean.stdout)")
            let report = try json(clean)
            #expect(report["ok"] as? Bool == true)
            #expect(report["signaturesVerified"] as? Int == 3)
            try TestSupport.seal(["log", "checkpoint", "--data", "data"], in: base).stdout
                .write(to: base.appendingPathComponent("saved.note"), atomically: true, encoding: .utf8)
            let tamper = try TestSupport.run("python3", ["-c", """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE entries SET data = X'0101' WHERE idx = 1"); db.commit()
                """, base.appendingPathComponent("data/archive.sqlite").path])
            #expect(tamper.status == 0)
            let caught = try TestSupport.seal(["audit", "--data", "data"], in: base)
            #expect(caught.status == 1)
            #expect(caught.stdout.hasPrefix("Audit FAILED at entry 1"))
            let withSaved = try TestSupport.seal(["audit", "--data", "data", "--checkpoint", "saved.note", "--json"], in: base)
            #expect(withSaved.status == 1)
        }
    }

    @Test func exportIsCheckedByAnIndependentTool() throws {
        try withArchive { base in
            let export = try TestSupport.seal(["log", "export", "--data", "data", "exported"], in: base)
            #expect(export.status == 0, "\(export.stderr)")
            let tool = TestSupport.repository.appendingPathComponent("Tools/audit_export.py").path
            let independent = try TestSupport.run("python3", [tool, base.appendingPathComponent("exported").path])
            #expect(independent.status == 0, "\(independent.stdout) \(independent.stderr)")
            let summary = try json(independent)
            #expect(summary["entries"] as? Int == 3)
            let ours = try json(TestSupport.seal(["audit", "--export", "exported", "--json"], in: base))
            #expect(ours["ok"] as? Bool == true)
            #expect(ours["rootHash"] as? String == summary["root"] as? String)
            // Exporting over an existing export is refused.
            #expect(try TestSupport.seal(["log", "export", "--data", "data", "exported"], in: base).status == 1)
            // A flipped byte in the export is caught by both tools.
            let entries = base.appendingPathComponent("exported/entries.bin")
            var bytes = TestSupport.bytes(entries)
            bytes[bytes.count - 10] ^= 0x01
            try Data(bytes).write(to: entries)
            #expect(try TestSupport.run("python3", [tool, base.appendingPathComponent("exported").path]).status == 1)
            #expect(try TestSupport.seal(["audit", "--export", "exported"], in: base).status == 1)
        }
    }

    @Test func publicSurfacesDoNotRevealTheDocumentOrSignature() throws {
        try withArchive { base in
            try TestSupport.seal(["log", "export", "--data", "data", "exported"], in: base)
            let exported = TestSupport.bytes(base.appendingPathComponent("exported/entries.bin"))
            let listed = Array(try TestSupport.seal(["log", "entries", "--data", "data", "--json"], in: base).stdout.utf8)
            for name in ["a", "b", "c"] {
                let document = TestSupport.bytes(base.appendingPathComponent("\(name).txt"))
                let seal = try SealSignature(der: TestSupport.bytes(base.appendingPathComponent("\(name).txt.p7s")))
                let receipt = try SealService.receipt(of: seal)
                for secret in [DigestAlgorithm.sha256.hash(document), seal.signatureValue, receipt.salt] {
                    #expect(exported.firstRange(of: secret) == nil)
                    #expect(listed.firstRange(of: Array(Data(secret).base64EncodedString().utf8)) == nil)
                }
            }
        }
    }

    @Test func acknowledgedSealsSurviveKill9() throws {
        try withArchive { base in
            let files = (0..<40).map { "bulk\($0).txt" }
            for name in files { try Data("bulk document \(name)".utf8).write(to: base.appendingPathComponent(name)) }
            for round in 0..<5 {
                let process = Process()
                process.executableURL = TestSupport.sealBinary
                process.arguments = ["sign"] + files + ["--seal", "dept", "--data", "data"]
                process.currentDirectoryURL = base
                process.environment = env
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                usleep(UInt32(20_000 + round * 25_000))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            // Every .p7s that was written (acknowledged) verifies online and is in the archive.
            for name in files where FileManager.default.fileExists(atPath: base.appendingPathComponent(name + ".p7s").path) {
                let output = try TestSupport.seal(["verify", name, "--data", "data"], in: base)
                #expect(output.status == 0, "\(name): \(output.stdout)")
            }
            #expect(try TestSupport.seal(["audit", "--data", "data"], in: base).status == 0)
            #expect(try TestSupport.seal(["sign", "a.txt", "--seal", "dept", "--data", "data"], environment: env, in: base).status == 0)
        }
    }
}
