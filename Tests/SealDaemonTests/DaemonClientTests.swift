import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// `seal --socket` through a live daemon behaves exactly as `seal --data` on the directory.
@Suite(.serialized) struct DaemonClientTests {
    @Test func everyCommandGivesTheSameAnswerThroughTheSocket() throws {
        let daemon = try DaemonProcess.withAuthority("client")
        defer { daemon.cleanUp() }
        let work = daemon.scratch
        let document = work.appendingPathComponent("licence.txt")
        try Data("Business licence 77-0001\n".utf8).write(to: document)

        // Sealing through the daemon; the seal verifies against the directory and the socket alike.
        let signed = try daemon.seal(["sign", document.path, "--seal", "civil"])
        #expect(signed.status == 0, "\(signed.stderr)")
        let local = try daemon.seal(["verify", document.path], socket: false)
        let remote = try daemon.seal(["verify", document.path])
        #expect(local.status == 0 && remote.status == 0, "\(local.stderr) \(remote.stderr)")
        #expect(local.stdout == remote.stdout)
        #expect(local.stdout.hasPrefix("TOTAL-PASSED"))

        // Read-only commands print byte-for-byte the same.
        for arguments in [["seals", "--json"], ["seals"], ["log", "checkpoint"], ["log", "entries", "--json"], ["log", "proof", "--index", "0"],
                          ["log", "consistency", "--from", "1"], ["trust", "export"], ["trust", "export", "--log-key"],
                          ["receipt", document.path + ".p7s", "--json"], ["crl"]] {
            let viaData = try daemon.seal(arguments, socket: false)
            let viaSocket = try daemon.seal(arguments)
            #expect(viaData.status == viaSocket.status, "\(arguments): \(viaData.stderr) | \(viaSocket.stderr)")
            #expect(viaData.stdout == viaSocket.stdout, "\(arguments)")
            #expect(viaSocket.status == 0, "\(arguments): \(viaSocket.stderr)")
        }

        // Errors: same line, same exit status.
        for arguments in [["sign", document.path, "--seal", "nosuch", "-o", work.appendingPathComponent("x.p7s").path],
                          ["log", "proof", "--index", "99"], ["log", "checkpoint", "--size", "99"],
                          ["enroll", "civil", "--department", "Again"], ["revoke-seal", "nosuch", "--reason", "superseded"]] {
            let viaData = try daemon.seal(arguments, socket: false)
            let viaSocket = try daemon.seal(arguments)
            #expect(viaData.status != 0)
            #expect(viaData.status == viaSocket.status, "\(arguments)")
            #expect(viaData.stderr == viaSocket.stderr, "\(arguments)")
        }

        // A tampered document fails the same way.
        let tampered = work.appendingPathComponent("tampered.txt")
        try Data("Business licence 77-0002\n".utf8).write(to: tampered)
        let badLocal = try daemon.seal(["verify", tampered.path, "--signature", document.path + ".p7s"], socket: false)
        let badRemote = try daemon.seal(["verify", tampered.path, "--signature", document.path + ".p7s"])
        #expect(badLocal.status == 1 && badRemote.status == 1)
        #expect(badLocal.stdout == badRemote.stdout)

        // Receipt refresh through the daemon gives the directory's answer.
        let second = work.appendingPathComponent("second.txt")
        try Data("Second document\n".utf8).write(to: second)
        #expect(try daemon.seal(["sign", second.path, "--seal", "tax"]).status == 0)
        let refreshed = try daemon.seal(["receipt", document.path + ".p7s", "--refresh", "--json"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        // (the `crl` comparison above archived the first CRL, so the tree holds three entries)
        #expect(refreshed.stdout.contains("\"treeSize\" : 3"))

        // Revocation through the daemon, seen by both.
        let revoked = try daemon.seal(["revoke", document.path + ".p7s", "--reason", "error"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try daemon.seal(["verify", document.path]).status == 1)
        #expect(try daemon.seal(["verify", document.path], socket: false).stdout.contains("REVOKED"))
        let sealRevoked = try daemon.seal(["revoke-seal", "tax", "--reason", "cessation"])
        #expect(sealRevoked.status == 0, "\(sealRevoked.stderr)")
        let refused = try daemon.seal(["sign", second.path, "--seal", "tax", "-o", work.appendingPathComponent("y.p7s").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("seal 'tax' cannot sign"))

        // Export and audit read the daemon's log and check it independently.
        let exported = work.appendingPathComponent("export")
        #expect(try daemon.seal(["log", "export", exported.path]).status == 0)
        let audit = try TestSupport.seal(["audit", "--export", exported.path, "--json"])
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
        let remoteAudit = try daemon.seal(["audit", "--json"])
        let localAudit = try daemon.seal(["audit", "--json"], socket: false)
        #expect(remoteAudit.status == 0, "\(remoteAudit.stdout) \(remoteAudit.stderr)")
        #expect(remoteAudit.stdout == localAudit.stdout)

        // Commands that need the directory say so.
        let initThroughSocket = try daemon.seal(["init", "--name", "X"])
        #expect(initThroughSocket.status == 64)
        #expect(initThroughSocket.stderr.contains("works on a data directory"))
    }

    @Test func noDaemonIsOneClearLine() throws {
        let scratch = try TestSupport.scratchDirectory("nodaemon")
        defer { TestSupport.cleanUp(scratch) }
        let result = try TestSupport.seal(["seals", "--socket", scratch.appendingPathComponent("none.sock").path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("seal: error: no daemon is listening on"))
        #expect(result.stderrLines.count == 1)
    }

    /// A department that must not send content seals by digest; the seal verifies against the document.
    @Test func sealByDigestThroughTheDaemon() throws {
        let daemon = try DaemonProcess.withAuthority("digest")
        defer { daemon.cleanUp() }
        let document = Array("Residence permit 5521\n".utf8)
        let digest = DigestAlgorithm.sha256.hash(document).hex
        let response = try daemon.request("POST", "/v1/seals/civil", body: Array("{\"digest\":\"\(digest)\"}".utf8),
                                          contentType: "application/json")
        #expect(response.status == 201)
        #expect(response.header("Content-Type") == "application/pkcs7-signature")
        #expect(response.header("Seal-Archive-Index") == "0")
        let trust = try SealService.trustBundle(pem: try daemon.request("GET", "/v1/trust").body)
        let report = try SealService.verify(seal: response.body, document: document, trust: trust)
        #expect(report.indication == .totalPassed, "\(report.summary)")
        let wrongLength = try daemon.request("POST", "/v1/seals/civil", body: Array("{\"digest\":\"abcd\"}".utf8), contentType: "application/json")
        #expect(wrongLength.status == 400)
    }
}
