import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal and archive documents: writes FILE.p7s (detached CAdES-T CMS, DER, with its archive receipt) next to each FILE.",
            discussion: "The files of one call are archived in their order, each 256 in one transaction under one new signed checkpoint, while the next ones are signed; a .p7s is written only once its transaction is durable.")

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

        @Flag(help: "Print what was written as JSON.")
        var json = false

        func validate() throws {
            guard !files.isEmpty || filesFrom != nil else { throw ValidationError("name at least one document to seal") }
            if output != nil && (files.count > 1 || filesFrom != nil) { throw ValidationError("-o/--output works with a single document only") }
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
                let authority = try global.operations()
                // Chunks bound memory on large runs and pace the progress bar; each 256 seals are one
                // archive transaction.
                var written: [Written] = []
                for batch in stride(from: 0, to: documents.count, by: 4096).map({ documents[$0..<min($0 + 4096, documents.count)] }) {
                    let sealed = try authority.seal(batch.map(\.1), sealName: seal)
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
