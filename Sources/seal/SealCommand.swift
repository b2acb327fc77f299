import ArgumentParser
import SealCore
import SealService

@main
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Electronic seals for official documents: issue, seal, verify.",
        discussion: """
            The options --data, --socket and --passphrase-file may come before the subcommand too \
            (`seal --data DIR sign …`), as `git -C` does.

            Exit status: 0 success (verify: TOTAL-PASSED), 1 failure (verify: TOTAL-FAILED), \
            2 verify: INDETERMINATE, 64 usage error, 65 malformed input file, 66 missing or unreadable \
            input file, 70 internal error.
            """,
        version: SealVersion.current,
        subcommands: [Init.self, Enroll.self, Seals.self, ExportSeal.self, Sign.self, Verify.self, Receipt.self, Revoke.self, RevokeSeal.self,
                      CRL.self, Status.self, Trust.self, Log.self, Audit.self, ArchiveCommand.self, Inspect.self, Demo.self]
    )

    static func main() {
        // As ParsableCommand.main, but every service the command opened is shut down before the
        // process ends, whichever way it ends: its writer's connection then closes last, which
        // folds the WAL into archive.sqlite (a copy of that file alone is complete). Left to
        // deinit, a service still referenced from a winding-down thread could outlive the exit.
        AllocatorTuning.apply()
        do {
            var command = try parseAsRoot(GlobalOptions.movingLeadingOptions(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            OpenServices.shutdownAll()
        } catch {
            OpenServices.shutdownAll()
            exit(withError: error)
        }
    }
}
