import ArgumentParser
import Foundation
import SealCore
import SealService

extension SealCommand {
    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust material for third parties.", subcommands: [Export.self])

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write the PEM trust bundle (works as `openssl -CAfile` as it is).")

            @OptionGroup var global: GlobalOptions

            @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
            var output: String?

            func run() throws {
                try Console.run {
                    let pem = try global.service().trustBundle().pem
                    if let output {
                        try AtomicFile.write(Array(pem.utf8), to: URL(fileURLWithPath: output))
                    } else {
                        print(pem, terminator: "")
                    }
                }
            }
        }
    }
}
