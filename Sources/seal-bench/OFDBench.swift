import ArgumentParser
import Foundation
import SealCore
import SealOFD
import SealService

/// SM2 sealing and verification of OFD documents on one core, as ratios to the raw SM2 rates
/// measured in the same run, and the share of SM3 hashing in sealing a large document.
struct OFDBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ofd",
        abstract: "Single-core SM2 sealing and verification of OFD documents against raw SM2 sign and verify.")

    @OptionGroup var options: DocumentBenchOptions

    func run() throws {
        let (seconds, json) = (options.seconds, options.json)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-ofd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = DataDirectory(scratch.appendingPathComponent("authority"))
        try SealService.initialize(directory: directory, name: "Bench Authority", algorithm: .sm2, passphrase: nil)
        let service = try SealService(directory: directory, passphrase: nil, configuration: .init(threads: 1))
        try service.enroll(name: "bench", department: "Bench Office", organizationIdentifier: nil, algorithm: .sm2, days: 30)
        let offline = try SealService.OfflineVerifier(trust: try service.trustBundle())

        // About 50 KB as a zip; and 10 MB, most of it scanned images (stored, as JPEG would be).
        let document = try Self.standardDocument()
        let large = try Self.document(pages: 10, bytesPerPage: 16_000, images: 10, imageSize: 1_000_000)
        let measured = try DocumentBenchFigures(service: service, format: .ofd, algorithm: .sm2, digest: .sm3, document: document, large: large,
                                                verify: { offline.verify(ofd: $0).indication == .totalPassed ? .passed : .failed },
                                                seconds: seconds)

        typealias Figure = SealBench.Figure
        // Three SM2 verifications per signature: the signer's, the seal maker's and the token's
        // (certificate paths are cached by exact bytes).
        let figures = measured.figures(algorithm: "SM2", digest: "SM3", format: "OFD", seal: "SES + token + archive",
                                       verification: "offline, receipt", document: document, large: large, verificationsPerSeal: 3,
                                       // The References hash every file uncompressed.
                                       hashedBytes: try OFDPackage(bytes: document).expandedSize)
        // The share of a large seal's time that SM3 over its bytes would take at the raw rate.
        let hashingShare = measured.hashingShare(of: large)
        if json {
            struct Report: Encodable {
                let ofd: [Figure]
                let sm3ShareOfLargeSeal: Double
            }
            try SealBench.printJSON(Report(ofd: figures, sm3ShareOfLargeSeal: (hashingShare * 1000).rounded() / 1000))
            return
        }
        print("seal-bench ofd: one core, \(seconds) s per figure, SM2 with SM3")
        SealBench.printTable(figures)
        print(String(format: "SM3 of the %d MiB document at the raw rate is %.1f%% of sealing it", large.count / 1024 / 1024, hashingShare * 100))
        print("limit = raw sign rate / 2 signatures per seal (SES and token); raw verify rate / 3 per signature")
        print("ceiling = the raw primitives alone: the signatures, and SM3 of every file uncompressed at the raw rate")
    }

    /// The document the sealing and verification figures use: about 50 KB as a zip, 330 KiB of XML.
    static func standardDocument() throws -> [UInt8] { try document(pages: 8, bytesPerPage: 42_000) }

    /// An OFD of `pages` pages, each page's content `bytesPerPage` of text objects, with
    /// `images` resources of random bytes.
    static func document(pages: Int, bytesPerPage: Int, images: Int = 0, imageSize: Int = 0) throws -> [UInt8] {
        let namespace = "xmlns:ofd=\"http://www.ofdspec.org/2016\""
        var files: [(name: String, bytes: [UInt8])] = [
            ("OFD.xml", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD \(namespace) Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".utf8)),
        ]
        let list = (0..<pages).map { "<ofd:Page ID=\"\($0 + 10)\" BaseLoc=\"Pages/Page_\($0)/Content.xml\"/>" }.joined()
        files.append(("Doc_0/Document.xml", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document \(namespace)><ofd:CommonData><ofd:MaxUnitID>\(pages + 10)</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>\(list)</ofd:Pages></ofd:Document>".utf8)))
        var generator = SystemRandomNumberGenerator()
        for page in 0..<pages {
            // Varied text so the page does not compress to nothing.
            var text = ""
            while text.utf8.count < bytesPerPage {
                text += "<ofd:TextObject ID=\"\(generator.next() % 100_000)\" Boundary=\"20 \(generator.next() % 270) 170 6\" Font=\"1\" Size=\"4\"><ofd:TextCode X=\"0\" Y=\"4\">\(String(generator.next(), radix: 36))</ofd:TextCode></ofd:TextObject>"
            }
            files.append(("Doc_0/Pages/Page_\(page)/Content.xml", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page \(namespace)><ofd:Content><ofd:Layer ID=\"\(page + 1000)\">\(text)</ofd:Layer></ofd:Content></ofd:Page>".utf8)))
        }
        for image in 0..<images {
            files.append(("Doc_0/Res/scan_\(image).jpg", (0..<imageSize).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        }
        return try OFDPackage.zip(files)
    }
}
