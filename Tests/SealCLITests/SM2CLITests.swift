import Foundation
import Testing
import SealTestSupport
import SealService
import SealOFD

/// An SM2 authority end to end through the CLI: its seal objects, detached SES signatures with
/// their receipts, and what OpenSSL says of what it wrote (with the standard SM2 user ID).
@Suite(.serialized) struct SM2CLITests {
    static let environment = ["SEAL_PASSPHRASE": "sm2 cli passphrase"]

    /// An SM2 authority with a drawn seal ("market") and one with a given picture ("tax").
    final class Fixture: Sendable {
        let base: URL
        init() throws {
            base = try TestSupport.scratchDirectory("sm2-cli")
            let env = SM2CLITests.environment
            try Self.require(TestSupport.seal(["init", "--data", "data", "--name", "湖北省政务服务管理局", "--algorithm", "sm2"], environment: env, in: base))
            try Self.require(TestSupport.seal(["enroll", "market", "--data", "data", "--department", "武汉市市场监督管理局"], environment: env, in: base))
            try Data(SM2CLITests.png).write(to: base.appendingPathComponent("stamp.png"))
            try Self.require(TestSupport.seal(["enroll", "tax", "--data", "data", "--department", "Wuhan Tax Bureau", "--image", "stamp.png",
                                               "--size", "42x30"], environment: env, in: base))
            try Data("营业执照 No. 91420100MA4K000000\n".utf8).write(to: base.appendingPathComponent("licence.txt"))
            try Self.require(TestSupport.seal(["sign", "licence.txt", "--data", "data", "--seal", "market"], environment: env, in: base))
            try Self.require(TestSupport.seal(["trust", "export", "--data", "data", "-o", "trust.pem"], in: base))
        }
        deinit { TestSupport.cleanUp(base) }

        static func require(_ output: TestSupport.Output) throws {
            guard output.status == 0 else { throw InteropFailure(description: output.stderr) }
        }
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
        func bytes(_ name: String) -> [UInt8] { TestSupport.bytes(base.appendingPathComponent(name)) }
    }

    struct InteropFailure: Error, CustomStringConvertible { let description: String }
    static let fixture = Result { try Fixture() }

    /// A 1×1 PNG, as a department might give.
    static let png: [UInt8] = Array(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!)

    @Test func sealsListTheirSealObjectsAndExportThemAsStored() throws {
        let fixture = try Self.fixture.get()
        let listed = try TestSupport.seal(["seals", "--data", "data", "--json"], in: fixture.base)
        #expect(listed.status == 0, "\(listed.stderr)")
        let seals = try JSON.decoder().decode([SealInfo].self, from: Data(listed.stdout.utf8))
        let market = try #require(seals.first { $0.name == "market" })
        let tax = try #require(seals.first { $0.name == "tax" })
        #expect(market.algorithm == .sm2)
        #expect(market.electronicSeal?.pictureType == "PNG")
        #expect((market.electronicSeal?.widthMillimetres, market.electronicSeal?.heightMillimetres) == (40, 40))
        #expect((tax.electronicSeal?.widthMillimetres, tax.electronicSeal?.heightMillimetres) == (42, 30))

        let exported = try TestSupport.seal(["export-seal", "tax", "--data", "data", "-o", "tax.esl"], in: fixture.base)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(fixture.bytes("tax.esl") == fixture.bytes("data/seals/tax/seal.esl"))
        let inspected = try TestSupport.seal(["inspect", "--json", "tax.esl"], in: fixture.base)
        let inspection = try JSONDecoder().decode(Inspection.self, from: Data(inspected.stdout.utf8))
        #expect(inspection.seal.name == "Wuhan Tax Bureau")
        #expect(inspection.seal.vendorID == "SEAL")
        #expect(inspection.seal.picture.bytes == Self.png.count)
        #expect(inspection.seal.certificates.count == 1)

        // The drawn picture is a real PNG that poppler-free tools read: Python's header check.
        let seal = fixture.bytes("data/seals/market/seal.esl")
        let start = try #require(seal.firstRange(of: [0x89, 0x50, 0x4E, 0x47]))
        #expect(Array(seal[(start.lowerBound + 12)..<(start.lowerBound + 16)]) == Array("IHDR".utf8))
        let width = seal[(start.lowerBound + 16)..<(start.lowerBound + 20)].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 472, "40 mm at 300 dpi")

