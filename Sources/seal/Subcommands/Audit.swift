import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the archive is complete, append-only and untampered (exit 0 only when everything holds).",
            discussion: """
                Recomputes every leaf and the whole tree, checks every signed checkpoint's root and signature, \
                proves consistency between consecutive checkpoints and re-verifies each seal's time-stamp. \
                With --checkpoint FILE, also proves that a checkpoint saved earlier is part of the archive's history.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Audit an export directory (from `seal log export`) instead of --data.", valueName: "DIR"))
        var export: String?

        @Option(help: ArgumentHelp("Trust bundle for an export (default: the export's own trust.pem).", valueName: "BUNDLE"))
        var trust: String?

        @Option(help: ArgumentHelp("A signed checkpoint saved earlier that the archive must still contain.", valueName: "FILE"))
        var checkpoint: String?

        @Flag(help: "Skip re-verifying time-stamp signatures (hashing only).")
        var skipSignatures = false

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() throws {
            var report = AuditReport()
            try Console.run {
                let saved = try checkpoint.map { path throws(ServiceError) in
                    String(decoding: try AtomicFile.read(URL(fileURLWithPath: path)), as: UTF8.self)
                }
                let progress: (Int, Int) -> Void = { done, total in if !json { Console.progress(done, of: total, "entries") } }
                if let export {
                    let bundle = try trust.map { path throws(ServiceError) in
                        try SealService.trustBundle(pem: try AtomicFile.read(URL(fileURLWithPath: path)))
                    }
                    report = try SealService.auditExport(URL(fileURLWithPath: export), trust: bundle, savedCheckpoint: saved,
                                                         verifySignatures: !skipSignatures, progress: progress)
                } else {
                    report = try global.operations().audit(savedCheckpoint: saved, verifySignatures: !skipSignatures, progress: progress)
                }
            }
            if json {
                try Console.printJSON(report)
            } else if report.ok {
                print("Audit passed: \(report.entries) entries, \(report.checkpoints) signed checkpoints, "
                      + "\(report.consistencyProofsVerified) consistency proofs, \(report.signaturesVerified) time-stamps re-verified; "
                      + "tree size \(report.treeSize), root \(report.rootHash)")
            } else {
                print("Audit FAILED at entry \(report.firstBadIndex.map(String.init) ?? "-"): \(report.problems.count) problem(s)")
                for problem in report.problems.prefix(20) { print("  \(problem)") }
            }
            if !report.ok { throw ExitCode(1) }
        }
    }
}
