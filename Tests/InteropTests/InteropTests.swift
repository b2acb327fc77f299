import Foundation
import Testing
import SealCore
import SealTestSupport

/// Seal against tools it did not write: the openssl CLI (cms, ts) and pyHanko.
@Suite(.serialized) struct InteropTests {
    static let passphrase = "interop passphrase"
    /// The algorithms of CAdES seals, which OpenSSL's cms and ts and pyHanko read; SM2 seals
    /// are SES signatures, checked against OpenSSL in SM2CLITests.
    static let cadesAlgorithms = SignatureAlgorithm.allCases.filter { $0 != .sm2 }
    let environment = ["SEAL_PASSPHRASE": passphrase]

    /// A scratch authority with one seal per algorithm, a document sealed by each, and trust.pem.
    final class Fixture: Sendable {
        let base: URL
        init() throws {
            base = try TestSupport.scratchDirectory("interop")
            let env = ["SEAL_PASSPHRASE": InteropTests.passphrase]
            try Self.require(TestSupport.seal(["init", "--data", "data", "--name", "Interop Authority"], environment: env, in: base))
            for algorithm in InteropTests.cadesAlgorithms {
                try Self.require(TestSupport.seal(["enroll", algorithm.rawValue, "--data", "data", "--algorithm", algorithm.rawValue,
                                                   "--department", "Dept \(algorithm.rawValue)"], environment: env, in: base))
                try Data("Document sealed with \(algorithm)\n".utf8).write(to: base.appendingPathComponent("\(algorithm).txt"))
                try Self.require(TestSupport.seal(["sign", "\(algorithm).txt", "--seal", algorithm.rawValue, "--data", "data"],
                                                  environment: env, in: base))
            }
            try Self.require(TestSupport.seal(["trust", "export", "--data", "data", "-o", "trust.pem"], in: base))
            // The same roots without the archive log's key: archiving is then not checked.
            let rootsOnly = String(decoding: TestSupport.bytes(base.appendingPathComponent("trust.pem")), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("log-verifier-key:") }
                .joined(separator: "\n")
            try Data(rootsOnly.utf8).write(to: base.appendingPathComponent("roots-only.pem"))
        }
        deinit { TestSupport.cleanUp(base) }

        static func require(_ output: TestSupport.Output) throws {
            guard output.status == 0 else { throw SetupFailure(description: output.stderr) }
        }
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
    }

    struct SetupFailure: Error, CustomStringConvertible { let description: String }

    static let fixture = Result { try Fixture() }

    @Test(arguments: cadesAlgorithms)
    func opensslCMSVerifiesSeal(algorithm: SignatureAlgorithm) throws {
        let fixture = try Self.fixture.get()
        let output = try TestSupport.run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", fixture.path("\(algorithm).txt.p7s"),
                                                     "-content", fixture.path("\(algorithm).txt"), "-CAfile", fixture.path("trust.pem"),
                                                     "-purpose", "any", "-out", "/dev/null"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("Verification successful"))
    }

    @Test func opensslCMSRejectsTamperedDocument() throws {
        let fixture = try Self.fixture.get()
        try Data("Document sealed with something else\n".utf8).write(to: fixture.base.appendingPathComponent("tampered.txt"))
        let output = try TestSupport.run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", fixture.path("ecdsa-p256.txt.p7s"),
                                                     "-content", fixture.path("tampered.txt"), "-CAfile", fixture.path("trust.pem"),
                                                     "-purpose", "any", "-out", "/dev/null"])
        #expect(output.status != 0)
    }

    @Test(arguments: cadesAlgorithms)
    func opensslTSVerifiesTimeStampToken(algorithm: SignatureAlgorithm) throws {
        let fixture = try Self.fixture.get()
        let seal = try SealSignature(der: TestSupport.bytes(fixture.base.appendingPathComponent("\(algorithm).txt.p7s")))
        let token = try #require(seal.timeStampToken)
        try Data(token).write(to: fixture.base.appendingPathComponent("\(algorithm).tsr"))
        try Data(seal.signatureValue).write(to: fixture.base.appendingPathComponent("\(algorithm).sig"))
        let output = try TestSupport.run("openssl", ["ts", "-verify", "-token_in", "-in", fixture.path("\(algorithm).tsr"),
                                                     "-data", fixture.path("\(algorithm).sig"), "-CAfile", fixture.path("trust.pem")])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("Verification: OK"))
        // The same token does not verify over other data.
        try Data("not the signature".utf8).write(to: fixture.base.appendingPathComponent("other.sig"))
        let other = try TestSupport.run("openssl", ["ts", "-verify", "-token_in", "-in", fixture.path("\(algorithm).tsr"),
                                                    "-data", fixture.path("other.sig"), "-CAfile", fixture.path("trust.pem")])
        #expect(other.status != 0)
    }

    struct PyHankoResult: Decodable {
        struct Stamp: Decodable { let intact: Bool; let valid: Bool; let trusted: Bool }
        let intact: Bool
        let valid: Bool
        let trusted: Bool
        let timestamp: Stamp?
    }

    func pyHanko(_ fixture: Fixture, document: String, seal: String) throws -> PyHankoResult {
        let script = TestSupport.repository.appendingPathComponent("Tests/InteropTests/pyhanko_verify.py").path
        let output = try TestSupport.run("python3", [script, fixture.path(document), fixture.path(seal), fixture.path("trust.pem")])
        guard output.status == 0 else {
            throw SetupFailure(description: "pyHanko could not run (pip install -r Tests/requirements.txt): \(output.stderr)")
        }
        return try JSONDecoder().decode(PyHankoResult.self, from: Data(output.stdout.utf8))
    }

    @Test(arguments: cadesAlgorithms)
    func pyHankoValidatesSealAndTimeStamp(algorithm: SignatureAlgorithm) throws {
        let fixture = try Self.fixture.get()
        let result = try pyHanko(fixture, document: "\(algorithm).txt", seal: "\(algorithm).txt.p7s")
        #expect(result.intact && result.valid && result.trusted)
        let stamp = try #require(result.timestamp)
        #expect(stamp.intact && stamp.valid && stamp.trusted)
    }

    @Test func pyHankoSeesATamperedDocument() throws {
        let fixture = try Self.fixture.get()
        try Data("Document sealed with nothing\n".utf8).write(to: fixture.base.appendingPathComponent("changed.txt"))
        let result = try pyHanko(fixture, document: "changed.txt", seal: "ecdsa-p256.txt.p7s")
        #expect(!result.intact)
    }

    @Test(arguments: cadesAlgorithms)
    func sealVerifiesWhatOpensslSigns(algorithm: SignatureAlgorithm) throws {
        let fixture = try Self.fixture.get()
        let name = algorithm.rawValue
        var arguments = ["cms", "-sign", "-cades", "-binary", "-md", algorithm.digest == .sha384 ? "sha384" : "sha256",
                         "-outform", "DER", "-in", fixture.path("\(name).txt"),
                         "-signer", fixture.path("data/seals/\(name)/certificate.pem"),
                         "-inkey", fixture.path("data/seals/\(name)/key.pem"), "-passin", "env:SEAL_PASSPHRASE",
                         "-out", fixture.path("\(name).openssl.p7s")]
        if algorithm == .rsaPSS { arguments += ["-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:32"] }
        let signed = try TestSupport.run("openssl", arguments, environment: environment)
        #expect(signed.status == 0, "\(signed.stderr)")
        // Every cryptographic check passes; the seal was never archived, which only the
        // archive check reports (and only when the bundle names the archive log).
        let rootsOnly = try TestSupport.seal(["verify", "\(name).txt", "--signature", "\(name).openssl.p7s",
                                              "--trust", "roots-only.pem", "--json"], in: fixture.base)
        #expect(rootsOnly.status == 0, "\(rootsOnly.stdout)")
        #expect(rootsOnly.stdout.contains("\"indication\" : \"TOTAL-PASSED\""))
        let full = try TestSupport.seal(["verify", "\(name).txt", "--signature", "\(name).openssl.p7s", "--trust", "trust.pem", "--json"],
                                        in: fixture.base)
        #expect(full.status == 2)
        let report = try JSONSerialization.jsonObject(with: Data(full.stdout.utf8)) as? [String: Any]
        #expect(report?["subIndication"] as? String == "NOT_ARCHIVED")
        let failed = (report?["checks"] as? [[String: Any]] ?? []).filter { $0["outcome"] as? String == "failed" }
        #expect(failed.map { $0["name"] as? String } == ["archive"])
    }
}

