public import ArgumentParser
import Foundation
public import SealService

extension DocumentRevocation.Reason: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension SealCommand {
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a sealed document (issued in error, superseded or withdrawn), optionally naming its replacement.",
            discussion: """
                Appends a revocation, signed by the department that sealed the document (or, with --as-authority, \
                by the authority), to the archive. Verifiers learn of it online (--data) or from a status list \
                (`seal status export`).
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The seal of the document to revoke (.p7s, .ses), or a sealed OFD document.", valueName: "SIG"))
        var signature: String

        @Option(help: "Why: superseded, error or withdrawn.")
        var reason: DocumentRevocation.Reason

        @Option(help: ArgumentHelp("The seal (or sealed OFD) of the corrected document that replaces it (must be archived).", valueName: "NEWSIG"))
        var replacedBy: String?

        @Option(help: "A note kept privately in the archive (never published).")
        var note: String?

        @Option(name: .customLong("as"), help: ArgumentHelp("Revoke as this seal (it must be the one that sealed the document).", valueName: "SEAL"))
        var seal: String?

        @Flag(help: "Revoke as the authority (admin).")
        var asAuthority = false

        func validate() throws {
            if seal != nil && asAuthority { throw ValidationError("use either --as SEAL or --as-authority") }
        }

        func run() throws {
            try Console.run {
                let targets = try SealedItem.all(in: try AtomicFile.read(URL(fileURLWithPath: signature)), path: signature)
                let replacement = try replacedBy.map { path throws(ServiceError) in
                    try Self.archivedSeal(in: try SealedItem.all(in: try AtomicFile.read(URL(fileURLWithPath: path)), path: path), path: path)
                }
                let operations = try global.operations()
                let index = try operations.revoke(try Self.archivedSeal(in: targets, path: signature), reason: reason, replacement: replacement,
                                                  note: note, as: asAuthority ? .authority : .department(seal))
                print("Revoked \(signature) (\(reason)) as archive entry \(index)")
            }
        }

        /// The seal a file stands for: its only one, or an OFD document's newest signature (a
        /// seal added to a document is its last).
        static func archivedSeal(in items: [SealedItem], path: String) throws(ServiceError) -> SealedItem {
            guard let item = items.last else { throw .invalidArgument("\(path) carries no seal") }
            return item
        }
    }

    struct RevokeSeal: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-seal",
            abstract: "Revoke a department's seal: issues a new CRL (archived); the seal can no longer sign.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The seal name.")
        var name: String

        @Option(help: "Why: key-compromise, superseded or cessation.")
        var reason: String

        @Option(help: ArgumentHelp("Since when the key is suspect (RFC 3339), for key-compromise.", valueName: "TIME"))
        var invalidSince: String?

        func validate() throws {
            guard SealRevocationReason(rawValue: reason) != nil else {
                throw ValidationError("--reason must be one of \(SealRevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let invalidSince, Date(rfc3339: invalidSince) == nil {
                throw ValidationError("--invalid-since must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
            }
        }

        func run() throws {
            try Console.run {
                let crl = try global.operations().revokeSeal(name, reason: SealRevocationReason(rawValue: reason)!,
                                                          invalidSince: invalidSince.flatMap { Date(rfc3339: $0) })
                print("Revoked seal '\(name)' (\(reason)); CRL number \(crl.number ?? 0) issued (`seal crl` writes it)")
            }
        }
    }

    struct CRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl",
            abstract: "Write the authority's current CRL (a fresh one is issued and archived when the newest is about to expire).")

        @OptionGroup var global: GlobalOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
        var output: String?

        @Flag(help: "DER instead of PEM.")
        var der = false

        func run() throws {
            try Console.run {
                try Console.emit(try global.operations().currentRevocationListBytes(der: der), to: output)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Document status lists for offline verifiers.", subcommands: [Export.self])

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write the signed, dated list of revoked documents (use with `seal verify --status`).")

            @OptionGroup var global: GlobalOptions

            @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
            var output: String?

            func run() throws {
                try Console.run {
                    try Console.emit(Array(try global.operations().documentStatusList().utf8), to: output)
                }
            }
        }
    }
}
