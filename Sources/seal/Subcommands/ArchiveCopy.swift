import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct ArchiveCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "archive", abstract: "Move the archive between databases.", subcommands: [Copy.self])

        struct Copy: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Copy the archive into a new, empty one (e.g. from SQLite to PostgreSQL), then audit the copy.",
                discussion: """
                    Every batch is appended to the target as the source committed it, with its salts and private notes, \
                    and its checkpoint signed again with the log key must equal the source's byte for byte. The copy ends \
                    with a full audit; exit 0 only when it passes. A target that holds anything is refused. \
                    Needs the authority's passphrase (the log key signs). Stop seald first, or copy from a snapshot: \
                    seals made during the copy are not in it.
                    """)

            @OptionGroup var global: GlobalOptions

            @Option(help: ArgumentHelp("The archive to copy (default: the data directory's).", valueName: "URL"))
            var from: String?

            @Option(help: ArgumentHelp("The new archive: sqlite:PATH or postgresql://USER@HOST:PORT/DB[?host=SOCKETDIR].", valueName: "URL"))
            var to: String

            @Flag(help: "Print the report as JSON.")
            var json = false

            func run() throws {
                var report: SealService.ArchiveCopyReport?
                var target: ArchiveLocation?
                try Console.run {
                    try global.requireDataDirectory("archive copy")
                    let service = try global.service()
                    let source = try from.map { text throws(ServiceError) in try ArchiveLocation(text) } ?? service.archiveLocation
                    let destination = try ArchiveLocation(to)
                    target = destination
                    report = try service.copyArchive(from: source, to: destination) { done, total in
                        if !json { Console.progress(done, of: total, "entries") }
                    }
                }
                guard let report, let target else { return }
                if json { return try Console.printJSON(report) }
                print("Copied \(report.entries) entries and \(report.checkpoints) signed checkpoints to \(target); "
                      + "the copy's audit passed (tree size \(report.audit.treeSize), root \(report.audit.rootHash))")
            }
        }
    }
}
