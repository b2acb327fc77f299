import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// Shutdown, crashes and restarts: no acknowledged seal is ever lost.
@Suite(.serialized) struct DaemonLifecycleTests {
    /// Acknowledged seals, collected by the load clients.
    final class Acknowledged: Sendable {
        let seals = Locked<[(document: [UInt8], seal: [UInt8])]>([])
        var count: Int { seals.withLock { $0.count } }
    }

    /// `clients` threads sealing distinct documents over keep-alive connections until the daemon
    /// goes away; every 201 is recorded.
    func load(_ daemon: DaemonProcess, clients: Int, into acknowledged: Acknowledged) -> [Thread] {
        let socket = daemon.socket
        return (0..<clients).map { client in
            let thread = Thread {
                guard let connection = try? HTTPConnection(socketPath: socket, timeout: 30) else { return }
                for number in 0... {
                    let document = Array("client \(client) document \(number) \(UUID())".utf8)
                    guard let response = try? connection.send("POST", "/v1/seals/civil", body: document) else { return }
                    guard response.status == 201 else { return }
                    acknowledged.seals.withLock { $0.append((document, response.body)) }
                }
            }
            thread.start()
            return thread
        }
    }

    func waitFor(_ threads: [Thread]) {
        while threads.contains(where: { !$0.isFinished }) { usleep(20_000) }
    }

    /// Every acknowledged seal is in the archive and verifies online; the audit passes.
    func expectAllArchived(_ acknowledged: Acknowledged, in data: URL) throws {
        let service = try SealService(directory: DataDirectory(data), passphrase: try Passphrase(Array(DaemonProcess.passphrase.utf8)))
        let seals = acknowledged.seals.withLock { $0 }
        #expect(!seals.isEmpty)
        var missing = 0
        for (document, seal) in seals {
            let parsed = try SealService.sealSignature(seal, path: "acknowledged")
            let found = try service.withArchive { try $0.find(signatureHash: DigestAlgorithm.sha256.hash(parsed.signatureValue)) }
            if found == nil { missing += 1 }
        }
        #expect(missing == 0, "\(missing) of \(seals.count) acknowledged seals are not in the archive")
        // Spot-check full verification on a sample (each is a few milliseconds).
        for (document, seal) in seals.shuffled().prefix(20) {
            #expect(try service.verify(seal: seal, document: document).indication == .totalPassed)
        }
        let audit = try TestSupport.seal(["audit", "--data", data.path], environment: DaemonProcess.environment)
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
    }

    @Test func sigtermAnswersInFlightRequestsAndExitsZero() throws {
        let daemon = try DaemonProcess.withAuthority("sigterm", seals: ["civil"])
        defer { daemon.cleanUp() }
        let acknowledged = Acknowledged()
        let threads = load(daemon, clients: 8, into: acknowledged)
        while acknowledged.count < 100 { usleep(10_000) }
        #expect(daemon.stop() == 0, "\(daemon.logText)")
        waitFor(threads)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "the socket file outlived the daemon")
        #expect(daemon.logText.contains("stopped"))
        try expectAllArchived(acknowledged, in: daemon.data)
    }

    @Test func killNineUnderLoadLosesNoAcknowledgedSealAndRestarts() throws {
        let first = try DaemonProcess.withAuthority("kill9", seals: ["civil"])
        defer { first.cleanUp() }
        let acknowledged = Acknowledged()
        for round in 0..<3 {
            let daemon = round == 0 ? first : try DaemonProcess(scratch: first.scratch, data: first.data)
            let threads = load(daemon, clients: 6, into: acknowledged)
            let target = acknowledged.count + 50 + Int.random(in: 0..<150)
            while acknowledged.count < target { usleep(2_000) }
            daemon.kill()
            waitFor(threads)
            // The crash leaves the socket file; the next start clears it.
            #expect(FileManager.default.fileExists(atPath: daemon.socket))
        }
        try expectAllArchived(acknowledged, in: first.data)
        let restarted = try DaemonProcess(scratch: first.scratch, data: first.data)
        #expect(try restarted.request("POST", "/v1/seals/civil", body: Array("after the crashes".utf8)).status == 201)
        restarted.stop()
    }

    @Test func aSecondDaemonIsRefused() throws {
        let daemon = try DaemonProcess.withAuthority("second", seals: ["civil"])
        defer { daemon.cleanUp() }
        let sameData = try TestSupport.run(DaemonProcess.binary.path, ["--data", daemon.data.path, "--socket",
                                                                        daemon.scratch.appendingPathComponent("other.sock").path],
                                           environment: DaemonProcess.environment)
        #expect(sameData.status == 1)
        #expect(sameData.stderr.contains("seald: error: another seald is already serving \(daemon.data.path) (pid \(daemon.process.processIdentifier))"))

        // Another authority asking for the live daemon's socket does not steal it.
        let otherData = daemon.scratch.appendingPathComponent("other")
        #expect(try TestSupport.seal(["init", "--data", otherData.path, "--name", "Other"], environment: DaemonProcess.environment).status == 0)
        let sameSocket = try TestSupport.run(DaemonProcess.binary.path, ["--data", otherData.path, "--socket", daemon.socket],
                                             environment: DaemonProcess.environment)
        #expect(sameSocket.status == 1)
        #expect(sameSocket.stderr.contains("another daemon is listening on \(daemon.socket)"))
        #expect(try daemon.request("GET", "/healthz").status == 200)

        // A wrong passphrase stops it at start, not at the first request.
        daemon.stop()
        let wrong = try TestSupport.run(DaemonProcess.binary.path, ["--data", daemon.data.path], environment: ["SEAL_PASSPHRASE": "wrong-passphrase"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.hasPrefix("seald: error: cannot load key"))
    }

    @Test func noArgumentsStartsALoudDevelopmentAuthority() throws {
        let scratch = try TestSupport.scratchDirectory("dev")
        defer { TestSupport.cleanUp(scratch) }
        let data = scratch.appendingPathComponent(".local/share/seal")
        let socket = data.appendingPathComponent("seald.sock").path
        let daemon = try DaemonProcess(scratch: scratch, data: data, socket: socket, arguments: [], environment: [:])
        #expect(daemon.logText.contains("DEVELOPMENT AUTHORITY created in \(data.path)"))
        let document = Array("tried out\n".utf8)
        let sealed = try daemon.request("POST", "/v1/seals/dev", body: document)
        #expect(sealed.status == 201)
        let trust = try SealService.trustBundle(pem: try daemon.request("GET", "/v1/trust").body)
        #expect(try SealService.verify(seal: sealed.body, document: document, trust: trust).indication == .totalPassed)
        #expect(daemon.stop() == 0)

        // The second start serves the same authority without creating another.
        let again = try DaemonProcess(scratch: scratch, data: data, socket: socket, arguments: [], environment: [:])
        #expect(!again.logText.contains("DEVELOPMENT AUTHORITY"))
        #expect(again.stop() == 0)
    }
}
