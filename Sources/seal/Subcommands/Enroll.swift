import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a seal (key and certificate) to a department.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Seal name: lower-case letters, digits, '.', '_' or '-' (e.g. civil-registry).")
        var name: String

        @Option(help: "The department's official name, as it appears in the certificate.")
        var department: String

        @Option(help: "The organisation identifier (e.g. unified social credit code).")
        var orgId: String?

        @Option(help: "Key algorithm (default: the authority's).")
        var algorithm: SignatureAlgorithm?

        @Option(help: "Validity in days.")
        var days = 730

        @Option(help: ArgumentHelp("The seal picture, PNG or JPEG of at most 512 KiB and 4096 pixels a side, in an SM2 seal's seal object and on PDF stamps (default: a round red seal with the department's name).",
                                   valueName: "file"))
        var image: String?

        @Option(help: ArgumentHelp("The picture's size in millimetres (a PDF stamp's default width).", valueName: "WxH"))
        var size = "40x40"

        @Flag(help: "Print the new seal as JSON.")
        var json = false

        func run() throws {
            try Console.run {
                let (width, height) = try SealAppearance.size(size)
                let picture = try image.map { path throws(ServiceError) in try AtomicFile.read(path: path) }
                let appearance = SealAppearance(image: picture, widthMillimetres: width, heightMillimetres: height)
                let info = try global.operations().enroll(name: name, department: department, organizationIdentifier: orgId,
                                                       algorithm: algorithm, days: days, appearance: appearance)
                if json { try Console.printJSON(info) } else {
                    print("Enrolled seal '\(info.name)' for \(info.department) (\(info.algorithm)), valid until \(info.notAfter.rfc3339)")
                }
            }
        }
    }
}
