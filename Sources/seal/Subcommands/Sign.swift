import ArgumentParser
import Foundation
import SealCore
import SealService

extension SealCommand {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal documents: writes FILE.p7s (detached CAdES-T CMS, DER) next to each FILE.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Documents to seal.")
        var files: [String]

        @Option(help: "The seal to use (see `seal seals`).")
        var seal: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Output file (only with a single document).", valueName: "OUT"))
        var output: String?

        @Flag(help: "Print what was written as JSON.")
        var json = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one document to seal") }
            if output != nil && files.count > 1 { throw ValidationError("-o/--output works with a single document only") }
        }

        struct Written: Encodable {
            let document: String
            let seal: String
            let sha256: String
        }

        func run() throws {
            try Console.run {
                // Read every input first: a missing file stops the run before anything is written.
                let documents = try files.map { path throws(ServiceError) in (path, try AtomicFile.read(URL(fileURLWithPath: path))) }
                let service = try global.service()
                let signer = try service.signer(for: seal)
                var written: [Written] = []
                for (index, (path, document)) in documents.enumerated() {
                    let sealed = try service.seal(document, with: signer)
                    let target = output ?? path + ".p7s"
                    try AtomicFile.write(sealed.der, to: URL(fileURLWithPath: target))
                    written.append(Written(document: path, seal: target, sha256: DigestAlgorithm.sha256.hash(document).hex))
                    Console.progress(index + 1, of: documents.count, path)
                }
                if json { return try Console.printJSON(written) }
                for item in written { print("Sealed \(item.document) -> \(item.seal)") }
            }
        }
    }
}
