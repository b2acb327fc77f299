import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the archive log: checkpoints, entries, proofs, export.",
            subcommands: [Checkpoint.self, Entries.self, Proof.self, Consistency.self, Export.self])

        struct Checkpoint: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the newest signed checkpoint (C2SP signed note).")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The checkpoint of this tree size instead of the newest.")
            var size: Int?

            func run() throws {
                try Console.run {
                    let note = try global.operations().checkpoint(size: size)
                    print(note, terminator: "")
                }
            }
        }

        struct Entries: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List archive entries.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "First index.") var from = 0
            @Option(help: "How many entries.") var count = 20
            @Flag(help: "Print JSON (with each entry's bytes in base64).") var json = false

            func validate() throws {
                guard from >= 0 else { throw ValidationError("--from must not be negative") }
                guard (1...100_000).contains(count) else { throw ValidationError("--count must be between 1 and 100000") }
            }

            func run() throws {
                try Console.run {
                    let rows = try global.operations().logEntries(from: from, count: count)
                    if json { return try Console.printJSON(rows) }
                    for row in rows {
                        print("\(row.index)  \(row.kind)  \(row.committedAt.rfc3339)  \(row.signer ?? "?")  \(row.leafHash)")
                    }
                }
            }
        }

        struct Proof: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "An RFC 9162 inclusion proof for one entry (JSON).")
            @OptionGroup var global: GlobalOptions
            @Option(help: "Entry index.") var index: Int
            @Option(help: "Tree size (default: the newest checkpoint's).") var size: Int?

            func run() throws {
                try Console.run {
                    let output = try global.operations().inclusionProof(index: index, size: size)
                    try Console.printJSON(output)
                }
            }
        }

        struct Consistency: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "An RFC 9162 consistency proof between two tree sizes (JSON).")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The older tree size.") var from: Int
            @Option(help: "The newer tree size (default: the newest checkpoint's).") var to: Int?

            func run() throws {
                try Console.run {
                    let output = try global.operations().consistencyProof(from: from, to: to)
                    try Console.printJSON(output)
                }
            }
        }

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Export every entry and checkpoint into a new directory an auditor can check independently.",
                discussion: "Layout: README.txt, log-key.txt, trust.pem, entries.bin, checkpoints/NNNNNNNNNNNNNNNN.note.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The directory to create.") var directory: String

            func run() throws {
                try Console.run {
                    try global.operations().exportArchive(to: URL(fileURLWithPath: directory)) { done, total in
                        Console.progress(done, of: total, "entries")
                    }
                    print("Exported the archive to \(directory)")
                }
            }
        }
    }
}
