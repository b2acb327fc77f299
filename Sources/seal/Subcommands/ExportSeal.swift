import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct ExportSeal: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-seal",
            abstract: "Write an SM2 seal's GB/T 38540 seal object (.esl).",
            discussion: """
            The seal object is what the authority made at enrolment: the department's name, its \
            certificate, the picture and the validity period, signed by the authority as seal \
            maker. Every signature made with the seal carries it; `seal inspect` shows it.
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The seal's name.")
        var name: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write it (default: NAME.esl; - for standard output).", valueName: "file"))
        var output: String?

        func run() throws {
            try Console.run {
                let seal = try global.operations().electronicSeal(name)
                let target = output ?? "\(name).esl"
                try Console.emit(seal.der, to: target == "-" ? nil : target)
                if target != "-" { Console.note("Wrote \(target): seal '\(seal.property.name)', \(seal.picture.type) \(seal.picture.widthMillimetres) × \(seal.picture.heightMillimetres) mm") }
            }
        }
    }
}
