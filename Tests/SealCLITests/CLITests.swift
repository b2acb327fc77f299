import Foundation
import Testing
import SealTestSupport

/// Runs the real `seal` binary: outputs, exit statuses, and one-line errors.
@Suite(.serialized) struct CLITests {
    let passphrase = ["SEAL_PASSPHRASE": "cli test passphrase"]

    /// A scratch folder with an authority in `data/` and a seal named `dept`.
    func withAuthority(_ body: (URL) throws -> Void) throws {
        let base = try TestSupport.scratchDirectory("cli")
        defer { TestSupport.cleanUp(base) }
        let initOut = try TestSupport.seal(["init", "--data", "data", "--name", "CLI Authority"], environment: passphrase, in: base)
        #expect(initOut.status == 0, "\(initOut.stderr)")
        let enrollOut = try TestSupport.seal(["enroll", "dept", "--data", "data", "--department", "Civil Registry", "--org-id", "77"],
                                             environment: passphrase, in: base)
        #expect(enrollOut.status == 0, "\(enrollOut.stderr)")
        try Data("Permit No. 9\n".utf8).write(to: base.appendingPathComponent("doc.txt"))
        try body(base)
    }

    func expectOneLineError(_ output: TestSupport.Output, status: Int32, containing text: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(output.status == status, "stderr: \(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stderrLines.count == 1, "stderr: \(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stderr.hasPrefix("seal: error: "), sourceLocation: sourceLocation)
        #expect(output.stderr.contains(text), "stderr: \(output.stderr)", sourceLocation: sourceLocation)
    }

    @Test func signVerifyAndTamperExitCodes() throws {
        try withAuthority { base in
            let sign = try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data"], environment: passphrase, in: base)
            #expect(sign.status == 0, "\(sign.stderr)")
            #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent("doc.txt.p7s").path))
            // The process closed the archive last with its writer: the WAL is folded into the file,
            // so a copy of archive.sqlite alone holds the new seal.
            #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("data/archive.sqlite-wal").path))

            let good = try TestSupport.seal(["verify", "doc.txt", "--data", "data"], in: base)
            #expect(good.status == 0)
            #expect(good.stdout.hasPrefix("TOTAL-PASSED: sealed by Civil Registry, org 77, time-stamped "))

            let export = try TestSupport.seal(["trust", "export", "--data", "data", "-o", "trust.pem"], in: base)
            #expect(export.status == 0)
            let offline = try TestSupport.seal(["verify", "doc.txt", "--trust", "trust.pem", "--json"], in: base)
            #expect(offline.status == 0)
            let report = try JSONSerialization.jsonObject(with: Data(offline.stdout.utf8)) as? [String: Any]
            for key in ["indication", "subIndication", "signer", "signingTime", "timestamp", "archive", "revocation", "checks"] {
                #expect(report?.keys.contains(key) == true, "missing \(key)")
            }
            #expect(report?["indication"] as? String == "TOTAL-PASSED")
            #expect((report?["checks"] as? [[String: Any]])?.count ?? 0 >= 8)

            try Data("Permit No. 8\n".utf8).write(to: base.appendingPathComponent("doc.txt"))
            let bad = try TestSupport.seal(["verify", "doc.txt", "--trust", "trust.pem"], in: base)
            #expect(bad.status == 1)
            #expect(bad.stdout.hasPrefix("TOTAL-FAILED/HASH_FAILURE"))
        }
    }

    @Test func untrustedRootIsIndeterminate() throws {
        try withAuthority { base in
            try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data"], environment: passphrase, in: base)
            try TestSupport.seal(["init", "--data", "other", "--insecure-no-passphrase"], in: base)
            try TestSupport.seal(["trust", "export", "--data", "other", "-o", "other.pem"], in: base)
            let output = try TestSupport.seal(["verify", "doc.txt", "--trust", "other.pem", "--json"], in: base)
            #expect(output.status == 2)
            #expect(output.stdout.contains("\"subIndication\" : \"NO_CERTIFICATE_CHAIN_FOUND\""))
        }
    }

    @Test func severalFilesInOneCall() throws {
        try withAuthority { base in
            for name in ["a.txt", "b.txt", "c.txt"] {
                try Data("document \(name)".utf8).write(to: base.appendingPathComponent(name))
            }
            let output = try TestSupport.seal(["sign", "a.txt", "b.txt", "c.txt", "--seal", "dept", "--data", "data", "--json"],
                                              environment: passphrase, in: base)
            #expect(output.status == 0, "\(output.stderr)")
            let written = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]]
            #expect(written?.count == 3)
            for name in ["a.txt", "b.txt", "c.txt"] {
                #expect(try TestSupport.seal(["verify", name, "--data", "data"], in: base).status == 0)
            }
        }
    }

    @Test func missingInputWritesNothing() throws {
        try withAuthority { base in
            let output = try TestSupport.seal(["sign", "doc.txt", "missing.txt", "--seal", "dept", "--data", "data"],
                                              environment: passphrase, in: base)
            expectOneLineError(output, status: 66, containing: "no such file")
            #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("doc.txt.p7s").path))
        }
    }

    @Test func wrongPassphraseUnknownSealAndMissingPassphrase() throws {
        try withAuthority { base in
            let wrong = try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data"],
                                             environment: ["SEAL_PASSPHRASE": "nope"], in: base)
            expectOneLineError(wrong, status: 1, containing: "wrong passphrase")
            let unknown = try TestSupport.seal(["sign", "doc.txt", "--seal", "ghost", "--data", "data"], environment: passphrase, in: base)
            expectOneLineError(unknown, status: 1, containing: "no seal named 'ghost'")
            let none = try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data"], in: base)
            expectOneLineError(none, status: 1, containing: "SEAL_PASSPHRASE")
            #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("doc.txt.p7s").path))
        }
    }

    @Test func passphraseFileIsRead() throws {
        try withAuthority { base in
            try Data("cli test passphrase\n".utf8).write(to: base.appendingPathComponent("pass.txt"))
            let output = try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data", "--passphrase-file", "pass.txt"],
                                              in: base)
            #expect(output.status == 0, "\(output.stderr)")
        }
    }

    @Test func existingAuthorityIsRefused() throws {
        try withAuthority { base in
            let before = TestSupport.bytes(base.appendingPathComponent("data/authority/root.pem"))
            let output = try TestSupport.seal(["init", "--data", "data"], environment: passphrase, in: base)
            expectOneLineError(output, status: 1, containing: "already exists")
            #expect(TestSupport.bytes(base.appendingPathComponent("data/authority/root.pem")) == before)
        }
    }

    @Test func initWithoutPassphraseIsAUsageError() throws {
        let base = try TestSupport.scratchDirectory("cli")
        defer { TestSupport.cleanUp(base) }
        let output = try TestSupport.seal(["init", "--data", "data"], in: base)
        expectOneLineError(output, status: 64, containing: "no passphrase")
        #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("data").path))
    }

    @Test func badSealFilesGiveFormatFailure() throws {
        try withAuthority { base in
            try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data"], environment: passphrase, in: base)
            let seal = TestSupport.bytes(base.appendingPathComponent("doc.txt.p7s"))
            let cases: [(String, [UInt8])] = [("truncated.p7s", Array(seal.prefix(seal.count - 7))), ("empty.p7s", []),
                                              ("text.p7s", Array("hello".utf8))]
            for (name, bytes) in cases {
                try Data(bytes).write(to: base.appendingPathComponent(name))
                let output = try TestSupport.seal(["verify", "doc.txt", "--signature", name, "--data", "data"], in: base)
                #expect(output.status == 1, "\(name)")
                #expect(output.stdout.hasPrefix("TOTAL-FAILED/FORMAT_FAILURE"), "\(name): \(output.stdout)")
                #expect(output.stderr.isEmpty)
            }
        }
    }

    @Test func badTrustFilesAndMissingSeal() throws {
        try withAuthority { base in
            try TestSupport.seal(["sign", "doc.txt", "--seal", "dept", "--data", "data"], environment: passphrase, in: base)
            let notPEM = try TestSupport.seal(["verify", "doc.txt", "--trust", "doc.txt"], in: base)
            expectOneLineError(notPEM, status: 65, containing: "not a PEM file")
            try Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8).write(to: base.appendingPathComponent("junk.pem"))
            let junk = try TestSupport.seal(["verify", "doc.txt", "--trust", "junk.pem"], in: base)
            expectOneLineError(junk, status: 65, containing: "bad trust bundle")
            let missing = try TestSupport.seal(["verify", "doc.txt", "--signature", "none.p7s", "--data", "data"], in: base)
            expectOneLineError(missing, status: 66, containing: "no such file")
            let nothing = try TestSupport.seal(["verify", "doc.txt"], environment: ["SEAL_DATA": base.appendingPathComponent("void").path],
                                               in: base)
            expectOneLineError(nothing, status: 64, containing: "nothing to trust")
        }
    }

    /// Long lists of documents come through --files-from (a file or standard input, lines or NULs).
    @Test func documentsListedInAFile() throws {
        try withAuthority { base in
            for name in ["a.txt", "b c.txt", "d.txt"] { try Data("Permit \(name)\n".utf8).write(to: base.appendingPathComponent(name)) }
            try Data("a.txt\nb c.txt\n\n".utf8).write(to: base.appendingPathComponent("list"))
            let listed = try TestSupport.seal(["sign", "d.txt", "--files-from", "list", "--seal", "dept", "--data", "data", "--json"],
                                              environment: passphrase, in: base)
            #expect(listed.status == 0, "\(listed.stderr)")
            let written = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
            #expect(written.map { $0["seal"] as? String } == ["d.txt.p7s", "a.txt.p7s", "b c.txt.p7s"])
            for name in ["a.txt", "b c.txt", "d.txt"] {
                #expect(try TestSupport.seal(["verify", name, "--data", "data"], in: base).status == 0, "\(name)")
            }
            let fromStandardInput = try TestSupport.run(TestSupport.sealBinary.path, ["sign", "--files-from", "-", "--seal", "dept", "--data", "data"],
                                                        environment: passphrase, in: base, input: Data("a.txt\0d.txt\0".utf8))
            #expect(fromStandardInput.status == 0 && fromStandardInput.stdout == "Sealed a.txt -> a.txt.p7s\nSealed d.txt -> d.txt.p7s\n",
                    "\(fromStandardInput.stdout) \(fromStandardInput.stderr)")
            try Data("\n".utf8).write(to: base.appendingPathComponent("empty"))
            let empty = try TestSupport.seal(["sign", "--files-from", "empty", "--seal", "dept", "--data", "data"], environment: passphrase, in: base)
            expectOneLineError(empty, status: 64, containing: "empty lists no documents")
            #expect(try TestSupport.seal(["sign", "--files-from", "list", "-o", "x.p7s", "--seal", "dept", "--data", "data"],
                                         environment: passphrase, in: base).status == 64)
        }
    }

    /// A seal that exists but cannot be read is a missing input (66), whether verified online
    /// or offline, never an internal error.
    @Test func unreadableSealIsAMissingInput() throws {
        try withAuthority { base in
            try FileManager.default.createDirectory(at: base.appendingPathComponent("folder.p7s"), withIntermediateDirectories: false)
            try TestSupport.seal(["trust", "export", "--data", "data", "-o", "trust.pem"], in: base)
            for source in [["--data", "data"], ["--trust", "trust.pem"]] {
                let output = try TestSupport.seal(["verify", "doc.txt", "--signature", "folder.p7s"] + source, in: base)
                expectOneLineError(output, status: 66, containing: "folder.p7s: it is a directory")
            }
            let empty = try TestSupport.seal(["verify", "doc.txt", "--signature", "/dev/null", "--trust", "trust.pem"], in: base)
            #expect(empty.status == 1 && empty.stdout.hasPrefix("TOTAL-FAILED/FORMAT_FAILURE: not a seal: the seal file is empty"),
                    "\(empty.stdout) \(empty.stderr)")
        }
    }

    /// --data, --socket and --passphrase-file before the subcommand, as `git -C` takes them.
    @Test func optionsBeforeTheSubcommand() throws {
        try withAuthority { base in
            try Data("cli test passphrase\n".utf8).write(to: base.appendingPathComponent("pass"))
            let sign = try TestSupport.seal(["--data", "data", "--passphrase-file", "pass", "sign", "doc.txt", "--seal", "dept"], in: base)
            #expect(sign.status == 0, "\(sign.stderr)")
            let verify = try TestSupport.seal(["--data=data", "verify", "doc.txt", "--json"], in: base)
            #expect(verify.status == 0, "\(verify.stderr)")
            let nested = try TestSupport.seal(["--data", "data", "log", "checkpoint"], in: base)
            let size = nested.stdout.split(separator: "\n").dropFirst().first.flatMap { Int($0) }
            #expect(nested.status == 0 && size != nil, "\(nested.stdout) \(nested.stderr)")
            // After the subcommand they still work, and an option the subcommand lacks is refused.
            #expect(try TestSupport.seal(["verify", "doc.txt", "--data", "data"], in: base).status == 0)
            #expect(try TestSupport.seal(["--data", "data", "demo"], in: base).status == 64)
            let socket = try TestSupport.seal(["--socket", base.appendingPathComponent("none.sock").path, "seals"], in: base)
            expectOneLineError(socket, status: 1, containing: "no daemon is listening")
        }
        let version = try TestSupport.seal(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.split(separator: ".").count == 3, "\(version.stdout)")
    }

    @Test func usageErrorsExit64() throws {
        let output = try TestSupport.seal(["sign", "a", "b", "--seal", "x", "-o", "out"])
        #expect(output.status == 64)
        #expect(try TestSupport.seal(["verify"]).status == 64)
        #expect(try TestSupport.seal(["no-such-command"]).status == 64)
    }

    @Test func sealsListsNameDepartmentAlgorithmValidityStatus() throws {
        try withAuthority { base in
            let output = try TestSupport.seal(["seals", "--data", "data"], in: base)
            #expect(output.status == 0)
            let lines = output.stdout.split(separator: "\n")
            #expect(lines.first?.contains("NAME") == true && lines.first?.contains("STATUS") == true)
            #expect(lines.last?.contains("dept") == true && lines.last?.contains("ecdsa-p256") == true && lines.last?.contains("active") == true)
            let json = try TestSupport.seal(["seals", "--data", "data", "--json"], in: base)
            let seals = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
            #expect(seals?.first?["department"] as? String == "Civil Registry")
        }
    }

    @Test func demoRunsWithNoSetup() throws {
        let output = try TestSupport.seal(["demo"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("TOTAL-PASSED: sealed by Civil Registry Office"))
        #expect(output.stdout.contains("TOTAL-FAILED/HASH_FAILURE"))
    }
}
