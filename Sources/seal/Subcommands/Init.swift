public import ArgumentParser
import Foundation
public import SealService

extension SignatureAlgorithm: ExpressibleByArgument {}

extension SealCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an authority: a root CA and a time-stamping unit, in a new data directory.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Name of the authority, used in its certificates.")
        var name = "Seal Authority"

        @Option(help: "Key algorithm for the root and the TSA: \(SignatureAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
        var algorithm: SignatureAlgorithm = .ecdsaP256

        @Option(help: "Origin line of the archive log (its checkpoints' first line and the log key's name). Default: seal.local/<name>-<random>.")
        var origin: String?

        @Flag(help: "Store the keys unencrypted (development only). Without it a passphrase is required.")
        var insecureNoPassphrase = false

        func run() throws {
            try Console.run {
                try global.requireDataDirectory("init")
                let passphrase = try global.passphrase()
                if passphrase == nil && !insecureNoPassphrase {
                    throw ServiceError.invalidArgument(
                        "no passphrase: set SEAL_PASSPHRASE or --passphrase-file (or --insecure-no-passphrase for development)")
                }
                let directory = global.dataDirectory
                try FileManager.default.createDirectory(at: directory.url.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                let record = try SealService.initialize(directory: directory, name: name, algorithm: algorithm,
                                                        passphrase: passphrase, origin: origin)
                if !record.keysEncrypted { Console.warning("keys are stored UNENCRYPTED; use this authority for development only") }
                print("Created authority '\(record.name)' (\(record.algorithm)) in \(directory.url.path)")
                print("Archive log \(record.logOrigin), verifier key \(record.logVerifierKey)")
            }
        }
    }
}
