import Foundation
import Mustache
import Testing
import SealArchive
import SealCore
import SealService
import SealClient
import SealTestSupport
@testable import SealDaemon

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
        // The authority's own seals show their pictures (drawn at 300 dpi: 472 pixels for 40 mm);
        // a foreign seal has none here.
        for key in ["pdf-en", "ofd-zh-CN", "p7s-en"] {
            #expect((report[key] as? [String: Any])?["pictures"] as? [Int] == [472], "\(key)")
        }
        #expect((report["foreign"] as? [String: Any])?["pictures"] as? [Int] == [])
        #expect(verdict("tampered") == "Not valid")
        // The reason and every check's name come from the catalogue in the page's language.
        #expect(verdict("tampered-zh-CN") == "无效")
        #expect((report["tampered"] as? [String: Any])?["reasons"] as? [String] == ["The document was changed after it was sealed."])
        #expect((report["tampered-zh-CN"] as? [String: Any])?["reasons"] as? [String] == ["文件在盖章后被改动。"], "\(report["tampered-zh-CN"] ?? "")")
        #expect(((report["tampered-zh-CN"] as? [String: Any])?["checks"] as? [String])?.contains("文件未被改动") == true)
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
        #expect(report["tab-order"] as? [String] == ["skip", "Verify", "Archive log", "简体中文", "English", "document", "signature", "Verify"])
        let keyboard = report["keyboard"] as? [String: Any]
        #expect(keyboard?["verdict"] as? String == "Valid", "a verification by keyboard alone: \(keyboard ?? [:])")
        #expect(keyboard?["opened"] as? Bool == true)
        #expect((keyboard?["checks-shown"] as? Int ?? 0) > 5)
        let entryPage = report["entry-page"] as? [String: Any]
        #expect((entryPage?["heading"] as? String)?.hasPrefix("Archive entry ") == true, "\(entryPage ?? [:])")
        #expect((entryPage?["proof-hashes"] as? Int ?? 0) > 0)
        let archivePage = report["archive-page"] as? [String: Any]
        #expect(archivePage?["heading"] as? String == "归档日志")
        #expect(archivePage?["entries"] as? Int == (try daemon.seal(["log", "checkpoint"]).stdout.split(separator: "\n").dropFirst().first.flatMap { Int($0) }))
        #expect(report["axe-archive"] as? [String] == [], "serious or critical accessibility violations on the archive page")
        #expect(report["axe-form"] as? [String] == [], "serious or critical accessibility violations on the form")
        #expect(report["axe-result"] as? [String] == [], "serious or critical accessibility violations on a result")
        #expect(TestSupport.bytes(screenshot).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    struct Failure: Error, CustomStringConvertible { let description: String }
}