/// Seal's CRLs with the openssl CLI: `openssl crl -verify` accepts them, `openssl verify
/// -crl_check` rejects a revoked seal's certificate and accepts the others.
@Suite(.serialized) struct CRLInteropTests {
    @Test func opensslAcceptsTheCRLAndRejectsTheRevokedSeal() throws {
        let base = try TestSupport.scratchDirectory("crl")
        defer { TestSupport.cleanUp(base) }
        let env = ["SEAL_PASSPHRASE": "crl interop"]
        for arguments in [["init", "--data", "data"], ["enroll", "gone", "--data", "data", "--department", "Gone"],
                          ["enroll", "kept", "--data", "data", "--department", "Kept"],
                          ["revoke-seal", "gone", "--data", "data", "--reason", "key-compromise", "--invalid-since", "2026-01-01T00:00:00Z"],
                          ["crl", "--data", "data", "-o", "crl.pem"], ["crl", "--data", "data", "--der", "-o", "crl.der"]] {
            let output = try TestSupport.seal(arguments, environment: env, in: base)
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
        }
        let root = base.appendingPathComponent("data/authority/root.pem").path
        let crl = base.appendingPathComponent("crl.pem").path
        let verified = try TestSupport.run("openssl", ["crl", "-in", crl, "-CAfile", root, "-verify", "-noout"])
        #expect(verified.status == 0 && verified.stderr.contains("verify OK"), "\(verified.stderr)")
        let text = try TestSupport.run("openssl", ["crl", "-in", base.appendingPathComponent("crl.der").path, "-inform", "DER", "-noout", "-text"])
        #expect(text.stdout.contains("Key Compromise") && text.stdout.contains("Invalidity Date") && text.stdout.contains("CRL Number"))
        let revoked = try TestSupport.run("openssl", ["verify", "-crl_check", "-CRLfile", crl, "-CAfile", root,
                                                      base.appendingPathComponent("data/seals/gone/certificate.pem").path])
        #expect(revoked.status != 0)
        #expect((revoked.stdout + revoked.stderr).contains("certificate revoked"))
        let kept = try TestSupport.run("openssl", ["verify", "-crl_check", "-CRLfile", crl, "-CAfile", root,
                                                   base.appendingPathComponent("data/seals/kept/certificate.pem").path])
        #expect(kept.status == 0, "\(kept.stderr)")
        // A CRL damaged by one byte is refused by openssl.
        var bytes = TestSupport.bytes(base.appendingPathComponent("crl.der"))
        bytes[bytes.count - 5] ^= 0x01
        try Data(bytes).write(to: base.appendingPathComponent("bad.der"))
        let bad = try TestSupport.run("openssl", ["crl", "-in", base.appendingPathComponent("bad.der").path, "-inform", "DER",
                                                  "-CAfile", root, "-verify", "-noout"])
        #expect(!bad.stderr.contains("verify OK"))
    }
}
