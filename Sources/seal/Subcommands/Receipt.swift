import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Receipt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a seal's archive receipt, or refresh it against the newest checkpoint.",
            discussion: """
            A CAdES seal (.p7s) carries its receipt; a detached SES signature (.ses) has it beside it \
            (SIG.receipt); an OFD document keeps each signature's receipt in the package \
            (Sign_N/SealReceipt.der); a PDF seal carries it in its CMS. --refresh writes them back in the \
            same place, and for a PDF appends a revision that holds the renewed receipts.
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The seal file (.p7s or .ses) or sealed OFD or PDF document.", valueName: "SIG"))
        var signature: String

        @Flag(help: "Print the receipt as JSON: index, treeSize, leafHash, proof, checkpoint (for an OFD or a PDF, one per signature).")
        var json = false

        @Flag(help: "Replace the receipt with one against the archive's newest checkpoint (needs --data or --socket).")
        var refresh = false

        func run() throws {
            try Console.run {
                let url = URL(fileURLWithPath: signature)
                let bytes = try AtomicFile.read(url)
                if SealService.carriesItsSeals(bytes) {
                    var document = bytes
                    if refresh {
                        document = try global.operations().refreshReceipts(bytes, receipt: nil)
                        try AtomicFile.write(document, to: url)
                    }
                    let receipts = try SealService.receipts(ofDocument: document)
                    if json { return try Console.printJSON(receipts) }
                    for item in receipts {
                        print("\(item.signature): " + (item.receipt.map { "entry \($0.index) of a tree of \($0.treeSize)" } ?? "no receipt"))
                    }
                    return
                }
                if SESSignature.hasItsShape(bytes) {
                    let receiptURL = URL(fileURLWithPath: signature + ".receipt")
                    let existing = FileManager.default.fileExists(atPath: receiptURL.path) ? try AtomicFile.read(receiptURL) : nil
                    if refresh { try AtomicFile.write(try global.operations().refreshReceipts(bytes, receipt: existing), to: receiptURL) }
                    guard let der = refresh ? try AtomicFile.read(receiptURL) : existing else {
                        throw ServiceError.archive("no receipt beside \(signature) (refresh it with --refresh --data DIR)")
                    }
                    return try show(try SealService.receipt(der: der))
                }
                var seal = try SealService.sealSignature(bytes, path: signature)
                if refresh {
                    seal = try global.operations().refreshReceipt(seal)
                    try AtomicFile.write(seal.der, to: url)
                }
                try show(try SealService.receipt(of: seal))
            }
        }

        func show(_ receipt: ArchiveReceipt) throws {
            if json { return try Console.printJSON(receipt.json) }
            print("entry \(receipt.index) of a tree of \(receipt.treeSize), leaf \(Data(receipt.leafHash).base64EncodedString())")
            print("inclusion proof: \(receipt.proof.count) hashes")
            print(receipt.checkpoint, terminator: "")
        }
    }
}
