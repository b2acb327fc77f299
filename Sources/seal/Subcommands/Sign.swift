import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal and archive documents: DOC.sealed.pdf for a PDF (PAdES), DOC.sealed.ofd for an OFD (SM2 seals), FILE.p7s beside any other FILE (CAdES-T), or FILE.ses and FILE.ses.receipt with an SM2 seal.",
            discussion: """
            The files of one call are archived in their order, each 256 in one transaction under one new signed \
            checkpoint, while the next ones are signed; a result is written only once its transaction is durable. \
            The format follows each file's content: a PDF is sealed in place with a PAdES-B-LT signature and a \
            visible stamp (RSA, ECDSA or Ed25519 seals); an OFD package in place with one more GB/T 38540 \
            signature (SM2 seals); every earlier signature stays valid, and the input is never overwritten unless \
            -o names it. --format detached seals any file beside it instead.
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Documents to seal.")
        var files: [String] = []

        @Option(help: ArgumentHelp("Also seal the documents listed in FILE, one path per line or NUL-separated (`-`: standard input). Thousands of paths parse faster this way than as arguments.",
                                   valueName: "FILE"))
        var filesFrom: String?

        @Option(help: "The seal to use (see `seal seals`).")
        var seal: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Output file (only with a single document).", valueName: "OUT"))
        var output: String?

        @Option(help: ArgumentHelp("detached, pdf or ofd (default: by each file's content).", valueName: "FORMAT"))
        var format: String?

        @Option(help: ArgumentHelp("PDF, OFD: the page to stamp, from 1 (default: the last).", valueName: "N"))
        var page: Int?

        @Option(help: ArgumentHelp("PDF, OFD: the stamp's top-left corner in millimetres from the page's top-left (default: 20 mm from the right, 30 mm from the bottom).",
                                   valueName: "X,Y"))
        var at: String?

        @Option(help: ArgumentHelp("PDF: the stamp's width in millimetres (default: the seal picture's).", valueName: "MM"))
        var width: Double?

        @Flag(help: "PDF: a signature with no stamp on the page.")
        var invisible = false

        @Option(help: ArgumentHelp("PDF: fill this existing empty signature field instead of adding one.", valueName: "NAME"))
        var field: String?

        @Flag(inversion: .prefixedNo, help: "PDF: add a revision with the chain and the current CRL (PAdES-B-LT), so the PDF verifies years later without the authority.")
        var ltv = true

        @Flag(help: "OFD: a riding seal (骑缝章) across the right edge of every page.")
        var riding = false

        @Flag(help: "Print what was written as JSON.")
        var json = false

        func validate() throws {
            guard !files.isEmpty || filesFrom != nil else { throw ValidationError("name at least one document to seal") }
            if output != nil && (files.count > 1 || filesFrom != nil) { throw ValidationError("-o/--output works with a single document only") }
            if riding && page != nil { throw ValidationError("--riding stamps every page; it takes no --page") }
        }

        /// --page, --at and --riding.
        func placement() throws(ServiceError) -> StampPlacement {
            var x: Double?, y: Double?
            if let at {
                let parts = at.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let first = parts[0], let second = parts[1] else {
                    throw .invalidArgument("--at must be X,Y in millimetres (e.g. 150,240), not '\(at)'")
                }
                (x, y) = (first, second)
            }
            return try StampPlacement.checked(page: page, x: x, y: y, riding: riding, width: width, invisible: invisible, field: field,
                                                longTermValidation: ltv)
        }

        /// The arguments, then the paths --files-from lists (NUL-separated if it holds a NUL).
        func documentPaths() throws(ServiceError) -> [String] {
            guard let filesFrom else { return files }
            let list = try AtomicFile.read(path: filesFrom == "-" ? "/dev/stdin" : filesFrom)
            let separator: UInt8 = list.contains(0) ? 0 : UInt8(ascii: "\n")
            let listed = list.split(separator: separator).map { String(decoding: $0, as: UTF8.self) }
            guard !listed.isEmpty || !files.isEmpty else { throw .invalidArgument("\(filesFrom) lists no documents") }
            return files + listed
        }

        struct Written: Encodable {
            let document: String
            let seal: String
            let sha256: String
        }

        func run() throws {
            try Console.run {
                // Read every input first: a missing file stops the run before anything is written.
                let documents = try documentPaths().map { path throws(ServiceError) in (path, try AtomicFile.read(path: path)) }
                let placement = try placement()
                let authority = try global.operations()
                // Chunks bound memory on large runs and pace the progress bar; each 256 seals are one
                // archive transaction.
                var written: [Written] = []
                // PDF and OFD documents are sealed in place, the others beside them: one call for each kind.
                var byFormat: [DocumentFormat?: [(String, [UInt8])]] = [:]
                for document in documents {
                    byFormat[try DocumentFormat.forDocument(document.1, path: document.0, requested: format), default: []].append(document)
                }
                let batches = [DocumentFormat?.some(.pdf), .some(.ofd), nil].flatMap { format in
                    let list = byFormat[format] ?? []
                    return stride(from: 0, to: list.count, by: 4096).map { (format, list[$0..<min($0 + 4096, list.count)]) }
                }
                for (format, batch) in batches {
                    let sealed = try authority.seal(batch.map(\.1), sealName: seal, format: format, placement: placement)
                    let targets = zip(batch, sealed).map { output ?? $1.format.outputPath(for: $0.0) }
                    // A format without a place for the receipt gets it in a file beside the seal.
                    let receipts = zip(targets, sealed).compactMap { target, result in
                        result.format.receiptPath(forOutput: target).map { (bytes: result.receipt.der, path: $0) }
                    }
                    // The batch's seal files are made durable together: one sync, not two per file.
                    try AtomicFile.writeAll(zip(sealed, targets).map { (bytes: $0.bytes, path: $1) } + receipts)
                    for ((path, document), target) in zip(batch, targets) {
                        written.append(Written(document: path, seal: target, sha256: DigestAlgorithm.sha256.hash(document).hex))
                    }
                    Console.progress(written.count, of: documents.count, batch.last?.0 ?? "")
                }
                if json { return try Console.printJSON(written) }
                for item in written { print("Sealed \(item.document) -> \(item.seal)") }
            }
        }
    }
}
