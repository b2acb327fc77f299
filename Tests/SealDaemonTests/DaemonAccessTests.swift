import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// Access decisions from the refused side: a second uid on the socket, identified by the kernel.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to act as a second uid with setpriv"))
struct DaemonAccessTests {
    static let nobody: uid_t = 65534

    /// Runs the `seal` CLI as uid/gid 65534 against the daemon.
    func sealAsNobody(_ daemon: DaemonProcess, _ arguments: [String]) throws -> TestSupport.Output {
        try TestSupport.run("/usr/bin/setpriv", ["--reuid=\(Self.nobody)", "--regid=\(Self.nobody)", "--clear-groups",
                                                 TestSupport.sealBinary.path] + DaemonProcess.insert(["--socket", daemon.socket], into: arguments))
    }

    func treeSize(_ daemon: DaemonProcess) throws -> Int {
        let health = try JSONSerialization.jsonObject(with: Data(try daemon.request("GET", "/healthz").body)) as? [String: Any]
        return health?["treeSize"] as? Int ?? -1
    }

    @Test func eachRefusalFromASecondUid() throws {
        let daemon = try DaemonProcess.withAuthority("access", arguments: ["--socket-mode", "666"])
        defer { daemon.cleanUp() }
        // Documents the second uid can read, in a directory it can write seals into.
        let shared = daemon.scratch.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        chmod(shared.path, 0o777)
        let civilDocument = shared.appendingPathComponent("civil.txt")
        try Data("Sealed by the civil registry\n".utf8).write(to: civilDocument)
        #expect(try daemon.seal(["sign", civilDocument.path, "--seal", "civil"]).status == 0)
        let own = shared.appendingPathComponent("own.txt")
        try Data("Sealed by the tax office\n".utf8).write(to: own)
        chmod(own.path, 0o644)
        chmod(civilDocument.path + ".p7s", 0o644)
        let before = try treeSize(daemon)

        // No access file: the second uid may verify and read the log, and nothing else.
        #expect(try sealAsNobody(daemon, ["verify", civilDocument.path]).status == 0)
        #expect(try sealAsNobody(daemon, ["log", "checkpoint"]).status == 0)
        let denied = try sealAsNobody(daemon, ["sign", own.path, "--seal", "tax"])
        #expect(denied.status == 1)
        #expect(denied.stderr == "seal: error: not permitted: uid 65534 may not use seal 'tax'; see access.conf in the data directory\n")

        // Mapped to `tax` by uid: tax works, civil does not, admin routes do not.
        try Data("# departments\nuid \(Self.nobody) seal tax\n".utf8).write(to: daemon.data.appendingPathComponent("access.conf"))
        let allowed = try sealAsNobody(daemon, ["sign", own.path, "--seal", "tax"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let afterAllowed = try treeSize(daemon)
        #expect(afterAllowed == before + 1)
        let refusals: [[String]] = [
            ["sign", own.path, "--seal", "civil", "-o", shared.appendingPathComponent("x.p7s").path],
            ["enroll", "rogue", "--department", "Rogue"],
            ["revoke-seal", "civil", "--reason", "key-compromise"],
            ["revoke", civilDocument.path + ".p7s", "--reason", "error"],
            ["revoke", civilDocument.path + ".p7s", "--reason", "error", "--as", "tax"],
            ["revoke", civilDocument.path + ".p7s", "--reason", "error", "--as-authority"],
        ]
        for arguments in refusals {
            let result = try sealAsNobody(daemon, arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("seal: error: not permitted"), "\(arguments): \(result.stderr)")
        }
        #expect(try treeSize(daemon) == afterAllowed, "a refused request changed the archive")
        #expect(FileManager.default.fileExists(atPath: daemon.data.appendingPathComponent("seals/rogue").path) == false)

        // Its own document it may revoke.
        let revokeOwn = try sealAsNobody(daemon, ["revoke", own.path + ".p7s", "--reason", "error"])
        #expect(revokeOwn.status == 0, "\(revokeOwn.stderr)")

        // Mapped by group: the primary gid 65534 grants civil.
        try Data("gid \(Self.nobody) seal civil\n".utf8).write(to: daemon.data.appendingPathComponent("access.conf"))
        #expect(try sealAsNobody(daemon, ["sign", own.path, "--seal", "civil", "-o", shared.appendingPathComponent("g.p7s").path]).status == 0)
        #expect(try sealAsNobody(daemon, ["sign", own.path, "--seal", "tax", "-o", shared.appendingPathComponent("h.p7s").path]).status == 1)

        // A damaged access file refuses everyone but admins.
        try Data("uid nobody-at-all admin\n".utf8).write(to: daemon.data.appendingPathComponent("access.conf"))
        #expect(try sealAsNobody(daemon, ["sign", own.path, "--seal", "civil", "-o", shared.appendingPathComponent("i.p7s").path]).status == 1)
        #expect(try daemon.seal(["sign", own.path, "--seal", "civil", "-o", shared.appendingPathComponent("j.p7s").path]).status == 0)

        // Every refusal is counted and logged with the caller's uid.
        let metrics = String(decoding: try daemon.request("GET", "/metrics").body, as: UTF8.self)
        let refused = metrics.split(separator: "\n").first { $0.hasPrefix("seald_refusals_total ") }
        #expect(refused.flatMap { Int($0.split(separator: " ")[1]) } == 9)
        let logLines = daemon.logText.split(separator: "\n").filter { $0.contains("refused") && $0.contains("uid \(Self.nobody)") }
        #expect(logLines.count == 9)
    }

    /// Credentials are read once per connection and kept for it: a later connection from another
    /// uid (which may reuse a closed connection's memory) is judged by its own.
    @Test func credentialsBelongToTheirConnection() throws {
        let daemon = try DaemonProcess.withAuthority("peers", seals: ["civil"], arguments: ["--socket-mode", "666"])
        defer { daemon.cleanUp() }
        for round in 0..<8 {
            let refused = try sealAsNobody(daemon, ["enroll", "rogue\(round)", "--department", "Rogue"])
            #expect(refused.status == 1, "round \(round)")
            #expect(refused.stderr.hasPrefix("seal: error: not permitted"), "round \(round): \(refused.stderr)")
            let admin = try daemon.seal(["enroll", "granted\(round)", "--department", "Granted"])
            #expect(admin.status == 0, "round \(round): \(admin.stderr)")
        }
        let seals = try FileManager.default.contentsOfDirectory(atPath: daemon.data.appendingPathComponent("seals").path)
        #expect(!seals.contains { $0.hasPrefix("rogue") })
        #expect(seals.filter { $0.hasPrefix("granted") }.count == 8)
    }

    @Test func socketModeKeepsOutOtherUsers() throws {
        let daemon = try DaemonProcess.withAuthority("mode", seals: ["civil"])
        defer { daemon.cleanUp() }
        #expect(TestSupport.mode(URL(fileURLWithPath: daemon.socket)) == 0o660)
        let result = try sealAsNobody(daemon, ["seals"])
        #expect(result.status == 1)
        #expect(result.stderr == "seal: error: not permitted to connect to \(daemon.socket)\n")
    }
}
