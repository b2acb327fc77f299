// Random faults against seald instances on one PostgreSQL archive, ROUNDS times: under load from
// eight clients on two instances, one of kill -9 of an instance, kill -9 of the primary followed
// by promotion of the standby, or a stopped standby. After each round every acknowledged seal (by
// the hash of its signature value) must be in the database that survives. Not part of CI.
//
//     Scripts/faults-postgres.sh [ROUNDS]
import ArgumentParser
import Foundation
import Synchronization
import SealCore
import SealClient

struct PostgresFaults: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres-faults", abstract: "Random faults among seald instances and a PostgreSQL primary and standby; acknowledged against archived.")

    @Option(help: "Rounds of one fault each.")
    var rounds = 50

    @Option(help: ArgumentHelp("The cluster script.", valueName: "PATH"))
    var script = "Scripts/postgres-dev.sh"

    @Option(help: ArgumentHelp("psql.", valueName: "PATH"))
    var psql = "/usr/lib/postgresql/15/bin/psql"

    enum Fault: String, CaseIterable { case instance = "kill -9 an instance", primary = "kill -9 the primary, promote the standby", standby = "stop the standby" }

    func run() throws {
        let authority = try BenchDaemon(label: "faults-authority")
        var (totalAcknowledged, totalLost, failedRounds) = (0, 0, 0)
        for round in 1...rounds {
            let fault = Fault.allCases.randomElement()!
            let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("seal-faults-\(UUID().uuidString.prefix(8))").path
            var url = try PostgresBench.script(script, ["start", cluster])
            defer { _ = try? PostgresBench.script(script, ["stop", cluster]) }
            let daemons = try (0..<2).map { try BenchDaemon(label: "faults-\($0)", archive: url, sharing: authority) }
            let acknowledged = Mutex([[UInt8]]())
            let running = Atomic(true)
            let sockets = daemons.map(\.socket)
            let clients = (0..<8).map { client in
                Thread {
                    var number = 0
                    while running.load(ordering: .relaxed) {
                        number += 1
                        guard let connection = try? HTTPConnection(socketPath: sockets[client % 2], timeout: 10),
                              let response = try? connection.send("POST", "/v1/seals/bench", body: Array("round \(round) \(client)-\(number)".utf8)) else {
                            usleep(20_000)
                            continue
                        }
                        if response.status == 201 { acknowledged.withLock { $0.append(response.body) } }
                    }
                }
            }
            clients.forEach { $0.start() }
            usleep(UInt32.random(in: 300_000...1_500_000))
            switch fault {
            case .instance:
                daemons[1].kill()
                usleep(700_000)
            case .primary:
                _ = try PostgresBench.script(script, ["primary-kill", cluster])
                usleep(300_000)
            case .standby:
                _ = try PostgresBench.script(script, ["standby-stop", cluster])
                usleep(1_000_000)
            }
            running.store(false, ordering: .relaxed)
            if fault == .standby { _ = try PostgresBench.script(script, ["standby-start", cluster]) }
            while clients.contains(where: { !$0.isFinished }) { usleep(20_000) }
            if fault == .primary { url = try PostgresBench.script(script, ["promote", cluster]) }
            let acked = acknowledged.withLock { $0 }
            let hashes = try acked.map { DigestAlgorithm.sha256.hash(try SealSignature(der: $0).signatureValue).map { String(format: "%02x", $0) }.joined() }
            let found = try query(url, hashes.isEmpty ? "SELECT 0"
                : "SELECT count(*) FROM entries WHERE encode(signature_hash, 'hex') IN (\(hashes.map { "'\($0)'" }.joined(separator: ",")))")
            let dense = try query(url, "SELECT count(*) = coalesce(max(idx) + 1, 0) AND count(*) = (SELECT size FROM tree_head) FROM entries")
            let lost = hashes.count - (Int(found) ?? 0)
            totalAcknowledged += hashes.count
            totalLost += lost
            if lost != 0 || dense != "t" { failedRounds += 1 }
            // The instances go with their cluster; what they still hold is unacknowledged.
            daemons.forEach { $0.kill() }
            print("round \(round): \(fault.rawValue): \(hashes.count) acknowledged, \(found) of them archived\(dense == "t" ? "" : ", LOG NOT DENSE")")
        }
        print("\(rounds) rounds: \(totalAcknowledged) seals acknowledged, \(totalLost) lost; \(failedRounds) rounds failed")
        if failedRounds > 0 { throw ExitCode(1) }
    }

    /// One value from the database at `url` (its socket directory and port).
    func query(_ url: String, _ sql: String) throws -> String {
        guard let components = URLComponents(string: url), let port = components.port,
              let host = components.queryItems?.first(where: { $0.name == "host" })?.value else { throw BenchFailure(description: "bad URL \(url)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        // The statement goes on standard input: a round's list of acknowledged seals passes the
        // kernel's 128 KiB limit on one argument.
        process.arguments = ["-Atq", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", "postgres", "-d", "postgres"]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data((sql + ";\n").utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
