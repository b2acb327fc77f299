import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a sealed document (exit 0 TOTAL-PASSED, 1 TOTAL-FAILED, 2 INDETERMINATE).",
            discussion: """
                Offline with --trust BUNDLE (from `seal trust export`): the seal's embedded archive receipt is \
                checked against the bundle's log key. Online with --data DIR: against the authority's own root \
                and log, and a seal without a receipt is looked up in the archive. A PDF or OFD document is verified \
                signature by signature (a PDF's with its byte range, the changes made after it and its PAdES level; \
                an OFD's with its References and its receipt in the package); the document's verdict is the worst \
                of them.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The document.")
        var file: String

        @Option(help: ArgumentHelp("The seal: a CAdES .p7s or a GB/T 38540 .ses (default FILE.p7s, else FILE.ses).", valueName: "SIG"))
        var signature: String?

        @Option(help: ArgumentHelp("The archive receipt of an SES signature (default SIG.receipt when it exists).", valueName: "FILE"))
        var receipt: String?

        @Option(help: ArgumentHelp("Trust bundle (PEM) to verify against.", valueName: "BUNDLE"))
        var trust: String?

        @Option(help: ArgumentHelp("A CRL (PEM or DER) to check revocation with; may be repeated.", valueName: "CRL"))
        var crl: [String] = []

        @Option(help: ArgumentHelp("A signed document status list (from `seal status export`).", valueName: "FILE"))
        var status: String?

        @Flag(help: "Print the full verification report as JSON.")
        var json = false

        func run() throws {
            let indication: Indication
            do {
                let document = try AtomicFile.read(URL(fileURLWithPath: file))
                let crls = try crl.map { path throws(ServiceError) in
                    try SealService.revocationList(try AtomicFile.read(URL(fileURLWithPath: path)))
                }
                // A PDF or an OFD carries its signatures: every one is checked, unless a detached
                // seal is named or lies beside it.
                let detachedBeside = [file + ".p7s", file + ".ses"].contains { FileManager.default.fileExists(atPath: $0) }
                if signature == nil && !detachedBeside && SealService.carriesItsSeals(document) {
                    let report = try verifyDocument(document, crls: crls)
                    if json { try Console.printJSON(report) } else {
                        print(report.summary)
                        for signature in report.signatures {
                            let level = signature.level.map { " [\($0)]" } ?? ""
                            print("  \(signature.id) \(signature.location)\(level): \(signature.report.summary)")
                        }
                    }
                    indication = report.indication
                } else {
                    let report = try verifySeal(document, crls: crls)
                    if json { try Console.printJSON(report) } else { print(report.summary) }
                    indication = report.indication
                }
            } catch let error as ServiceError {
                Console.error(error.description)
                throw ExitCode(Console.verifyExitStatus(for: error))
            }
            throw ExitCode(indication.exitCode)
        }

        /// The trust to verify against: a bundle (offline), or the authority itself.
        enum Trust {
            case bundle(TrustBundle, DocumentStatusList?)
            case authority(any SealOperations, DocumentStatusList?)
        }

        func trustSource() throws(ServiceError) -> Trust {
            if let trust {
                let bundle = try SealService.trustBundle(pem: try AtomicFile.read(URL(fileURLWithPath: trust)))
                let list = try status.map { path throws(ServiceError) in
                    try SealService.documentStatusList(try AtomicFile.read(URL(fileURLWithPath: path)), trust: bundle)
                }
                return .bundle(bundle, list)
            }
            guard global.socketPath != nil || global.dataDirectory.exists else {
                throw ServiceError.invalidArgument("nothing to trust: give --trust BUNDLE (from `seal trust export`), --data DIR or --socket PATH")
            }
            let service = try global.operations()
            let list = try status.map { path throws(ServiceError) in
                try SealService.documentStatusList(try AtomicFile.read(URL(fileURLWithPath: path)), trust: try service.trustBundle())
            }
            return .authority(service, list)
        }

        func verifySeal(_ document: [UInt8], crls: [RevocationList]) throws(ServiceError) -> VerificationReport {
            let sealPath = signature ?? [file + ".p7s", file + ".ses"].first { FileManager.default.fileExists(atPath: $0) } ?? file + ".p7s"
            let seal = try AtomicFile.read(URL(fileURLWithPath: sealPath))
            let receiptPath = receipt ?? (FileManager.default.fileExists(atPath: sealPath + ".receipt") ? sealPath + ".receipt" : nil)
            let receiptBytes = try receiptPath.map { path throws(ServiceError) in try AtomicFile.read(path: path) }
            switch try trustSource() {
            case .bundle(let bundle, let list):
                return try SealService.verify(seal: seal, document: document, receipt: receiptBytes, trust: bundle,
                                              revocationLists: crls, statusList: list)
            case .authority(let service, let list):
                return try service.verify(seal: seal, document: document, receipt: receiptBytes, revocationLists: crls, statusList: list)
            }
        }

        func verifyDocument(_ document: [UInt8], crls: [RevocationList]) throws(ServiceError) -> DocumentVerificationReport {
            switch try trustSource() {
            case .bundle(let bundle, let list):
                return try SealService.verifyDocument(document, trust: bundle, revocationLists: crls, statusList: list)
            case .authority(let service, let list):
                return try service.verifyDocument(document, revocationLists: crls, statusList: list)
            }
        }
    }
}
