import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal and archive documents: FILE.p7s beside each FILE (CAdES-T, with its receipt); with an SM2 seal, FILE.ses and FILE.ses.receipt, or DOC.sealed.ofd for an OFD.",
            discussion: """
            The files of one call are archived in their order, each 256 in one transaction under one new signed \
            checkpoint, while the next ones are signed; a result is written only once its transaction is durable. \
            An OFD document (.ofd) is sealed in place with an SM2 seal: one more GB/T 38540 signature with a \
            visible stamp, every earlier signature left valid; the input is never overwritten unless -o names it.
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

        @Option(help: ArgumentHelp("OFD: the page to stamp, from 1 (default: the last).", valueName: "N"))
        var page: Int?

        @Option(help: ArgumentHelp("OFD: the stamp's top-left corner in millimetres from the page's top-left (default: 20 mm from the right, 30 mm from the bottom).",
                                   valueName: "X,Y"))
        var at: String?

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
            return try StampPlacement.checked(page: page, x: x, y: y, riding: riding)
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
                // OFD documents are sealed in place, the others beside them: one call for each kind.
                let ofd = documents.filter { $0.0.lowercased().hasSuffix(".ofd") }
                let others = documents.filter { !$0.0.lowercased().hasSuffix(".ofd") }
                let batches = [(DocumentFormat?.some(.ofd), ofd), (nil, others)].flatMap { format, list in
                    stride(from: 0, to: list.count, by: 4096).map { (format, list[$0..<min($0 + 4096, list.count)]) }
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
