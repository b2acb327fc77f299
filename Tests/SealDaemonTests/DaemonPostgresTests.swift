import Foundation
import Testing
import SealService
import SealClient
import SealCore
import SealTestSupport

/// Several seald instances, each with its own socket and its own copy of the authority's files
/// (the log key included), appending to one PostgreSQL archive with a synchronous standby.
@Suite(.serialized, .enabled(if: PostgresFixture.available)) struct DaemonPostgresTests {
    @Test func threeInstancesAppendToOneDenseLog() throws {
        let fresh = try PostgresFixture.freshDatabase()
        let first = try DaemonProcess.withAuthority("pg-first", seals: ["civil"], arguments: ["--archive", fresh.url])
        var daemons = [first]
        defer { daemons.forEach { $0.cleanUp() } }
        for label in ["pg-second", "pg-third"] {
            let scratch = try TestSupport.scratchDirectory(label)
            let data = scratch.appendingPathComponent("authority")
            try FileManager.default.copyItem(at: first.data, to: data)
            daemons.append(try DaemonProcess(scratch: scratch, data: data, arguments: ["--archive", fresh.url]))
        }
        let documents = first.scratch.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)

        // Four clients per instance, ten seals each, all at once.
        let lock = NSLock()
        nonisolated(unsafe) var statuses: [Int] = []
        let sockets = daemons.map(\.socket)
        DispatchQueue.concurrentPerform(iterations: 12) { client in
            let connection = try? HTTPConnection(socketPath: sockets[client % 3])
            for number in 0..<10 {
                let document = Array("certificate \(client)-\(number)\n".utf8)
                let response = try? connection?.send("POST", "/v1/seals/civil", body: document)
                lock.withLock { statuses.append(response?.status ?? -1) }
                if let response, response.status == 201, number == 0 {
                    let name = documents.appendingPathComponent("doc-\(client).txt")
                    try? Data(document).write(to: name)
                    try? Data(response.body).write(to: URL(fileURLWithPath: name.path + ".p7s"))
                }
            }
        }
        #expect(statuses.count == 120 && statuses.allSatisfy { $0 == 201 }, "\(statuses.filter { $0 != 201 })")

        // One dense log: 120 seals after the empty tree's checkpoint, no gap, no duplicate.
        let counts = try PostgresFixture.sql("SELECT count(*), max(idx) + 1, (SELECT size FROM tree_head), count(DISTINCT signature_hash) FROM entries",
                                             database: fresh.database, cluster: fresh.cluster)
        #expect(counts == "120|120|120|120")

        // Every receipt verifies offline, against the trust bundle alone.
        let bundle = first.scratch.appendingPathComponent("trust.pem")
        #expect(try first.seal(["trust", "export", "-o", bundle.path]).status == 0)
        for client in 0..<12 {
            let document = documents.appendingPathComponent("doc-\(client).txt").path
            let offline = try TestSupport.seal(["verify", document, "--trust", bundle.path, "--json"])
            let report = try? JSONSerialization.jsonObject(with: Data(offline.stdout.utf8)) as? [String: Any]
            #expect(offline.status == 0 && (report?["archive"] as? [String: Any])?["status"] as? String == "archived",
                    "\(client): \(offline.stdout) \(offline.stderr)")
        }
        // The audit passes through any instance.
        for daemon in daemons {
            let audit = try daemon.seal(["audit"])
            #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
        }
        // The CLI reaches the same archive directly.
        let direct = try TestSupport.seal(["log", "checkpoint", "--data", first.data.path, "--archive", fresh.url], environment: DaemonProcess.environment)
        #expect(direct.status == 0 && direct.stdout.split(separator: "\n").dropFirst().first == "120", "\(direct.stdout) \(direct.stderr)")
    }

    /// The database restored from an older backup under a running instance: its next seal is
    /// refused with 503 and no receipt, `/healthz` says why, and so does its log.
    @Test func anInstanceHaltsWhenItsArchiveGoesBackInTime() throws {
        let fresh = try PostgresFixture.freshDatabase()
        let daemon = try DaemonProcess.withAuthority("pg-halt", seals: ["civil"], arguments: ["--archive", fresh.url])
        defer { daemon.cleanUp() }
        for number in 0..<3 { #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("before \(number)".utf8)).status == 201) }
        #expect(try daemon.request("GET", "/healthz").status == 200)
        try PostgresFixture.rollBack(to: 0, database: fresh.database, cluster: fresh.cluster)
        let refused = try daemon.request("POST", "/v1/seals/civil", body: Array("after".utf8))
        #expect(refused.status == 503, "\(String(decoding: refused.body, as: UTF8.self))")
        #expect(String(decoding: refused.body, as: UTF8.self).contains("does not extend the log this instance saw"))
        let health = try daemon.request("GET", "/healthz")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])
        #expect(health.status == 503 && body["status"] as? String == "halted", "\(body)")
        #expect((body["reason"] as? String)?.contains("went back in time") == true)
        #expect(try PostgresFixture.sql("SELECT size FROM tree_head", database: fresh.database, cluster: fresh.cluster) == "0", "nothing was signed")
        let log = String(decoding: (try? Data(contentsOf: daemon.log)) ?? Data(), as: UTF8.self)
        #expect(log.contains("the archive halted"), "\(log)")
    }

    /// Under load, `kill -9` of one instance, then of the primary and promotion of the standby:
    /// every seal that was acknowledged is in the promoted database, and the audit passes there.
    @Test func nothingAcknowledgedIsLostWhenAnInstanceOrThePrimaryDies() throws {
        let cluster = try PostgresFixture.start()
        defer { PostgresFixture.stop(cluster) }
        let script = TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path
        let first = try DaemonProcess.withAuthority("pg-kill-first", seals: ["civil"], arguments: ["--archive", cluster.url])
        var daemons = [first]
        defer { daemons.forEach { $0.cleanUp() } }
        func instance(_ label: String, url: String) throws -> DaemonProcess {
            let scratch = try TestSupport.scratchDirectory(label)
            let data = scratch.appendingPathComponent("authority")
            try FileManager.default.copyItem(at: first.data, to: data)
            let daemon = try DaemonProcess(scratch: scratch, data: data, arguments: ["--archive", url])
            daemons.append(daemon)
            return daemon
        }
        let second = try instance("pg-kill-second", url: cluster.url)

        // Eight clients on the two instances, each keeping the seals it got back.
        let lock = NSLock()
        nonisolated(unsafe) var acknowledged: [[UInt8]] = []
        nonisolated(unsafe) var running = true
        let sockets = [first.socket, second.socket]
        let clients = (0..<8).map { client in
            Thread {
                var number = 0
                while lock.withLock({ running }) {
                    number += 1
                    guard let connection = try? HTTPConnection(socketPath: sockets[client % 2], timeout: 15),
                          let response = try? connection.send("POST", "/v1/seals/civil", body: Array("load \(client)-\(number)".utf8)) else {
                        usleep(20_000)
                        continue
                    }
                    if response.status == 201 { lock.withLock { acknowledged.append(response.body) } }
                }
            }
        }
        clients.forEach { $0.start() }
        // Load until enough seals are acknowledged to tell, then kill: a fixed 1.5 s made only 3
        // under AddressSanitizer on two busy cores.
        let deadline = Date().addingTimeInterval(60)
        while lock.withLock({ acknowledged.count }) < 30, Date() < deadline { usleep(50_000) }
        second.kill()
        usleep(1_000_000)
        #expect(try TestSupport.run(script, ["primary-kill", cluster.directory]).status == 0)
        usleep(500_000)
        lock.withLock { running = false }
        while clients.contains(where: { !$0.isFinished }) { usleep(20_000) }
        let promoted = try TestSupport.run(script, ["promote", cluster.directory])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        let promotedURL = promoted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(acknowledged.count > 20, "the load made too few seals to tell: \(acknowledged.count)")

        // Every acknowledged seal, by the hash of its signature value, is in the promoted database.
        let hashes = try acknowledged.map { DigestAlgorithm.sha256.hash(try SealSignature(der: $0).signatureValue).map { String(format: "%02x", $0) }.joined() }
        let promotedCluster = PostgresFixture.Cluster(directory: cluster.directory, url: promotedURL)
        let found = try PostgresFixture.sql("SELECT count(*) FROM entries WHERE encode(signature_hash, 'hex') IN (\(hashes.map { "'\($0)'" }.joined(separator: ",")))",
                                            cluster: promotedCluster)
        #expect(found == String(hashes.count), "acknowledged \(hashes.count), found \(found) in the promoted database")
        #expect(try PostgresFixture.sql("SELECT count(*) = max(idx) + 1 AND count(*) = (SELECT size FROM tree_head) FROM entries", cluster: promotedCluster) == "t")

        // An instance on the promoted database (no standby behind it yet: reads only) audits it.
        let survivor = try instance("pg-kill-survivor", url: promotedURL + "&synchronous=local")
        let audit = try survivor.seal(["audit"])
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
    }

    /// A restart of the database server closes the instance's connections: the next seal
    /// reconnects (the server behind a stable name may be a promoted standby; the fork guard
    /// then decides). With the database gone for good, seals are refused at once with 503,
    /// and a graceful stop still ends the daemon.
    @Test(.timeLimit(.minutes(2))) func anInstanceReconnectsAndStopsCleanlyWithoutItsDatabase() throws {
        let cluster = try PostgresFixture.start()
        defer { PostgresFixture.stop(cluster) }
        let script = TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path
        let daemon = try DaemonProcess.withAuthority("pg-reconnect", seals: ["civil"], arguments: ["--archive", cluster.url])
        defer { daemon.cleanUp() }
        #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("before".utf8)).status == 201)
        #expect(try TestSupport.run(script, ["primary-restart", cluster.directory]).status == 0)
        let after = try daemon.request("POST", "/v1/seals/civil", body: Array("after the restart".utf8))
        #expect(after.status == 201, "\(String(decoding: after.body, as: UTF8.self))")
        #expect(try daemon.seal(["audit"]).status == 0)

        #expect(try TestSupport.run(script, ["primary-kill", cluster.directory]).status == 0)
        let started = ContinuousClock.now
        let refused = try daemon.request("POST", "/v1/seals/civil", body: Array("no database".utf8))
        #expect(refused.status == 503 && ContinuousClock.now - started < .seconds(15), "\(refused.status)")
        let stopping = ContinuousClock.now
        #expect(daemon.stop() == 0)
        #expect(ContinuousClock.now - stopping < .seconds(10), "a graceful stop took \(ContinuousClock.now - stopping)")
    }

    /// A SQLite archive copied into an empty PostgreSQL one: the same checkpoints byte for byte,
    /// an audit that passes, seals that verify through a seald on the copy; a second copy into
    /// the same database is refused.
    @Test func anArchiveIsCopiedFromSQLiteToPostgreSQL() throws {
        let fresh = try PostgresFixture.freshDatabase()
        let daemon = try DaemonProcess.withAuthority("pg-copy", seals: ["civil"])
        defer { daemon.cleanUp() }
        let document = daemon.scratch.appendingPathComponent("licence.txt")
        try Data("Business licence 88-0001\n".utf8).write(to: document)
        #expect(try daemon.seal(["sign", document.path, "--seal", "civil"]).status == 0)
        for number in 0..<5 { #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("document \(number)".utf8)).status == 201) }
        let revoked = daemon.scratch.appendingPathComponent("revoked.txt")
        try Data("withdrawn licence\n".utf8).write(to: revoked)
        #expect(try daemon.seal(["sign", revoked.path, "--seal", "civil"]).status == 0)
        let revocation = try daemon.seal(["revoke", revoked.path + ".p7s", "--reason", "withdrawn"])
        #expect(revocation.status == 0, "\(revocation.stderr)")
        let before = try daemon.seal(["log", "checkpoint"]).stdout
        daemon.stop()

        let copy = try TestSupport.seal(["archive", "copy", "--data", daemon.data.path, "--to", fresh.url, "--json"], environment: DaemonProcess.environment)
        #expect(copy.status == 0, "\(copy.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(copy.stdout.utf8)) as? [String: Any])
        #expect(report["entries"] as? Int == 8, "\(report)")
        #expect(try PostgresFixture.sql("SELECT count(*) = max(idx) + 1 FROM entries", database: fresh.database, cluster: fresh.cluster) == "t")
        let again = try TestSupport.seal(["archive", "copy", "--data", daemon.data.path, "--to", fresh.url], environment: DaemonProcess.environment)
        #expect(again.status != 0 && again.stderr.contains("is not empty") && again.stderr.split(separator: "\n").count == 1, "\(again.stderr)")

        let onCopy = try DaemonProcess(scratch: daemon.scratch, data: daemon.data, arguments: ["--archive", fresh.url])
        defer { onCopy.cleanUp() }
        #expect(try onCopy.seal(["log", "checkpoint"]).stdout == before, "the copy's newest checkpoint is the source's, byte for byte")
        #expect(try onCopy.seal(["verify", document.path]).status == 0)
        let withdrawn = try onCopy.seal(["verify", revoked.path])
        #expect(withdrawn.status == 1 && withdrawn.stdout.contains("REVOKED"), "\(withdrawn.stdout)")
        #expect(try onCopy.seal(["audit"]).status == 0)
    }

    /// With the standby stopped a seal gets no answer (its commit waits for the standby), so
    /// nothing is acknowledged; once the standby is back, sealing goes on.
    @Test func sealsStallWhileTheStandbyIsDown() throws {
        let cluster = try PostgresFixture.start()
        defer { PostgresFixture.stop(cluster) }
        let script = TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path
        let daemon = try DaemonProcess.withAuthority("pg-stall", seals: ["civil"], arguments: ["--archive", cluster.url])
        defer { daemon.cleanUp() }
        #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("before".utf8)).status == 201)
        #expect(try TestSupport.run(script, ["standby-stop", cluster.directory]).status == 0)
        let stalled = try HTTPConnection(socketPath: daemon.socket, timeout: 3)
        let answer = try? stalled.send("POST", "/v1/seals/civil", body: Array("while the standby is down".utf8))
        #expect(answer == nil, "a seal was answered (\(answer?.status ?? 0)) while no standby could flush it")
        #expect(try TestSupport.run(script, ["standby-start", cluster.directory]).status == 0)
        let after = try HTTPConnection(socketPath: daemon.socket, timeout: 30).send("POST", "/v1/seals/civil", body: Array("after".utf8))
        #expect(after.status == 201)
        #expect(try daemon.seal(["audit"]).status == 0)
    }

    @Test func aBadArchiveURLIsRefusedWithOneLine() throws {
        let scratch = try TestSupport.scratchDirectory("pg-bad-url")
        defer { TestSupport.cleanUp(scratch) }
        for (url, message) in [("postgresql://seald:secret@localhost/seal", "must not hold a password"),
                               ("mysql://seald@localhost/seal", "takes sqlite:PATH or postgresql://")] {
            let result = try TestSupport.run(DaemonProcess.binary.path, ["--data", scratch.path, "--archive", url])
            #expect(result.status == 64, "\(url): \(result.stderr)")
            #expect(result.stderr.contains(message) && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }
}
