import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Seals: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the enrolled seals.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            try Console.run {
                let seals = try global.operations().seals()
                if json { return try Console.printJSON(seals) }
                guard !seals.isEmpty else { return print("No seals yet (enroll one with `seal enroll`).") }
                let rows = [["NAME", "DEPARTMENT", "ALGORITHM", "VALID FROM", "VALID UNTIL", "STATUS", "SEAL OBJECT"]] + seals.map {
                    [$0.name, $0.department, $0.algorithm.rawValue, $0.notBefore.rfc3339, $0.notAfter.rfc3339, $0.status.name,
                     $0.electronicSeal.map { "\($0.pictureType) \($0.widthMillimetres)x\($0.heightMillimetres)mm" } ?? "-"]
                }
                let widths = (0..<7).map { column in rows.map { $0[column].count }.max() ?? 0 }
                for row in rows {
                    print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingTrailingSpaces())
                }
            }
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
