import Foundation
import SealService
import SealClient
import SealTestSupport

/// A `seald` started by a test over a real socket, with its own authority in a scratch directory.
final class DaemonProcess {
    let scratch: URL
    let data: URL
    let socket: String
    let process = Process()
    let log: URL
    static let passphrase = "daemon-test-passphrase"
    static var environment: [String: String] { ["SEAL_PASSPHRASE": passphrase] }

    static var binary: URL { TestSupport.sealBinary.deletingLastPathComponent().appendingPathComponent("seald") }

    /// A new authority with seals `civil` and `tax`, served by a new daemon.
    /// With `sm2Seals`, the authority is an SM2 one: those seals are SM2 seals with seal objects,
    /// the others ECDSA P-256 seals under the SM2 root.
    static func withAuthority(_ label: String, seals: [String] = ["civil", "tax"], sm2Seals: [String] = [], arguments: [String] = [],
                              config: String? = nil) throws -> DaemonProcess {
        let scratch = try TestSupport.scratchDirectory(label)
        let data = scratch.appendingPathComponent("authority")
        let algorithm = sm2Seals.isEmpty ? [] : ["--algorithm", "sm2"]
        var result = try TestSupport.seal(["init", "--data", data.path, "--name", "Daemon Test Authority"] + algorithm, environment: environment)
        guard result.status == 0 else { throw Failure("seal init: \(result.stderr)") }
        for name in seals + sm2Seals {
            let chosen = sm2Seals.isEmpty ? [] : ["--algorithm", sm2Seals.contains(name) ? "sm2" : "ecdsa-p256"]
            result = try TestSupport.seal(["enroll", "--data", data.path, name, "--department", "Department \(name)"] + chosen,
                                          environment: environment)
            guard result.status == 0 else { throw Failure("seal enroll: \(result.stderr)") }
        }
        return try DaemonProcess(scratch: scratch, data: data, arguments: arguments, config: config)
    }

    /// A daemon for the authority in `data`, on `scratch/run/seald.sock`.
    convenience init(scratch: URL, data: URL, arguments: [String] = [], config: String? = nil) throws {
        let run = scratch.appendingPathComponent("run")
        try? FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        chmod(run.path, 0o755)
        let socket = run.appendingPathComponent("seald.sock").path
        try self.init(scratch: scratch, data: data, socket: socket, arguments: ["--data", data.path, "--socket", socket] + arguments,
                      config: config)
    }

    /// A daemon started with exactly `arguments`, expected to listen on `socket`.
    init(scratch: URL, data: URL, socket: String, arguments: [String], config: String? = nil,
         environment: [String: String]? = nil) throws {
        self.scratch = scratch
        self.data = data
        self.socket = socket
        log = scratch.appendingPathComponent("seald-\(UUID().uuidString.prefix(6)).log")
        var arguments = arguments
        if let config {
            let url = scratch.appendingPathComponent("seald.conf")
            try Data(config.utf8).write(to: url)
            arguments += ["--config", url.path]
        }
        try start(arguments, environment: environment ?? Self.environment)
    }

    private func start(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": scratch.path].merging(TestSupport.inheritedEnvironment) { $1 }
            .merging(environment) { $1 }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        do { try waitUntilListening() } catch {
            kill()
            throw error
        }
    }

    func waitUntilListening(timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { throw Failure("seald exited \(process.terminationStatus): \(logText)") }
            if (try? HTTPConnection(socketPath: socket, timeout: 5).send("GET", "/healthz").status) == 200 { return }
            usleep(50_000)
        }
        throw Failure("seald did not start listening: \(logText)")
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func request(_ method: String, _ target: String, body: [UInt8] = [], contentType: String? = nil) throws -> HTTPConnection.Response {
        try HTTPConnection(socketPath: socket).send(method, target, body: body, contentType: contentType)
    }

    /// Runs the `seal` CLI against this daemon (`--socket`) or its data directory (`--data`).
    func seal(_ arguments: [String], socket useSocket: Bool = true, in directory: URL? = nil) throws -> TestSupport.Output {
        let target = useSocket ? ["--socket", socket] : ["--data", data.path]
        return try TestSupport.seal(Self.insert(target, into: arguments), environment: Self.environment, in: directory)
    }

    /// Puts the global options after the subcommand words (`log proof --socket S …`).
    static func insert(_ options: [String], into arguments: [String]) -> [String] {
        let words = arguments.prefix { !$0.hasPrefix("-") && ["log", "status", "trust", "checkpoint", "entries", "proof", "consistency",
                                                              "export", "seals", "sign", "verify", "receipt", "revoke", "revoke-seal",
                                                              "crl", "audit", "enroll", "init"].contains($0) }
        return Array(words) + options + Array(arguments.dropFirst(words.count))
    }

    /// SIGTERM, and the exit status once it has stopped.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func cleanUp() {
        kill()
        TestSupport.cleanUp(scratch)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// A value shared by the load threads of a test. A pthread mutex (NSLock), not Synchronization's
/// Mutex: ThreadSanitizer sees through the former and reports the futex-based latter as a race.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
