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
                    let note = try global.service().withArchive { store in
                        guard let checkpoint = try size.map({ try store.checkpoint(size: $0) }) ?? store.latestCheckpoint() else {
                            throw ServiceError.archive("no checkpoint of size \(size.map(String.init) ?? "any")")
                        }
                        return checkpoint.note
                    }
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
                    let rows = try global.service().logEntries(from: from, count: count)
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

            struct Output: Encodable {
                let index: Int
                let treeSize: Int
                let leafHash: String
                let proof: [String]
                let checkpoint: String?
            }

            func run() throws {
                try Console.run {
                    let output = try global.service().withArchive { store -> Output in
                        let treeSize = try size ?? store.size
                        guard index >= 0, index < treeSize, treeSize <= (try store.size) else {
                            throw ServiceError.invalidArgument("index \(index) is outside the tree of size \(treeSize)")
                        }
                        let leaf = try store.entries(from: index, count: 1).first?.leafHash ?? []
                        let proof = try store.inclusionProof(index: index, size: treeSize)
                        return Output(index: index, treeSize: treeSize, leafHash: Data(leaf).base64EncodedString(),
                                      proof: proof.map { Data($0).base64EncodedString() },
                                      checkpoint: try store.checkpoint(size: treeSize)?.note)
                    }
                    try Console.printJSON(output)
                }
            }
        }

        struct Consistency: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "An RFC 9162 consistency proof between two tree sizes (JSON).")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The older tree size.") var from: Int
            @Option(help: "The newer tree size (default: the newest checkpoint's).") var to: Int?

            struct Output: Encodable {
                let from: Int
                let to: Int
                let fromRoot: String
                let toRoot: String
                let proof: [String]
            }

            func run() throws {
                try Console.run {
                    let output = try global.service().withArchive { store -> Output in
                        let newest = try store.size
                        let second = to ?? newest
                        guard from > 0, from <= second, second <= newest else {
                            throw ServiceError.invalidArgument("need 0 < --from <= --to <= \(newest)")
                        }
                        return Output(from: from, to: second, fromRoot: Data(try store.rootHash(size: from)).base64EncodedString(),
                                      toRoot: Data(try store.rootHash(size: second)).base64EncodedString(),
                                      proof: try store.consistencyProof(from: from, to: second).map { Data($0).base64EncodedString() })
                    }
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
                    try global.service().exportArchive(to: URL(fileURLWithPath: directory)) { done, total in
                        Console.progress(done, of: total, "entries")
                    }
                    print("Exported the archive to \(directory)")
                }
            }
        }
    }
}
