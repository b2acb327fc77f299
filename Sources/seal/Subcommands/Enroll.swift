import ArgumentParser
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

        @Flag(help: "Print the new seal as JSON.")
        var json = false

        func run() throws {
            try Console.run {
                let info = try global.operations().enroll(name: name, department: department, organizationIdentifier: orgId,
                                                       algorithm: algorithm, days: days)
                if json { try Console.printJSON(info) } else {
                    print("Enrolled seal '\(info.name)' for \(info.department) (\(info.algorithm)), valid until \(info.notAfter.rfc3339)")
                }
            }
        }
    }
}
