import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// Storage faults under a live daemon: a full disk and a read-only file system each give a clear
/// 503, lose nothing acknowledged, and the daemon recovers once the storage is back.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
struct DaemonFaultTests {
    static func shell(_ command: String) throws -> TestSupport.Output { try TestSupport.run("/bin/sh", ["-c", command]) }

    @Test func fullDiskAndReadOnlyFileSystemAreClearAndRecoverable() throws {
        let scratch = try TestSupport.scratchDirectory("faults")
        let mount = scratch.appendingPathComponent("volume")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        #expect(try Self.shell("mount -t tmpfs -o size=8m tmpfs '\(mount.path)'").status == 0)
        defer {
            _ = try? Self.shell("umount -l '\(mount.path)'")
            TestSupport.cleanUp(scratch)
        }
        let data = mount.appendingPathComponent("authority")
        #expect(try TestSupport.seal(["init", "--data", data.path, "--name", "Fault Authority"], environment: DaemonProcess.environment).status == 0)
        #expect(try TestSupport.seal(["enroll", "--data", data.path, "civil", "--department", "Civil"], environment: DaemonProcess.environment).status == 0)
        let daemon = try DaemonProcess(scratch: scratch, data: data)
        defer { daemon.kill() }

        var acknowledged: [[UInt8]] = []
        func seal(_ text: String) throws -> HTTPConnection.Response {
            let response = try daemon.request("POST", "/v1/seals/civil", body: Array(text.utf8))
            if response.status == 201 { acknowledged.append(response.body) }
            return response
        }
        #expect(try seal("before the fault").status == 201)

        // Fill the volume, then seal: a 503 that says why, and the daemon stays up.
        _ = try Self.shell("dd if=/dev/zero of='\(mount.path)/filler' bs=64k 2>/dev/null || true")
        var refused: HTTPConnection.Response? = nil
        for attempt in 0..<200 {
            let response = try seal("while the disk is full \(attempt)")
            if response.status != 201 { refused = response; break }
        }
        let full = try #require(refused, "the daemon kept acknowledging seals on a full disk")
        #expect(full.status == 503)
        let fullError = try JSON.decoder().decode(ErrorBody.self, from: Data(full.body)).error
        #expect(fullError.category == .unavailable)
        #expect(fullError.message.contains("disk is full"), "\(fullError.message)")
        #expect(try daemon.request("GET", "/healthz").status == 200)

        // Space comes back: sealing works again without a restart.
        try FileManager.default.removeItem(at: mount.appendingPathComponent("filler"))
        #expect(try seal("after the disk had room again").status == 201)

        // A read-only file system (a mount cannot turn read-only under open files, so the daemon
        // is stopped first): the daemon refuses to start and sealing refuses, each with one clear
        // line; once the file system is writable again, both work.
        #expect(daemon.stop() == 0)
        #expect(try Self.shell("mount -o remount,ro '\(mount.path)'").status == 0)
        let refusedStart = try TestSupport.run(DaemonProcess.binary.path, ["--data", data.path, "--socket", daemon.socket],
                                               environment: DaemonProcess.environment)
        #expect(refusedStart.status == 1)
        #expect(refusedStart.stderr.hasPrefix("seald: error: ") && refusedStart.stderr.contains("Read-only file system"),
                "\(refusedStart.stderr)")
        let document = scratch.appendingPathComponent("read-only.txt")
        try Data("sealed while read-only".utf8).write(to: document)
        let refusedSign = try TestSupport.seal(["sign", "--data", data.path, document.path, "--seal", "civil"], environment: DaemonProcess.environment)
        #expect(refusedSign.status == 1)
        #expect(refusedSign.stderrLines.count == 1 && refusedSign.stderr.contains("read-only"), "\(refusedSign.stderr)")
        #expect(!FileManager.default.fileExists(atPath: document.path + ".p7s"))
        #expect(try Self.shell("mount -o remount,rw '\(mount.path)'").status == 0)
        let restarted = try DaemonProcess(scratch: scratch, data: data)
        defer { restarted.kill() }
        let afterwards = try restarted.request("POST", "/v1/seals/civil", body: Array("writable again".utf8))
        #expect(afterwards.status == 201)
        if afterwards.status == 201 { acknowledged.append(afterwards.body) }
        restarted.stop()

        // Nothing acknowledged was lost, and the log is whole.
        let service = try SealService(directory: DataDirectory(data), passphrase: try Passphrase(Array(DaemonProcess.passphrase.utf8)))
        for der in acknowledged {
            let seal = try SealService.sealSignature(der, path: "acknowledged")
            #expect(try service.withArchive { try $0.find(signatureHash: DigestAlgorithm.sha256.hash(seal.signatureValue)) } != nil)
        }
        let audit = try TestSupport.seal(["audit", "--data", data.path], environment: DaemonProcess.environment)
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
    }
}
