// Durable sealing through `seald` over its Unix socket, against the raw signature rate measured
// in the same run.
//
//     swift build -c release && .build/release/seal-bench daemon [--clients 32] [--seconds 10] [--json]
//
// Starts the `seald` built next to this binary on a fresh authority, drives it with N concurrent
// keep-alive clients sealing 4 KiB documents (`POST /v1/seals/{name}`), then again at half the
// measured throughput for the latency figure. The load generator shares the machine's cores with
// the daemon, as a local department system would.
import ArgumentParser
import Foundation
import Synchronization
import SealCore
import SealService
import SealClient

struct DaemonBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Durable sealing through seald over its socket: throughput, latency at half load, memory.")

    @Option(help: "Concurrent keep-alive clients.")
    var clients = 32

    @Option(help: "Seconds of load, saturated and again at half load.")
    var seconds = 10

    @Option(help: "Size of each sealed document.")
    var documentBytes = 4096

    @Option(help: "Seal this many documents first (for the memory figure after a long run).")
    var seals = 0

    @Flag(help: "Print the report as JSON.")
    var json = false

    struct Report: Encodable {
        let preloadedSeals: Int
        let clients: Int
        let documentBytes: Int
        let rawSignPerSecond: Double
        let limitPerSecond: Double
        let sealsPerSecond: Double
        let ratio: Double
        let saturatedP50Milliseconds: Double
        let saturatedP99Milliseconds: Double
        let halfLoadPerSecond: Double
        let halfLoadP50Milliseconds: Double
        let halfLoadP99Milliseconds: Double
        let meanBatchSize: Double
        let largestBatchBucket: String
        let peakRSSMebibytes: Double
        let errors: Int
    }

    func run() throws {
        let seconds = Double(self.seconds)
        let size = documentBytes
        let preload = seals

        let rawSign = try SealBench.rawSignRate()

        let bench = try BenchDaemon(label: "daemon")
        let (socket, daemon) = (bench.socket, bench.process)

        let document = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = Self.load(sockets: [socket], clients: clients, seconds: 1, document: document, rate: nil)  // warm-up
        var preloaded = 0
        while preloaded < preload {
            let phase = Self.load(sockets: [socket], clients: clients, seconds: 10, document: document, rate: nil)
            preloaded += Int(phase.perSecond * 10)
            if !json { print("  preloaded \(preloaded) seals, daemon RSS \(String(format: "%.1f", Self.residentMebibytes(daemon.processIdentifier))) MiB") }
        }
        let batchesBefore = try Self.batchCounts(socket)
        let saturated = Self.load(sockets: [socket], clients: clients, seconds: seconds, document: document, rate: nil)
        let batchesAfter = try Self.batchCounts(socket)
        let half = Self.load(sockets: [socket], clients: clients, seconds: seconds, document: document, rate: saturated.perSecond / 2)
        let peakRSS = Self.peakResidentMebibytes(daemon.processIdentifier)

        let report = Report(
            preloadedSeals: preloaded, clients: clients, documentBytes: size, rawSignPerSecond: rawSign, limitPerSecond: rawSign,
            sealsPerSecond: saturated.perSecond, ratio: saturated.perSecond / rawSign,
            saturatedP50Milliseconds: saturated.percentile(0.50), saturatedP99Milliseconds: saturated.percentile(0.99),
            halfLoadPerSecond: half.perSecond, halfLoadP50Milliseconds: half.percentile(0.50),
            halfLoadP99Milliseconds: half.percentile(0.99),
            meanBatchSize: (batchesAfter.sum - batchesBefore.sum) / max(1, batchesAfter.count - batchesBefore.count),
            largestBatchBucket: batchesAfter.largestBucket, peakRSSMebibytes: peakRSS,
            errors: saturated.errors + half.errors)
        if json {
            try SealBench.printJSON(report)
            return
        }
        print("seald over a Unix socket: \(clients) clients, \(size)-byte documents, \(Int(seconds)) s per phase")
        print(String(format: "  raw ECDSA P-256 sign (one core)     %10.0f /s", rawSign))
        print(String(format: "  limit: 2 cores x raw / 2 signatures %10.0f /s", rawSign))
        print(String(format: "  durable seals (saturated)           %10.0f /s   ratio %.1f%%   p50 %.2f ms  p99 %.2f ms",
                     saturated.perSecond, 100 * report.ratio, report.saturatedP50Milliseconds, report.saturatedP99Milliseconds))
        print(String(format: "  at half that load                   %10.0f /s   p50 %.2f ms  p99 %.2f ms",
                     half.perSecond, report.halfLoadP50Milliseconds, report.halfLoadP99Milliseconds))
        if preloaded > 0 { print("  after \(preloaded) seals before the measured phases") }
        print(String(format: "  mean batch %.1f seals (largest bucket %@); daemon peak RSS %.1f MiB; errors %d",
                     report.meanBatchSize, report.largestBatchBucket, peakRSS, report.errors))
    }

    struct Phase {
        var perSecond = 0.0
        var latencies: [Double] = []
        var errors = 0

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
        }
    }

    /// `clients` threads on keep-alive connections for `seconds`; with `rate`, each paces itself to
    /// its share of it (latency measured from the scheduled send time, so queueing counts).
    /// `clients` keep-alive clients, client i on `sockets[i % count]`.
    static func load(sockets: [String], clients: Int, seconds: Double, document: [UInt8], rate: Double?) -> Phase {
        let collected = Mutex((latencies: [Double](), errors: 0))
        let start = Date().addingTimeInterval(0.05)
        let end = start.addingTimeInterval(seconds)
        let threads = (0..<clients).map { client in
            Thread {
                var latencies: [Double] = []
                var errors = 0
                var sent = 0
                let interval = rate.map { Double(clients) / $0 }
                if let connection = try? HTTPConnection(socketPath: sockets[client % sockets.count], timeout: 30) {
                    while true {
                        var scheduled = Date()
                        if let interval {
                            scheduled = start.addingTimeInterval((Double(sent) + Double(client) / Double(clients)) * interval)
                            let wait = scheduled.timeIntervalSinceNow
                            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
                        }
                        if Date() >= end { break }
                        guard let response = try? connection.send("POST", "/v1/seals/bench", body: document), response.status == 201 else {
                            errors += 1
                            break
                        }
                        sent += 1
                        if Date() >= start { latencies.append(Date().timeIntervalSince(max(scheduled, start))) }
                    }
                } else {
                    errors += 1
                }
                collected.withLock {
                    $0.latencies += latencies
                    $0.errors += errors
                }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
        return collected.withLock { Phase(perSecond: Double($0.latencies.count) / seconds, latencies: $0.latencies, errors: $0.errors) }
    }

    /// The daemon's batch-size histogram: sum, count and the largest non-empty bucket.
    static func batchCounts(_ socket: String) throws -> (sum: Double, count: Double, largestBucket: String) {
        let text = String(decoding: try HTTPConnection(socketPath: socket).send("GET", "/metrics").body, as: UTF8.self)
        let value = { (prefix: String) in metric(prefix, in: text) }
        var previous = 0.0
        var largest = "0"
        for line in text.split(separator: "\n") where line.hasPrefix("seald_batch_size_bucket{le=\"") {
            let bound = line.split(separator: "\"")[1]
            let count = Double(line.split(separator: " ").last ?? "") ?? 0
            if count > previous { largest = "<= \(bound)" }
            previous = count
        }
        return (value("seald_batch_size_sum"), value("seald_batch_size_count"), largest)
    }

    /// The daemon's commit-duration histogram: sum (seconds) and count.
    static func commitDurations(_ socket: String) throws -> (sum: Double, count: Double) {
        let text = String(decoding: try HTTPConnection(socketPath: socket).send("GET", "/metrics").body, as: UTF8.self)
        return (metric("seald_commit_duration_seconds_sum", in: text), metric("seald_commit_duration_seconds_count", in: text))
    }

    /// One unlabelled sample of the Prometheus text `text` (0 when absent).
    private static func metric(_ name: String, in text: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    static func peakResidentMebibytes(_ pid: Int32) -> Double { statusMebibytes(pid, "VmHWM:") }

    static func residentMebibytes(_ pid: Int32) -> Double { statusMebibytes(pid, "VmRSS:") }

    static func statusMebibytes(_ pid: Int32, _ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }
}

extension DaemonBench.Phase {
    /// Phases that together lasted `seconds`, as one.
    init(combining phases: [Self], seconds: Double) {
        let latencies = phases.flatMap(\.latencies)
        self.init(perSecond: Double(latencies.count) / seconds, latencies: latencies, errors: phases.map(\.errors).reduce(0, +))
    }
}
