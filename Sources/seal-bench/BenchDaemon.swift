import Foundation
import SealService
import SealClient

/// A `seald` (the one built next to this binary) on a fresh ECDSA authority with seal "bench",
/// on a socket and optionally a loopback port, ready when this returns; stopped and removed
/// when the value goes away.
final class BenchDaemon {
    let scratch: URL
    let socket: String
    let port: UInt16?
    let process = Process()

    /// With `archive`, the daemon keeps its archive there; with `sharing`, it serves a copy of
    /// that daemon's authority (another host of the same authority).
    init(label: String, listen: Bool = false, archive: String? = nil, sharing other: BenchDaemon? = nil) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let data = DataDirectory(scratch.appendingPathComponent("authority"))
        if let other {
            try FileManager.default.copyItem(at: other.scratch.appendingPathComponent("authority"), to: data.url)
        } else {
            try SealService.initialize(directory: data, name: "Bench Authority", algorithm: .ecdsaP256, passphrase: nil)
            try SealService(directory: data, passphrase: nil).enroll(name: "bench", department: "Bench Office",
                                                                     organizationIdentifier: nil, algorithm: nil, days: 30)
        }
        socket = scratch.appendingPathComponent("seald.sock").path
        port = listen ? UInt16.random(in: 20_000..<60_000) : nil
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("seald")
        process.arguments = ["--data", data.url.path, "--socket", socket, "--log-level", "warning"] + (port.map { ["--listen", "127.0.0.1:\($0)"] } ?? [])
            + (archive.map { ["--archive", $0] } ?? [])
        // SEAL_BENCH_LOGS=DIR keeps each daemon's log (warnings and worse) as DIR/LABEL.log.
        if let logs = ProcessInfo.processInfo.environment["SEAL_BENCH_LOGS"] {
            let path = URL(fileURLWithPath: logs).appendingPathComponent("\(label).log").path
            FileManager.default.createFile(atPath: path, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: path)
        } else {
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !ready() {
            guard Date() < deadline, process.isRunning else { throw BenchFailure(description: "seald did not start") }
            usleep(50_000)
        }
    }

    /// Whether every listener answers /healthz.
    private func ready() -> Bool {
        guard (try? HTTPConnection(socketPath: socket, timeout: 2).send("GET", "/healthz").status) == 200 else { return false }
        guard let port else { return true }
        return (try? HTTPConnection(loopbackPort: port, timeout: 2).send("GET", "/healthz").status) == 200
    }

    /// SIGKILL, and waits for it to end.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: scratch)
    }
}