/// The archive pages answer over plain HTTP: each with its JSON twin, 404 for an entry the
/// archive does not hold, 400 for a question it cannot answer, and the same on the socket.
@Suite(.serialized) struct DaemonArchivePageTests {
    @Test func archivePagesAnswerWithTheirTwins() throws {
        let port = Int.random(in: 20_000..<60_000)
        let daemon = try DaemonProcess.withAuthority("archive-pages", seals: ["civil"], arguments: ["--listen", "127.0.0.1:\(port)"])
        defer { daemon.cleanUp() }
        for index in 0..<3 { _ = try daemon.request("POST", "/v1/seals/civil", body: Array("document \(index)".utf8)) }
        func get(_ target: String) throws -> (status: String, body: String) {
            let output = try TestSupport.run("curl", ["-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(target)"])
            let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        let archive = try get("/archive?lang=en")
        #expect(archive.status == "200")
        #expect(archive.body.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"), "the templates' pragma leaves no line behind")
        #expect(archive.body.contains("The log holds 3 entries."))
        #expect(archive.body.contains("href=\"/v1/checkpoint\""))
        #expect(archive.body.contains("<a href=\"/archive/entries/2?lang=en\">2</a>"))
        let entry = try get("/archive/entries/1?lang=zh-CN")
        #expect(entry.status == "200")
        #expect(entry.body.contains("<h1>归档记录 1</h1>") && entry.body.contains("<dd>盖章</dd>") && entry.body.contains("Department civil"))
        #expect(entry.body.contains("href=\"/v1/proofs/inclusion?index=1\""))
        #expect(try get("/archive/entries/3").status == "404")
        #expect(try get("/archive/entries/x").status == "404")
        let consistency = try get("/archive/consistency?from=1&to=3&lang=en")
        #expect(consistency.status == "200" && consistency.body.contains("extends the log of 1 entries"))
        #expect(try get("/archive/consistency?from=3&to=1").status == "400")
        #expect(try get("/archive/crl?lang=en").body.contains("0 revoked seal certificates"))
        // The pages are counted under their own labels, not as unmatched requests.
        let metrics = String(decoding: try daemon.request("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"seald_requests_total{route="/archive",method="GET",status="200"}"#), "\(metrics)")
        #expect(metrics.contains(#"route="/archive",method="GET",status="404""#))
        #expect(try get("/archive/status?lang=en").body.contains("seal-document-status/v1"))
        // The socket serves the same pages; the log has grown by the CRL the CRL page issued
        // (the authority had none yet), as GET /v1/crl would have.
        let overSocket = try daemon.request("GET", "/archive?lang=en")
        #expect(overSocket.status == 200 && String(decoding: overSocket.body, as: UTF8.self).contains("The log holds 4 entries."), "\(String(decoding: overSocket.body, as: UTF8.self).prefix(3000))")
    }
}

/// Every name the page shows from SealCore's values has words in both catalogues.
@Suite struct PageCatalogueTests {
    @Test func everyCheckReasonAndKindHasWordsInBothLanguages() {
        let catalogue = PageCatalogue()
        var keys = VerificationCheck.Name.allCases.map { "checkname_" + $0.rawValue }
            + SubIndication.allCases.map { "reason_" + $0.rawValue }
            + RevocationReason.allCases.map { "reason_code_" + $0.description }
            + DocumentRevocation.Reason.allCases.map { "reason_code_" + $0.description }
            + ["seal", "document-revocation", "crl", "unknown"].map { "kind_" + $0 }
        keys += ["revoked_because", "technical_detail"]
        for (language, _) in PageCatalogue.languages {
            let missing = keys.filter { catalogue.messages[language]?[$0] == nil }
            #expect(missing.isEmpty, "\(language) lacks \(missing)")
        }
        #expect(Set(catalogue.messages["en", default: [:]].keys) == Set(catalogue.messages["zh-CN", default: [:]].keys))
        #expect(catalogue.text("revoked_because", "zh-CN", ["reason": catalogue.text("reason_code_withdrawn", "zh-CN")]) == "已撤销（已撤回）")
    }
}

/// The templates' own escaping gives what swift-mustache's HTML escaping gives, byte for byte.
@Suite struct HTMLEscapingTests {
    @Test(arguments: ["", "plain words", "<script>alert('x')</script>", "a & b \"c\" > d", "已撤销（已撤回）<b>", "&amp;&#39;", "é'\u{1F600}<"])
    func escapesAsMustacheDoes(_ value: String) throws {
        MustacheContentTypes.register(UTF8HTMLEscaping(), named: UTF8HTMLEscaping.name)
        let theirs = try MustacheTemplate(string: "{{value}}").render(["value": value])
        let ours = try MustacheTemplate(string: "{{% CONTENT_TYPE: HTML_UTF8}}{{value}}").render(["value": value])
        #expect(ours == theirs)
        #expect(!ours.contains("<") && !ours.contains("'"))
    }
}

/// The page's concurrency limit: a bounded queue in order, half the slots while sealing calls arrive.
@Suite struct ConcurrencyGateTests {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    @Test func admitsUpToItsLimitQueuesInOrderAndRefusesBeyondTheQueue() async throws {
        let gate = ConcurrencyGate(limit: 2, queue: 1)
        #expect(await gate.enter())
        #expect(await gate.enter())
        let admitted = Flag()
        let waiter = Task { if await gate.enter() { admitted.set() } }
        for _ in 0..<200 where !admitted.isSet { try await Task.sleep(for: .milliseconds(2)) }
        #expect(!admitted.isSet, "the third waits for a slot")
        #expect(await gate.enter() == false, "the queue holds one")
        gate.leave()
        await waiter.value
        #expect(admitted.isSet, "a slot freed goes to the one waiting")
    }

    @Test func leavesHalfTheSlotsWhileSealingCallsArrive() async throws {
        let sealing = Flag()
        sealing.set()
        let gate = ConcurrencyGate(limit: 2, queue: 0, reserving: { sealing.isSet })
        #expect(await gate.enter())
        #expect(await gate.enter() == false, "one of two while sealing, and no queue")
    }
}
