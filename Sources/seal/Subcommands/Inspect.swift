import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the structure of a seal (.p7s), an electronic seal (.esl), an SES signature (.ses, SignedValue.dat) or an OFD document's signatures, without verifying them.",
            discussion: """
            Reads GB/T 38540-2020 (version 4), GM/T 0031-2014 (version 1) and GM/T 0031-2025 \
            (version 5) structures as received: versions, names, certificates, dates, picture and \
            extensions, for auditors. `seal verify` decides whether they are valid.
            """)

        @Argument(help: ArgumentHelp("The seal or signature file.", valueName: "FILE"))
        var file: String

        @Flag(help: "Print the structure as JSON.")
        var json = false

        func run() throws {
            try Console.run {
                let bytes = try AtomicFile.read(path: file)
                if SealService.isOFD(bytes) { return try describe(try SealService.inspectDocument(bytes, path: file)) }
                if !SESSignature.hasItsShape(bytes), (try? SealService.sealSignature(bytes, path: file)) != nil {
                    return try describe(try SealService.inspectSeal(bytes, path: file))
                }
                let inspection = try SealService.inspect(bytes, path: file)
                if json { return try Console.printJSON(inspection) }
                Self.describe(inspection)
            }
        }

        func describe(_ seal: SealInspection) throws {
            if json { return try Console.printJSON(seal) }
            print("CAdES seal (detached CMS SignedData)")
            print("  signer:        \(seal.signer.map(Self.describe) ?? "no certificate carried")")
            for certificate in seal.intermediates { print("  intermediate:  \(Self.describe(certificate))") }
            print("  digest:        \(seal.digestAlgorithm ?? "not accepted") \(seal.messageDigest ?? "")")
            print("  signing time:  \(seal.signingTime ?? "not stated") (the signer's claim)")
            print("  time-stamp:    " + (seal.timeStamp.map { "\($0.time.rfc3339) by \($0.authority ?? "?"), serial \($0.serialNumber)" } ?? "none"))
            print("  receipt:       " + (seal.receipt.map { "archive entry \($0.index) of a tree of \($0.treeSize)" } ?? "none"))
        }

        func describe(_ document: DocumentInspection) throws {
            if json { return try Console.printJSON(document) }
            print("OFD document, \(document.pages) page\(document.pages == 1 ? "" : "s"), \(document.signatures.count) signature\(document.signatures.count == 1 ? "" : "s")")
            for signature in document.signatures {
                print("")
                print("Signature \(signature.id) (\(signature.type)) at \(signature.location)")
                if let references = signature.references {
                    print("  protects:      \(references) files (\(signature.checkMethod ?? "?"))")
                }
                for stamp in signature.stamps { print("  stamp on page  \(stamp)") }
                print("  receipt:       \(signature.receipt ? "in the package" : "none")")
                if let problem = signature.problem { print("  unreadable:    \(problem)") }
                if let inspection = signature.inspection { Self.describe(inspection) }
            }
        }

        static func describe(_ inspection: Inspection) {
            if let signature = inspection.signature {
                print("SES signature, version \(signature.version)")
                print("  signed at:     \(signature.signingTime ?? "not stated")")
                print("  covers:        \(signature.propertyInfo)")
                print("  data hash:     \(signature.dataHash)")
                print("  signer:        \(Self.describe(signature.signer))")
                print("  algorithm:     \(signature.signatureAlgorithm)\(signature.timeStamped ? ", time-stamped" : "")")
            }
            let seal = inspection.seal
            print("Electronic seal, version \(seal.version), from vendor \"\(seal.vendorID)\"")
            print("  name:          \(seal.name) (type \(seal.type))")
            print("  identifier:    \(seal.identifier)")
            print("  valid:         \(seal.validStart) to \(seal.validEnd) (made \(seal.createDate))")
            print("  picture:       \(seal.picture.type), \(seal.picture.bytes) bytes, \(seal.picture.widthMillimetres) × \(seal.picture.heightMillimetres) mm")
            print(seal.certificates.isEmpty ? "  certificates:  \(seal.certificateList), not shown" : "  certificates:")
            for certificate in seal.certificates { print("    \(Self.describe(certificate))") }
            print("  maker:         \(Self.describe(seal.maker))")
            print("  algorithm:     \(seal.signatureAlgorithm)\(seal.timeStamped ? ", time-stamped" : "")")
            for item in seal.extensions {
                print("  extension:     \(item.id)\(item.critical ? " (critical)" : ""), \(item.bytes) bytes")
            }
        }

        static func describe(_ certificate: Inspection.CertificateSummary) -> String {
            guard let subject = certificate.subject else { return "not a readable certificate (SHA-256 \(certificate.sha256))" }
            return "\(subject), issued by \(certificate.issuer ?? "?"), \(certificate.notBefore ?? "?") to \(certificate.notAfter ?? "?")"
        }
    }
}
