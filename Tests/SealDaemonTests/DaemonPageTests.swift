import Foundation
import Testing
import SealService
import SealTestSupport

/// The verification page in a real browser: Chromium driven by Selenium (`browser_page.py`)
/// against a real seald on TCP, in English and Chinese, with and without JavaScript, by
/// keyboard, at a phone's width, and checked by axe-core.
@Suite(.serialized) struct DaemonPageTests {
    @Test func theVerificationPageWorksInARealBrowser() throws {
        let port = Int.random(in: 20_000..<60_000)
        let daemon = try DaemonProcess.withAuthority("page", seals: ["civil"], sm2Seals: ["gov"], arguments: ["--listen", "127.0.0.1:\(port)"],
                                                     config: "max-body-bytes = 2097152\n")
        defer { daemon.cleanUp() }
        let files = daemon.scratch.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        func path(_ name: String) -> String { files.appendingPathComponent(name).path }
        func write(_ bytes: [UInt8], _ name: String) throws { try Data(bytes).write(to: files.appendingPathComponent(name)) }
        func seal(_ arguments: [String]) throws {
            let output = try daemon.seal(arguments)
            guard output.status == 0 else { throw Failure(description: "seal \(arguments): \(output.stderr)") }
        }

        try write(TestSupport.bytes(ExternalVectors.url("pdf/05-xref-stream_objstm_qpdf.pdf")), "plain.pdf")
        try seal(["sign", path("plain.pdf"), "--seal", "civil", "-o", path("sealed.pdf")])
        try seal(["sign", path("plain.pdf"), "--seal", "civil", "--invisible", "-o", path("revoked.pdf")])
        try seal(["revoke", path("revoked.pdf"), "--reason", "withdrawn"])
        try write(TestDocuments.ofd(), "plain.ofd")
        try seal(["sign", path("plain.ofd"), "--seal", "gov", "-o", path("sealed.ofd")])
        try write(Array("Business licence 77-0001\n".utf8), "licence.txt")
        try seal(["sign", path("licence.txt"), "--seal", "civil"])
        var tampered = TestSupport.bytes(URL(fileURLWithPath: path("sealed.pdf")))
        let stream = try #require(tampered.firstRange(of: Array("stream\n".utf8)))
        tampered[stream.upperBound + 3] ^= 0x01
        try write(tampered, "tampered.pdf")
        try write(TestSupport.bytes(ExternalVectors.url("pdf/13-certified_docmdp-perms_pyhanko.pdf")), "foreign.pdf")
        try write(Array("just some notes\n".utf8), "notes.txt")
        try write([UInt8](repeating: 0x41, count: 3 << 20), "big.bin")

        let screenshot = daemon.scratch.appendingPathComponent("phone.png")
        let output = try TestSupport.run("python3", [TestSupport.repository.appendingPathComponent("Tests/SealDaemonTests/browser_page.py").path,
                                                    "http://127.0.0.1:\(port)", files.path, screenshot.path])
        #expect(output.status == 0, "\(output.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stderr)")
        func verdict(_ key: String) -> String? { (report[key] as? [String: Any])?["verdict"] as? String }
        func departments(_ key: String) -> [String] { (report[key] as? [String: Any])?["departments"] as? [String] ?? [] }

        for (lang, valid) in [("en", "Valid"), ("zh-CN", "有效")] {
            #expect(verdict("pdf-\(lang)") == valid)
            #expect(departments("pdf-\(lang)").first?.hasPrefix("Department civil") == true, "\(departments("pdf-\(lang)"))")
            #expect(verdict("ofd-\(lang)") == valid, "\(report["ofd-\(lang)"] ?? "")")
            #expect(departments("ofd-\(lang)").first?.hasPrefix("Department gov") == true)
            #expect(verdict("p7s-\(lang)") == valid)
        }
        #expect(verdict("tampered") == "Not valid")
        #expect(verdict("revoked") == "Not valid")
        #expect((report["revoked"] as? [String: Any])?["revoked"] as? Bool == true)
        #expect(verdict("foreign") == "Cannot be decided", "\(report["foreign"] ?? "")")
        #expect((report["too-large"] as? [String: Any])?["status"] as? Int == 413)
        #expect((report["too-large"] as? [String: Any])?["message"] as? Bool == true)
        #expect((report["not-a-document"] as? [String: Any])?["status"] as? Int == 400)
        #expect((report["not-a-document"] as? [String: Any])?["message"] as? Bool == true)
        #expect(report["still-serving"] as? Int == 200)
        #expect(verdict("no-javascript") == "Valid")
        #expect(verdict("phone") == "有效")
        #expect(report["phone-verdict-on-screen"] as? Bool == true)
        #expect(report["tab-order"] as? [String] == ["skip", "简体中文", "English", "document", "signature", "Verify"])
        #expect(report["axe-form"] as? [String] == [], "serious or critical accessibility violations on the form")
        #expect(report["axe-result"] as? [String] == [], "serious or critical accessibility violations on a result")
        #expect(TestSupport.bytes(screenshot).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    struct Failure: Error, CustomStringConvertible { let description: String }
}
