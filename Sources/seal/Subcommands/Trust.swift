import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust material for third parties.", subcommands: [Export.self])

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write the trust bundle: root certificate(s) as PEM (works as `openssl -CAfile` as it is) and the archive log key.")

            @OptionGroup var global: GlobalOptions

            @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
            var output: String?

            @Flag(help: "Print only the archive log's verifier key (name+keyid+base64).")
            var logKey = false

            func run() throws {
                try Console.run {
                    let bundle = try global.operations().trustBundle()
                    let pem = logKey ? (bundle.logKeys.first ?? "") + "\n" : bundle.pem
                    try Console.emit(Array(pem.utf8), to: output)
                }
            }
        }
    }
}
