import ArgumentParser
import Foundation
import SealCore
import SealService

/// PAdES sealing and verification of PDFs on one core, as ratios to the raw ECDSA P-256 rates
/// measured in the same run; and for a 20 MB PDF, the share of SHA-256 in sealing it and how
/// much memory sealing it takes beyond the document itself.
struct PDFBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdf",
        abstract: "Single-core PAdES sealing and verification of PDFs against raw ECDSA P-256 sign and verify.")

    @OptionGroup var options: DocumentBenchOptions

    func run() throws {
        let (seconds, json) = (options.seconds, options.json)
        let bench = try BenchAuthority()
        let service = bench.service
        let offline = try SealService.OfflineVerifier(trust: bench.trust)
        // About 100 KB of text pages; and 20 MB, most of it scanned images.
        let document = Self.standardDocument()
        let large = Self.document(pages: 4, bytesPerPage: 8_000, images: 20, imageSize: 1_000_000)
        let measured = try DocumentBenchFigures(service: service, format: .pdf, algorithm: .ecdsaP256, digest: .sha256, document: document,
                                                large: large, verify: { offline.verify(document: $0).indication == .totalPassed ? .passed : .failed },
                                                seconds: seconds)
        let residentGrowth = measured.peakMemoryGrowth
        // Two signatures per seal (the CMS and the token); two verifications per seal likewise
        // (certificate paths are cached by exact bytes).
        let figures = measured.figures(algorithm: "ECDSA P-256", digest: "SHA-256", format: "PDF", seal: "PAdES-B-LT + archive",
                                       verification: "offline, receipt", document: document, large: large, verificationsPerSeal: 2,
                                       // The byte ranges cover the whole original document (and the seal's revision).
                                       hashedBytes: document.count)
        typealias Figure = SealBench.Figure
        let hashingShare = measured.hashingShare(of: large)
        if json {
            struct Report: Encodable {
                let pdf: [Figure]
                let sha256ShareOfLargeSeal: Double
                let peakMemoryGrowthOfLargeSealsInDocuments: Double
            }
            try SealBench.printJSON(Report(pdf: figures, sha256ShareOfLargeSeal: (hashingShare * 1000).rounded() / 1000,
                                           peakMemoryGrowthOfLargeSealsInDocuments: (Double(residentGrowth) / Double(large.count) * 100).rounded() / 100))
            return
        }
        print("seal-bench pdf: one core, \(seconds) s per figure, ECDSA P-256 with SHA-256")
        SealBench.printTable(figures)
        print(String(format: "SHA-256 of the %d MiB document at the raw rate is %.1f%% of sealing it", large.count / 1024 / 1024, hashingShare * 100))
        print(String(format: "sealing it raised the peak resident memory by %.1f MiB (%.2f times the document)",
                     Double(residentGrowth) / 1_048_576, Double(residentGrowth) / Double(large.count)))
        print("limit = raw sign rate / 2 signatures per seal (CMS and token); raw verify rate / 2 per seal")
        print("ceiling = the raw primitives alone: the signatures, and SHA-256 of the original document at the raw rate")
    }

    /// The document the sealing and verification figures use: about 100 KB of text pages.
    static func standardDocument() -> [UInt8] { document(pages: 12, bytesPerPage: 8_000) }

    /// A PDF 1.7 of `pages` pages of text (`bytesPerPage` of content each, uncompressed), the
    /// first carrying `images` image XObjects of random bytes (as scans already compressed would be).
    static func document(pages: Int, bytesPerPage: Int, images: Int = 0, imageSize: Int = 0) -> [UInt8] {
        var out = Array("%PDF-1.7\n%\u{E2}\u{E3}\n".utf8)
        var offsets: [Int] = [0]
        func object(_ body: [UInt8]) {
            offsets.append(out.count)
            out += Array("\(offsets.count - 1) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        func stream(_ dictionary: String, _ data: [UInt8]) -> [UInt8] {
            Array("<<\(dictionary)/Length \(data.count)>>\nstream\n".utf8) + data + Array("\nendstream".utf8)
        }
        let firstPage = 3, firstContent = 3 + pages, firstImage = 3 + 2 * pages, font = 3 + 2 * pages + images
        object(Array("<</Type/Catalog/Pages 2 0 R>>".utf8))
        object(Array("<</Type/Pages/Count \(pages)/Kids[\((0..<pages).map { "\(firstPage + $0) 0 R" }.joined(separator: " "))]>>".utf8))
        for page in 0..<pages {
            let xobjects = page == 0 && images > 0 ? "/XObject<<\((0..<images).map { "/Im\($0) \(firstImage + $0) 0 R" }.joined())>>" : ""
            object(Array("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents \(firstContent + page) 0 R/Resources<</Font<</F1 \(font) 0 R>>\(xobjects)>>>>".utf8))
        }
        // Random enough and fast: a xorshift generator (the system one costs a system call per draw).
        var generator = Xorshift(seed: 0x9E37_79B9_7F4A_7C15)
        for page in 0..<pages {
            var text = "BT /F1 9 Tf 50 800 Td 11 TL\n"
            while text.utf8.count < bytesPerPage { text += "(\(String(generator.next(), radix: 36)) \(String(generator.next(), radix: 36))) '\n" }
            if page == 0 { text += "ET\n" + (0..<images).map { "q 100 0 0 100 \(50 + $0 * 20) 50 cm /Im\($0) Do Q\n" }.joined() } else { text += "ET\n" }
            object(stream("", Array(text.utf8)))
        }
        let side = Int(Double(imageSize / 3).squareRoot())
        for _ in 0..<images {
            object(stream("/Type/XObject/Subtype/Image/Width \(side)/Height \(side)/ColorSpace/DeviceRGB/BitsPerComponent 8",
                          (0..<(side * side * 3)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }))
        }
        object(Array("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".utf8))
        let xref = out.count
        out += Array("xref\n0 \(offsets.count)\n0000000000 65535 f\r\n".utf8)
        for offset in offsets.dropFirst() { out += Array(String(format: "%010d 00000 n\r\n", offset).utf8) }
        out += Array("trailer\n<</Size \(offsets.count)/Root 1 0 R>>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }
}
