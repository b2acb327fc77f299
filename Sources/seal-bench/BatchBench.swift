import ArgumentParser
import Foundation
import SealCore
import SealService

/// A department sealing its day's documents with the real CLI: `seal sign` over N files in one
/// call, start to finish (process start, key loading with the passphrase, reading the files,
/// sealing, archiving, writing every .p7s durably), against the raw sign rate of the same run.
struct BatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "`seal sign` over N documents in one call, through the real CLI next to this binary.")

    @Option(help: "Documents sealed in the one call.")
    var files = 4000

    @Option(help: "Size of each document.")
    var documentBytes = 4096

    @Option(help: "Calls to time; the median is reported.")
    var runs = 3

    @Flag(help: "Pass the paths as arguments (as a shell glob does) instead of through --files-from.")
    var arguments = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    struct Report: Encodable {
        let files: Int
        let documentBytes: Int
        let rawSignPerSecond: Double
        let limitPerSecond: Double
        let secondsPerCall: [Double]
        let sealsPerSecond: Double
        let ratio: Double
    }

    func run() throws {
        let rawSign = try SealBench.rawSignRate()

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-batch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Encrypted keys, as a real authority has them: key loading is part of the call.
        let passphrase = "seal-bench batch passphrase"
        let data = DataDirectory(scratch.appendingPathComponent("authority"))
        try SealService.initialize(directory: data, name: "Bench Authority", algorithm: .ecdsaP256, passphrase: try Passphrase(passphrase))
        try SealService(directory: data, passphrase: try Passphrase(passphrase))
            .enroll(name: "bench", department: "Bench Office", organizationIdentifier: nil, algorithm: nil, days: 30)
        // Each call seals a day's new documents in a folder of its own, all written before any
        // timing: deleting one call's outputs before the next would slow the file system's inode
        // allocator for files that a department never deletes.
        let days = try (0..<runs).map { day in
            let folder = scratch.appendingPathComponent("day-\(day)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let paths = try (0..<files).map { index in
                let path = folder.appendingPathComponent(String(format: "certificate-%05d.txt", index)).path
                var bytes = [UInt8](repeating: UInt8(day), count: documentBytes)
                withUnsafeBytes(of: index) { bytes.replaceSubrange(0..<$0.count, with: $0) }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return path
            }
            let list = folder.appendingPathComponent("documents.list")
            try Data(paths.joined(separator: "\n").utf8).write(to: list)
            return (paths: paths, list: list)
        }

        let seal = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("seal")
        var durations: [Double] = []
        for day in days {
            let process = Process()
            process.executableURL = seal
            process.arguments = ["sign", "--seal", "bench", "--data", data.url.path]
                + (arguments ? day.paths : ["--files-from", day.list.path])
            // A department's shell: the passphrase and a plain PATH. A sanitized build's options
            // go along (without them LeakSanitizer would report, at exit, OpenSSL's per-thread
            // random generators of the signing threads still running).
            let sanitizer = ProcessInfo.processInfo.environment.filter { $0.key.hasSuffix("SAN_OPTIONS") }
            process.environment = sanitizer.merging(["SEAL_PASSPHRASE": passphrase, "PATH": "/usr/bin:/bin"]) { $1 }
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            let clock = ContinuousClock()
            let start = clock.now
            try process.run()
            process.waitUntilExit()
            durations.append(ArchiveBench.seconds(clock.now - start))
            guard process.terminationStatus == 0 else { throw BenchFailure(description: "seal sign exited \(process.terminationStatus)") }
            guard day.paths.allSatisfy({ FileManager.default.fileExists(atPath: $0 + ".p7s") }) else {
                throw BenchFailure(description: "seal sign did not write every seal")
            }
        }
        let median = durations.sorted()[durations.count / 2]
        let report = Report(files: files, documentBytes: documentBytes, rawSignPerSecond: rawSign.rounded(),
                            limitPerSecond: (rawSign / 2).rounded(), secondsPerCall: durations.map { ($0 * 1000).rounded() / 1000 },
                            sealsPerSecond: (Double(files) / median).rounded(), ratio: ((Double(files) / median) / (rawSign / 2) * 1000).rounded() / 1000)
        if json {
            return try SealBench.printJSON(report)
        }
        print("seal-bench batch: `seal sign` over \(files) documents of \(documentBytes) bytes in one call (paths \(arguments ? "as arguments" : "through --files-from")), \(runs) calls")
        print(String(format: "  calls took %@ s (median %.2f s)", durations.map { String(format: "%.2f", $0) }.joined(separator: ", "), median))
        print(String(format: "  %.0f seals/s against a limit of %.0f (raw sign %.0f/s / 2): %.1f%%",
                     report.sealsPerSecond, report.limitPerSecond, rawSign, report.ratio * 100))
    }
}
