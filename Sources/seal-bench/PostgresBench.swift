// Durable sealing through three seald instances on one PostgreSQL archive (a primary with a
// synchronous standby on this machine), against one instance on SQLite, in the same run.
//
//     swift build -c release && .build/release/seal-bench postgres [--clients 32] [--seconds 10] [--json]
//
// Run from the repository: it starts its cluster with Scripts/postgres-dev.sh (PostgreSQL 15).
import ArgumentParser
import Foundation
import SealClient

struct PostgresBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Durable sealing through three seald on PostgreSQL against one on SQLite, and latency at half load.")

    @Option(help: "Concurrent keep-alive clients (spread over the instances).")
    var clients = 32

    @Option(help: "Seconds of each phase.")
    var seconds = 10

    @Option(help: "Rounds the full-load phases alternate in.")
    var rounds = 4

    @Option(help: "Instances on PostgreSQL.")
    var instances = 3

    @Option(help: ArgumentHelp("The cluster script.", valueName: "PATH"))
    var script = "Scripts/postgres-dev.sh"

    @Flag(help: "Print the report as JSON.")
    var json = false

    struct Report: Encodable {
        let sqlitePerSecond: Double
        let postgresPerSecond: Double
        let ratio: Double
        let postgresMeanBatchSize: Double
        let postgresHalfLoadPerSecond: Double
        let postgresHalfLoadP50Milliseconds: Double
        let postgresHalfLoadP99Milliseconds: Double
        let postgresHalfLoadMeanCommitMilliseconds: Double
        let sqliteHalfLoadP99Milliseconds: Double
        let errors: Int
    }

    func validate() throws {
        guard seconds > 0, rounds > 0, clients > 0, instances > 0 else {
            throw ValidationError("--seconds, --rounds, --clients and --instances must be positive")
        }
    }

    func run() throws {
        let seconds = Double(self.seconds)
        let document = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }

        let sqlite = try BenchDaemon(label: "sqlite")
        let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-pg-\(UUID().uuidString.prefix(8))").path
        let url = try Self.script(script, ["start", cluster])
        defer { _ = try? Self.script(script, ["stop", cluster]) }
        let first = try BenchDaemon(label: "pg", archive: url, sharing: sqlite)
        var daemons = [first]
        for index in 1..<max(1, instances) { daemons.append(try BenchDaemon(label: "pg\(index)", archive: url, sharing: sqlite)) }
        let sockets = daemons.map(\.socket)
        _ = DaemonBench.load(sockets: [sqlite.socket], clients: clients, seconds: 1, document: document, rate: nil)
        _ = DaemonBench.load(sockets: sockets, clients: clients, seconds: 1, document: document, rate: nil)
        // The two full loads interleaved in rounds, so that the ratio compares the same moments
        // of this shared machine (the instances of the other backend idle meanwhile).
        let batchesBefore = try sockets.map(DaemonBench.batchCounts)
        var sqliteRounds: [DaemonBench.Phase] = [], postgresRounds: [DaemonBench.Phase] = []
        for _ in 0..<rounds {
            sqliteRounds.append(DaemonBench.load(sockets: [sqlite.socket], clients: clients, seconds: seconds / Double(rounds), document: document, rate: nil))
            postgresRounds.append(DaemonBench.load(sockets: sockets, clients: clients, seconds: seconds / Double(rounds), document: document, rate: nil))
        }
        let batchesAfter = try sockets.map(DaemonBench.batchCounts)
        let sqliteRate = DaemonBench.Phase(combining: sqliteRounds, seconds: seconds)
        let postgres = DaemonBench.Phase(combining: postgresRounds, seconds: seconds)
        let meanBatch = zip(batchesBefore, batchesAfter).map { $1.sum - $0.sum }.reduce(0, +)
            / max(1, zip(batchesBefore, batchesAfter).map { $1.count - $0.count }.reduce(0, +))
        let sqliteHalf = DaemonBench.load(sockets: [sqlite.socket], clients: clients, seconds: seconds, document: document, rate: sqliteRate.perSecond / 2)
        let commitsBefore = try sockets.map(DaemonBench.commitDurations)
        let half = DaemonBench.load(sockets: sockets, clients: clients, seconds: seconds, document: document, rate: postgres.perSecond / 2)
        let commitsAfter = try sockets.map(DaemonBench.commitDurations)
        let halfCommits = zip(commitsBefore, commitsAfter).map { ($1.sum - $0.sum, $1.count - $0.count) }
        let halfMeanCommit = halfCommits.map(\.0).reduce(0, +) / max(1, halfCommits.map(\.1).reduce(0, +))

        let report = Report(sqlitePerSecond: sqliteRate.perSecond, postgresPerSecond: postgres.perSecond,
                            ratio: postgres.perSecond / sqliteRate.perSecond, postgresMeanBatchSize: meanBatch,
                            postgresHalfLoadPerSecond: half.perSecond,
                            postgresHalfLoadP50Milliseconds: half.percentile(0.50), postgresHalfLoadP99Milliseconds: half.percentile(0.99),
                            postgresHalfLoadMeanCommitMilliseconds: halfMeanCommit * 1000,
                            sqliteHalfLoadP99Milliseconds: sqliteHalf.percentile(0.99),
                            errors: sqliteRate.errors + sqliteHalf.errors + postgres.errors + half.errors)
        if json { return try SealBench.printJSON(report) }
        print("durable seals, \(clients) clients, 4 KiB documents, \(Int(seconds)) s per phase")
        print(String(format: "  one seald on SQLite                   %8.0f /s   p99 at half load %.2f ms", sqliteRate.perSecond, report.sqliteHalfLoadP99Milliseconds))
        print(String(format: "  %d seald on PostgreSQL (sync standby)  %8.0f /s   %.1f%% of SQLite (target ≥ 60%%)",
                     daemons.count, postgres.perSecond, 100 * report.ratio))
        print(String(format: "    mean batch %.1f seals per transaction", meanBatch))
        print(String(format: "  at half that load                     %8.0f /s   p50 %.2f ms  p99 %.2f ms (target ≤ 20 ms)",
                     half.perSecond, report.postgresHalfLoadP50Milliseconds, report.postgresHalfLoadP99Milliseconds))
        print(String(format: "    mean commit %.2f ms (lock, write, standby, checkpoint)", report.postgresHalfLoadMeanCommitMilliseconds))
        if report.errors > 0 { print("  errors: \(report.errors)") }
    }

    /// Runs the cluster script; its last output line.
    static func script(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure(description: "\(path) \(arguments.joined(separator: " ")) failed") }
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }
}
