import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Receipt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a seal's archive receipt, or refresh it against the newest checkpoint.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The seal file.", valueName: "SIG"))
        var signature: String

        @Flag(help: "Print the receipt as JSON: index, treeSize, leafHash, proof, checkpoint.")
        var json = false

        @Flag(help: "Replace the receipt with one against the archive's newest checkpoint (needs --data).")
        var refresh = false

        func run() throws {
            try Console.run {
                let url = URL(fileURLWithPath: signature)
                var seal = try SealService.sealSignature(try AtomicFile.read(url), path: signature)
                if refresh {
                    seal = try global.operations().refreshReceipt(seal)
                    try AtomicFile.write(seal.der, to: url)
                }
                let receipt = try SealService.receipt(of: seal)
                if json { return try Console.printJSON(receipt.json) }
                print("entry \(receipt.index) of a tree of \(receipt.treeSize), leaf \(Data(receipt.leafHash).base64EncodedString())")
                print("inclusion proof: \(receipt.proof.count) hashes")
                print(receipt.checkpoint, terminator: "")
            }
        }
    }
}