        let missing = try TestSupport.seal(["export-seal", "nobody", "--data", "data"], in: fixture.base)
        #expect(missing.status != 0)
        #expect(missing.stderr == "seal: error: no seal named 'nobody' (see `seal seals`)\n")
    }

    @Test func aDetachedSignatureVerifiesOfflineWithItsReceipt() throws {
        let fixture = try Self.fixture.get()
        #expect(FileManager.default.fileExists(atPath: fixture.path("licence.txt.ses")))
        #expect(FileManager.default.fileExists(atPath: fixture.path("licence.txt.ses.receipt")))
        let passed = try TestSupport.seal(["verify", "licence.txt", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(passed.status == 0, "\(passed.stdout)")
        let report = try JSON.decoder().decode(VerificationReport.self, from: Data(passed.stdout.utf8))
        #expect(report.indication == .totalPassed)
        #expect(report.archive.status == .archived)
        #expect(report.checks.first { $0.name == .sealSignature }?.outcome == .passed)

        // Without its receipt the signature is valid but not proven archived.
        let moved = fixture.path("elsewhere.ses")
        try? FileManager.default.removeItem(atPath: moved)
        try FileManager.default.copyItem(atPath: fixture.path("licence.txt.ses"), toPath: moved)
        let unproven = try TestSupport.seal(["verify", "licence.txt", "--signature", "elsewhere.ses", "--trust", "trust.pem", "--json"],
                                            in: fixture.base)
        #expect(unproven.status == 2)
        #expect(unproven.stdout.contains("\"subIndication\" : \"NOT_ARCHIVED\""))
        // Online, the archive finds it.
        let online = try TestSupport.seal(["verify", "licence.txt", "--signature", "elsewhere.ses", "--data", "data"],
                                          environment: Self.environment, in: fixture.base)
        #expect(online.status == 0, "\(online.stdout)\(online.stderr)")

        // Another document: the data hash check names the change.
        try Data("营业执照 No. 91420100MA4K000001\n".utf8).write(to: fixture.base.appendingPathComponent("forged.txt"))
        let forged = try TestSupport.seal(["verify", "forged.txt", "--signature", "licence.txt.ses", "--trust", "trust.pem", "--json"],
                                          in: fixture.base)
        #expect(forged.status == 1)
        #expect(forged.stdout.contains("\"subIndication\" : \"HASH_FAILURE\""))
    }

    /// OpenSSL, not Seal's parser: the department certificate chains with the standard ID, the
    /// signer's signature covers TBS_Sign, and dataHash is SM3 of the file.
    @Test func opensslChecksWhatTheCLIWrote() throws {
        let fixture = try Self.fixture.get()
        let certificate = try TestSupport.run("openssl", ["verify", "-vfyopt", "distid:1234567812345678", "-CAfile", "data/authority/root.pem",
                                                          "data/seals/market/certificate.pem"], in: fixture.base)
        #expect(certificate.status == 0, "\(certificate.stderr)")
        let emptyID = try TestSupport.run("openssl", ["verify", "-CAfile", "data/authority/root.pem", "data/seals/market/certificate.pem"],
                                          in: fixture.base)
        #expect(emptyID.status != 0)

        #expect(try Self.opensslVerifiesSignature(in: "licence.txt.ses", certificate: "data/seals/market/certificate.pem", at: fixture.base))

        let sm3 = try TestSupport.run("openssl", ["dgst", "-sm3", "-r", "licence.txt"], in: fixture.base)
        let hash = try #require(sm3.stdout.split(separator: " ").first.map(String.init))
        let inspected = try TestSupport.seal(["inspect", "--json", "licence.txt.ses"], in: fixture.base)
        let inspection = try JSONDecoder().decode(Inspection.self, from: Data(inspected.stdout.utf8))
        #expect(inspection.signature?.dataHash == hash)
    }

    @Test func enrolmentRefusesWhatCannotMakeASeal() throws {
        let fixture = try Self.fixture.get()
        let text = try TestSupport.seal(["enroll", "bad-image", "--data", "data", "--department", "X", "--image", "licence.txt"],
                                        environment: Self.environment, in: fixture.base)
        #expect(text.status == 64)
        #expect(text.stderr == "seal: error: the seal image is neither PNG nor JPEG\n")
        let size = try TestSupport.seal(["enroll", "bad-size", "--data", "data", "--department", "X", "--size", "400x40"],
                                        environment: Self.environment, in: fixture.base)
        #expect(size.status == 64)
        #expect(size.stderr.contains("--size must be WIDTHxHEIGHT in millimetres"))
        #expect(!FileManager.default.fileExists(atPath: fixture.path("data/seals/bad-image")))

        // An ECDSA authority cannot make an SM2 seal's seal object.
        let other = try TestSupport.scratchDirectory("ecdsa-authority")
        defer { TestSupport.cleanUp(other) }
        try Fixture.require(TestSupport.seal(["init", "--data", "data", "--name", "ECDSA Authority"], environment: Self.environment, in: other))
        let refused = try TestSupport.seal(["enroll", "sm2", "--data", "data", "--department", "X", "--algorithm", "sm2"],
                                           environment: Self.environment, in: other)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("an SM2 seal needs an SM2 authority"))
    }

    /// OpenSSL checks the signer's signature of an SES_Signature file over its TBS_Sign, both cut
    /// out by `openssl asn1parse`: TBS_Sign is the first element at depth 1, the signature the
    /// depth-1 BIT STRING.
    static func opensslVerifiesSignature(in file: String, certificate: String, at base: URL) throws -> Bool {
        let layout = try TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", file], in: base)
        let lines = layout.stdout.split(separator: "\n")
        let tbsOffset = try #require(lines.first { $0.contains("d=1") }.flatMap { Int($0.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)) })
        let signatureLine = try #require(lines.last { $0.contains("d=1") && $0.contains("BIT STRING") })
        let signatureOffset = try #require(Int(signatureLine.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)))
        let headerLength = try #require(signatureLine.firstMatch(of: /hl=(\d+)/).flatMap { Int($0.1) })
        let length = try #require(signatureLine.firstMatch(of: /\sl= *(\d+)/).flatMap { Int($0.1) })
        let ses = TestSupport.bytes(base.appendingPathComponent(file))
        try Data(ses[(signatureOffset + headerLength + 1)..<(signatureOffset + headerLength + length)]).write(to: base.appendingPathComponent("sig.der"))
        guard try TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", file, "-strparse", "\(tbsOffset)", "-noout",
                                              "-out", "tbs.der"], in: base).status == 0 else { return false }
        _ = try TestSupport.run("openssl", ["x509", "-in", certificate, "-pubkey", "-noout", "-out", "signer.pub"], in: base)
        let verified = try TestSupport.run("openssl", ["dgst", "-sm3", "-verify", "signer.pub", "-sigopt", "distid:1234567812345678",
                                                       "-signature", "sig.der", "tbs.der"], in: base)
        return verified.stdout.contains("Verified OK")
    }

    /// SM3 of a file, base64, by OpenSSL.
    static func opensslSM3(_ path: String, at base: URL) throws -> String {
        let output = try TestSupport.run("openssl", ["dgst", "-sm3", "-binary", "-out", "digest.bin", path], in: base)
        guard output.status == 0 else { throw InteropFailure(description: output.stderr) }
        return Data(TestSupport.bytes(base.appendingPathComponent("digest.bin"))).base64EncodedString()
    }

    /// The shared tax invoice (two signatures' worth of pages, sealed by KingGrid) sealed again
    /// with an SM2 seal: the package is checked with unzip and OpenSSL, not Seal's reader.
    @Test func anOFDIsSealedInPlaceAndOpenSSLAgreesWithEveryHash() throws {
        let fixture = try Self.fixture.get()
        let invoice = TestSupport.bytes(ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd"))
        try Data(invoice).write(to: fixture.base.appendingPathComponent("invoice.ofd"))
        let signed = try TestSupport.seal(["sign", "invoice.ofd", "--data", "data", "--seal", "market"], environment: Self.environment,
                                          in: fixture.base)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout == "Sealed invoice.ofd -> invoice.sealed.ofd\n")
        #expect(fixture.bytes("invoice.ofd") == invoice, "the input was changed")

        let unpacked = fixture.base.appendingPathComponent("unpacked")
        try? FileManager.default.removeItem(at: unpacked)
        let unzip = try TestSupport.run("unzip", ["-q", "-o", "invoice.sealed.ofd", "-d", "unpacked"], in: fixture.base)
        #expect(unzip.status == 0, "\(unzip.stderr)")
        let description = String(decoding: TestSupport.bytes(unpacked.appendingPathComponent("Doc_0/Signs/Sign_1/Signature.xml")), as: UTF8.self)
        let references = description.matches(of: /<ofd:Reference FileRef="\/([^"]+)"><ofd:CheckValue>([^<]+)<\/ofd:CheckValue>/)
        #expect(references.count == 23)
        for reference in references {
            #expect(try Self.opensslSM3("unpacked/\(reference.1)", at: fixture.base) == String(reference.2), "\(reference.1)")
        }
        #expect(!references.contains { $0.1.hasSuffix("Signatures.xml") || $0.1.hasSuffix("SealReceipt.der") || $0.1.hasPrefix("Doc_0/Signs/Sign_1/") })
        // dataHash is SM3 of Signature.xml as stored; the signature over TBS_Sign verifies in OpenSSL.
        let inspected = try TestSupport.seal(["inspect", "--json", "unpacked/Doc_0/Signs/Sign_1/SignedValue.dat"], in: fixture.base)
        let inspection = try JSONDecoder().decode(Inspection.self, from: Data(inspected.stdout.utf8))
        let dataHash = try Self.opensslSM3("unpacked/Doc_0/Signs/Sign_1/Signature.xml", at: fixture.base)
        #expect(inspection.signature?.dataHash == Data(base64Encoded: dataHash).map { Array($0).hex })
        #expect(inspection.signature?.propertyInfo == "/Doc_0/Signs/Sign_1/Signature.xml")
        #expect(try Self.opensslVerifiesSignature(in: "unpacked/Doc_0/Signs/Sign_1/SignedValue.dat",
                                                  certificate: "data/seals/market/certificate.pem", at: fixture.base))

        // Both signatures verify; KingGrid's roots are not in the bundle, so the document is INDETERMINATE.
        let verified = try TestSupport.seal(["verify", "invoice.sealed.ofd", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(verified.status == 2, "\(verified.stdout)")
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        #expect(report.signatures.map(\.report.indication) == [.indeterminate, .totalPassed])
        #expect(report.signatures.map { $0.report.checks.first { $0.name == .references }?.outcome } == [.passed, .passed])
        // KingGrid's leaves OFD.xml out, with the invoice's amounts in its DocInfo: the report says so. Seal's protects it.
        #expect(report.signatures.map { $0.report.checks.first { $0.name == .references }?.detail } == [
            "all 20 files the signature protects are unchanged; OFD.xml is not among them, so the document information it holds (DocInfo: title, author, custom data) is not signed",
            "all 23 files the signature protects are unchanged",
        ])
        #expect(report.signatures[0].report.checks.first { $0.name == .signature }?.outcome == .passed)
        #expect(report.signatures[1].report.archive.status == .archived)

        // One changed byte in a page: both signatures name the file.
        let script = """
        import sys, zipfile
        source, target = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED)
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == 'Doc_0/Pages/Page_0/Content.xml':
                data = data.replace(b'</ofd:Content>', b' </ofd:Content>', 1)
            target.writestr(item, data)
        target.close()
        """
        #expect(try TestSupport.run("python3", ["-c", script, "invoice.sealed.ofd", "tampered.ofd"], in: fixture.base).status == 0)
        let tampered = try TestSupport.seal(["verify", "tampered.ofd", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(tampered.status == 1)
        let broken = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(tampered.stdout.utf8))
        #expect(broken.subIndication == .hashFailure)
        for signature in broken.signatures {
            #expect(signature.report.checks.first { $0.name == .references }?.detail == "changed after signing: /Doc_0/Pages/Page_0/Content.xml")
        }

        // Its DocRoot pointed at an unprotected copy of the document: Seal's signature protects
        // OFD.xml and names it; KingGrid's does not, and names the files now read instead.
        try Data(try TestDocuments.swappingDocRoot(of: fixture.bytes("invoice.sealed.ofd"))).write(to: fixture.base.appendingPathComponent("moved.ofd"))
        let moved = try TestSupport.seal(["verify", "moved.ofd", "--trust", "trust.pem", "--json"], in: fixture.base)
        #expect(moved.status == 1)
        let movedReport = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(moved.stdout.utf8))
        let details = movedReport.signatures.map { $0.report.checks.first { $0.name == .references }?.detail ?? "" }
        #expect(details.count == 2 && details[0].hasPrefix("the document is read from files the signature does not protect: Doc_1/Document.xml, "))
        #expect(details.last == "changed after signing: /OFD.xml")
        #expect(movedReport.signatures[0].report.subIndication == .modifiedAfterSealing)
    }

    /// An OFD whose resource list cannot be parsed: the files it names cannot be known, so not
    /// whether a signature protects them, even Seal's, which covers every file of the package.
    /// The signature itself still holds; only the references check says why the seal does not.
    @Test func aDocumentWhoseResourcesCannotBeReadDoesNotVerify() throws {
        let fixture = try Self.fixture.get()
        let plain = try OFDPackage(bytes: try TestDocuments.ofd())
        var files = try plain.names.map { name in (name, try plain.file(name)) }
        let root = try #require(files.firstIndex { $0.0 == "Doc_0/Document.xml" })
        files[root].1 = Array(String(decoding: files[root].1, as: UTF8.self)
            .replacingOccurrences(of: "</ofd:CommonData>", with: "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>").utf8)
        files.append(("Doc_0/DocumentRes.xml", Array("<ofd:Res xmlns:ofd=\"http://www.ofdspec.org/2016\">".utf8)))
        try Data(try OFDPackage.zip(files)).write(to: fixture.base.appendingPathComponent("unreadable.ofd"))
        let signed = try TestSupport.seal(["sign", "unreadable.ofd", "--data", "data", "--seal", "market"], environment: Self.environment, in: fixture.base)
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try TestSupport.seal(["verify", "unreadable.sealed.ofd", "--data", "data", "--json"], environment: Self.environment, in: fixture.base)
        #expect(verified.status == 1)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(verified.stdout.utf8))
        let checks = try #require(report.signatures.first?.report.checks)
        let references = try #require(checks.first { $0.name == .references })
        #expect(references.outcome == .failed)
        #expect(references.detail.hasPrefix("cannot tell which files the document is read from, so not whether the signature protects them: Doc_0/DocumentRes.xml: not well-formed XML"),
                "\(references.detail)")
        #expect(checks.filter { $0.outcome == .failed }.map(\.name) == [.references])
        #expect(report.signatures.first?.report.indication == .totalFailed)
    }

    @Test func ridingSealsAndPlacementsThroughTheCLI() throws {
        let fixture = try Self.fixture.get()
        try Data(TestSupport.bytes(ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd"))).write(to: fixture.base.appendingPathComponent("five.ofd"))
        let riding = try TestSupport.seal(["sign", "five.ofd", "--data", "data", "--seal", "tax", "--riding", "-o", "riding.ofd"],
                                          environment: Self.environment, in: fixture.base)
        #expect(riding.status == 0, "\(riding.stderr)")
        let description = try TestSupport.run("unzip", ["-p", "riding.ofd", "Doc_0/Signs/Sign_1/Signature.xml"], in: fixture.base).stdout
        let clips = description.matches(of: /Clip="([^"]+)"/).map { String($0.1) }
        #expect(clips == ["0 0 8.4 30", "8.4 0 8.4 30", "16.8 0 8.4 30", "25.2 0 8.4 30", "33.6 0 8.4 30"], "\(description)")
        #expect(try TestSupport.seal(["verify", "riding.ofd", "--data", "data"], environment: Self.environment, in: fixture.base).stdout
            .contains("TOTAL-PASSED: sealed by Wuhan Tax Bureau"))

        let offPage = try TestSupport.seal(["sign", "five.ofd", "--data", "data", "--seal", "tax", "--page", "9"], environment: Self.environment,
                                           in: fixture.base)
        #expect(offPage.status == 65)
        #expect(offPage.stderr == "seal: error: refused OFD package: page 9 is not in the document (it has 5)\n")
        let badAt = try TestSupport.seal(["sign", "five.ofd", "--data", "data", "--seal", "tax", "--at", "12"], environment: Self.environment,
                                         in: fixture.base)
        #expect(badAt.status == 64)
        try Data("not a zip".utf8).write(to: fixture.base.appendingPathComponent("fake.ofd"))
        let fake = try TestSupport.seal(["sign", "fake.ofd", "--data", "data", "--seal", "tax"], environment: Self.environment, in: fixture.base)
        #expect(fake.status == 65)
        #expect(fake.stderr == "seal: error: fake.ofd is named .ofd but is not an OFD file (seal it with --format detached)\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("fake.sealed.ofd")))
    }

    /// Receipts beside an SES signature and inside an OFD are renewed where they are, against the
    /// newest checkpoint, and what they prove still verifies.
    @Test func receiptsAreRefreshedInTheirPlace() throws {
        let fixture = try Self.fixture.get()
        try Data("Receipt test\n".utf8).write(to: fixture.base.appendingPathComponent("receipt.txt"))
        try Data(TestSupport.bytes(ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd"))).write(to: fixture.base.appendingPathComponent("receipt.ofd"))
        for file in ["receipt.txt", "receipt.ofd"] {
            #expect(try TestSupport.seal(["sign", file, "--data", "data", "--seal", "market"], environment: Self.environment, in: fixture.base).status == 0)
        }
        // One more seal, so the newest checkpoint is larger than the receipts' own.
        #expect(try TestSupport.seal(["sign", "licence.txt", "--data", "data", "--seal", "tax", "-o", "later.ses"], environment: Self.environment,
                                     in: fixture.base).status == 0)
        func treeSizes(_ file: String) throws -> [Int] {
            let shown = try TestSupport.seal(["receipt", file, "--json"], in: fixture.base)
            #expect(shown.status == 0, "\(shown.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8))
            let receipts = (object as? [[String: Any]])?.compactMap { $0["receipt"] as? [String: Any] } ?? [(object as? [String: Any]) ?? [:]]
            return receipts.compactMap { $0["treeSize"] as? Int }
        }
        let before = try treeSizes("receipt.txt.ses") + treeSizes("receipt.sealed.ofd")
        let newest = try #require(String(try TestSupport.seal(["log", "checkpoint", "--data", "data"], in: fixture.base).stdout
            .split(separator: "\n")[1]).split(separator: " ").first.flatMap { Int($0) })
        for file in ["receipt.txt.ses", "receipt.sealed.ofd"] {
            let refreshed = try TestSupport.seal(["receipt", file, "--refresh", "--data", "data"], environment: Self.environment, in: fixture.base)
            #expect(refreshed.status == 0, "\(refreshed.stderr)")
        }
        let after = try treeSizes("receipt.txt.ses") + treeSizes("receipt.sealed.ofd")
        #expect(before.count == 2 && before.allSatisfy { $0 < newest }, "\(before) against \(newest)")
        #expect(after == [newest, newest])
        #expect(try TestSupport.seal(["verify", "receipt.txt", "--trust", "trust.pem"], in: fixture.base).status == 0)
        let document = try TestSupport.seal(["verify", "receipt.sealed.ofd", "--trust", "trust.pem", "--json"], in: fixture.base)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(document.stdout.utf8))
        #expect(report.signatures.last?.report.indication == .totalPassed)
        #expect(report.signatures.last?.report.archive.treeSize == newest)
        // KingGrid's signature has no receipt of this archive: it stays as it was, and the refresh of
        // a document Seal never sealed says so.
        let foreign = try TestSupport.seal(["receipt", "receipt.ofd", "--refresh", "--data", "data"], environment: Self.environment, in: fixture.base)
        #expect(foreign.status != 0)
        #expect(foreign.stderr.contains("the archive holds none of this document's signatures"))
    }

    /// A detached SES signature and a sealed OFD are revoked like a CAdES seal: online, their
    /// verification then fails REVOKED; a document the authority never sealed is refused.
    @Test func sesSignaturesAndOFDDocumentsAreRevoked() throws {
        let fixture = try Self.fixture.get()
        try Data("Permit to revoke\n".utf8).write(to: fixture.base.appendingPathComponent("permit.txt"))
        try Data(TestSupport.bytes(ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd"))).write(to: fixture.base.appendingPathComponent("withdrawn.ofd"))
        for file in ["permit.txt", "withdrawn.ofd"] {
            #expect(try TestSupport.seal(["sign", file, "--data", "data", "--seal", "market"], environment: Self.environment, in: fixture.base).status == 0)
        }
        for file in ["permit.txt.ses", "withdrawn.sealed.ofd"] {
            let revoked = try TestSupport.seal(["revoke", file, "--data", "data", "--reason", "withdrawn"], environment: Self.environment, in: fixture.base)
            #expect(revoked.status == 0, "\(revoked.stderr)")
            #expect(revoked.stdout.hasPrefix("Revoked \(file) (withdrawn) as archive entry "))
        }
        let ses = try TestSupport.seal(["verify", "permit.txt", "--data", "data", "--json"], environment: Self.environment, in: fixture.base)
        #expect(ses.status == 1)
        #expect(ses.stdout.contains("\"subIndication\" : \"REVOKED\""))
        let ofd = try TestSupport.seal(["verify", "withdrawn.sealed.ofd", "--data", "data", "--json"], environment: Self.environment, in: fixture.base)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(ofd.stdout.utf8))
        #expect(report.signatures.last?.report.subIndication == .revoked)
        #expect(report.signatures.last?.report.revocation.document?.reason == "withdrawn")
        // The unsealed invoice's only signature is KingGrid's: not in this archive.
        let foreign = try TestSupport.seal(["revoke", "withdrawn.ofd", "--data", "data", "--reason", "error"], environment: Self.environment,
                                           in: fixture.base)
        #expect(foreign.status != 0)
        #expect(foreign.stderr.contains("no enrolled seal sealed this document; only the authority may revoke it"))
    }

    /// An SM2 authority revokes a seal with an SM2-signed CRL that OpenSSL reads, and verifiers
    /// given the CRL judge the seal's signatures by it.
    @Test func anSM2AuthorityRevokesASealWithItsCRL() throws {
        let fixture = try Self.fixture.get()
        #expect(try TestSupport.seal(["enroll", "short-lived", "--data", "data", "--department", "Temporary Office"], environment: Self.environment,
                                     in: fixture.base).status == 0)
        try Data("Sealed before revocation\n".utf8).write(to: fixture.base.appendingPathComponent("before.txt"))
        #expect(try TestSupport.seal(["sign", "before.txt", "--data", "data", "--seal", "short-lived"], environment: Self.environment,
                                     in: fixture.base).status == 0)
        // Time-stamps count whole seconds: a revocation in the same second is not after the seal.
        Thread.sleep(forTimeInterval: 1.1)
        let revoked = try TestSupport.seal(["revoke-seal", "short-lived", "--data", "data", "--reason", "cessation"], environment: Self.environment,
                                           in: fixture.base)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try TestSupport.seal(["crl", "--data", "data", "-o", "sm2.crl"], environment: Self.environment, in: fixture.base).status == 0)
        let text = try TestSupport.run("openssl", ["crl", "-in", "sm2.crl", "-noout", "-text"], in: fixture.base)
        #expect(text.stdout.contains("Signature Algorithm: SM2-with-SM3"), "\(text.stderr)")
        let serial = try TestSupport.run("openssl", ["x509", "-in", "data/seals/short-lived/certificate.pem", "-noout", "-serial"], in: fixture.base)
        let number = try #require(serial.stdout.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text.stdout.contains(number))
        // Sealed before the revocation: still valid, and the report says the seal was revoked after.
        let report = try TestSupport.seal(["verify", "before.txt", "--trust", "trust.pem", "--crl", "sm2.crl", "--json"], in: fixture.base)
        #expect(report.status == 0, "\(report.stdout)")
        #expect(report.stdout.contains("\"status\" : \"revoked-after-sealing\""))
        let refused = try TestSupport.seal(["sign", "before.txt", "--data", "data", "--seal", "short-lived", "-o", "after.ses"],
                                           environment: Self.environment, in: fixture.base)
        #expect(refused.status != 0)
        #expect(refused.stderr.hasPrefix("seal: error: seal 'short-lived' cannot sign: it was revoked (cessation) on "), "\(refused.stderr)")
    }
}
