// Throughput of the signing core against the raw signature rate measured in the same run.
//
//     swift build -c release && .build/release/seal-bench [core] [--seconds S] [--json]
//     .build/release/seal-bench archive|daemon|profile --help
//
// Every figure is single-threaded (per core). Ratios divide a measured rate by the limit the raw
// ECDSA P-256 rate allows: a seal costs 2 signatures (CMS signer + time-stamp token), and a
// verification at least 2 signature verifications (seal + token; certificate paths extra).
import ArgumentParser
import Foundation
import SealArchive
import SealCore
import SealService

@main
struct SealBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal-bench",
        abstract: "Seal's throughput as ratios to the raw primitive rates measured in the same run (build with -c release).",
        subcommands: [CoreBench.self, OFDBench.self, PDFBench.self, PageBench.self, ArchiveBench.self, DaemonBench.self, PostgresBench.self, PostgresFaults.self, BatchBench.self, ProfileBench.self],
        defaultSubcommand: CoreBench.self)

    /// As the programs it measures start.
    static func main() {
        AllocatorTuning.apply()
        main(nil)
    }

    struct Figure: Encodable {
        let name: String
        let perSecond: Double
        let limitPerSecond: Double?
        var ratio: Double? { limitPerSecond.map { perSecond / $0 } }

        enum CodingKeys: String, CodingKey { case name, perSecond, limitPerSecond, ratio }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(perSecond.rounded(), forKey: .perSecond)
            try container.encodeIfPresent(limitPerSecond?.rounded(), forKey: .limitPerSecond)
            try container.encodeIfPresent(ratio.map { ($0 * 1000).rounded() / 1000 }, forKey: .ratio)
        }
    }

    /// The physical limit on this machine, now: raw ECDSA P-256 signatures per second, one core.
    static func rawSignRate(seconds: Double = 2) throws -> Double {
        let key = try PrivateKey.generate(.ecdsaP256)
        let digest = DigestAlgorithm.sha256.hash([1, 2, 3])
        return try rate(seconds: seconds) { _ = try key.sign(digest) }
    }

    /// This process's peak resident memory so far (VmHWM), in bytes.
    static func peakResidentBytes() -> Int {
        Int(DaemonBench.peakResidentMebibytes(getpid()) * 1_048_576)
    }

    /// The figures as a table: name, rate, limit and ratio.
    static func printTable(_ figures: [Figure]) {
        print("figure                                       per second      limit     ratio")
        for figure in figures {
            let limit = figure.limitPerSecond.map { String(format: "%9.0f", $0) } ?? String(repeating: " ", count: 9)
            let ratio = figure.ratio.map { String(format: "%8.1f%%", $0 * 100) } ?? ""
            print(figure.name.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: "%12.0f", figure.perSecond)
                  + "  " + limit + "  " + ratio)
        }
    }

    /// A report as pretty JSON with sorted keys on standard output.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Runs `body` repeatedly for about `seconds` and returns operations per second.
    static func rate(seconds: Double, warmUp: Int = 20, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmUp { try body() }
        let (count, elapsed) = try run(body, for: seconds, warmedWith: warmUp)
        return Double(count) / elapsed
    }

    /// One loop of `rates(seconds:rounds:_:)`: its body, and how many runs warm it up.
    struct Loop {
        let warmUp: Int
        let body: () throws -> Void
        init(warmUp: Int = 20, _ body: @escaping () throws -> Void) {
            self.warmUp = warmUp
            self.body = body
        }
    }

    /// The rates of `loops`, measured in turn `rounds` times for `seconds / rounds` each, so
    /// that a figure and the raw rates its ratio divides by see the same moments of this shared
    /// machine: one after another, each for all its seconds, the raw rates of one build moved
    /// by a fifth between runs while the figures did not follow them.
    static func rates(seconds: Double, rounds: Int = 4, _ loops: [Loop]) throws -> [Double] {
        for loop in loops { for _ in 0..<loop.warmUp { try loop.body() } }
        var counts = [Int](repeating: 0, count: loops.count), elapsed = [Double](repeating: 0, count: loops.count)
        for _ in 0..<rounds {
            for (index, loop) in loops.enumerated() {
                let (count, time) = try run(loop.body, for: seconds / Double(rounds), warmedWith: loop.warmUp)
                counts[index] += count
                elapsed[index] += time
            }
        }
        return zip(counts, elapsed).map { Double($0) / $1 }
    }

    /// Runs `body` until `seconds` have passed: how many runs, in how many seconds. A loop
    /// warmed with fewer than 20 runs takes milliseconds a run and looks at the clock after each;
    /// the others after every 50.
    private static func run(_ body: () throws -> Void, for seconds: Double, warmedWith warmUp: Int) rethrows -> (count: Int, elapsed: Double) {
        let round = warmUp < 20 ? 1 : 50
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var elapsed = 0.0
        repeat {
            for _ in 0..<round { try body() }
            count += round
            let duration = clock.now - start
            elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        } while elapsed < seconds
        return (count, elapsed)
    }
}

/// A benchmark that cannot produce a meaningful figure stops with this.
struct BenchFailure: Error, CustomStringConvertible { let description: String }

/// Python `cryptography`'s detached PKCS#7 signer on the same machine (Tools/bench_pkcs7.py), or
/// nil when Python or the package is missing.
func pythonPKCS7Rate(seconds: Double) -> Double? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Tools/bench_pkcs7.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.standardizedFileURL.path, "--seconds", String(seconds)]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return object["perSecond"] as? Double
}
