import ArgumentParser
import Foundation
import SealService

extension SealCommand {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk through init → enroll → sign → verify → tamper → audit in a temporary directory (no setup needed).")

        @Flag(help: "Keep the temporary directory and print its path.")
        var keep = false

        /// The embedded sample document.
        static let sampleDocument = """
            BIRTH CERTIFICATE (sample)
            Certificate No.: 2026-000123
            Name of child: Li Hua
            Date of birth: 2026-03-14
            Place of birth: Central Hospital, Riverside District
            Issued by: Civil Registry Office, Riverside District
            """

        func run() throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("seal-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            defer { if !keep { try? FileManager.default.removeItem(at: base) } }
            var allAsExpected = true
            try Console.run {
                let directory = DataDirectory(base.appendingPathComponent("authority"))
                let passphrase = try Passphrase(Array(UUID().uuidString.utf8))

                step(1, "seal init: create an authority (root CA + time-stamping unit), keys encrypted")
                let record = try SealService.initialize(directory: directory, name: "Riverside Demo Authority",
                                                        algorithm: .ecdsaP256, passphrase: passphrase)
                print("   authority '\(record.name)', \(record.algorithm), in \(directory.url.path)")

                step(2, "seal enroll: issue a seal to the civil registry office")
                let service = try SealService(directory: directory, passphrase: passphrase)
                OpenServices.add(service)
                let info = try service.enroll(name: "civil-registry", department: "Civil Registry Office, Riverside District",
                                              organizationIdentifier: "11440300MB2C12345X", algorithm: nil, days: 365)
                print("   seal '\(info.name)' valid until \(info.notAfter.rfc3339)")

                step(3, "seal sign: seal and archive a birth certificate (CAdES-T + archive receipt)")
                let documentURL = base.appendingPathComponent("birth-certificate.txt")
                let document = Array(Self.sampleDocument.utf8)
                try AtomicFile.write(document, to: documentURL)
                let sealed = try service.seal([document], sealName: "civil-registry")[0].bytes
                try AtomicFile.write(sealed, to: URL(fileURLWithPath: documentURL.path + ".p7s"))
                print("   wrote \(documentURL.lastPathComponent).p7s (\(sealed.count) bytes), archived as entry 0")

                step(4, "seal trust export + seal verify: a third party checks it offline")
                let bundle = try service.trustBundle()
                let good = try SealService.verify(seal: sealed, document: document, trust: bundle)
                print("   \(good.summary)")
                allAsExpected = allAsExpected && good.indication == .totalPassed

                step(5, "a tampered copy: one character of the name changed")
                var tampered = document
                if let index = tampered.firstIndex(of: UInt8(ascii: "H")) { tampered[index] = UInt8(ascii: "J") }
                let bad = try SealService.verify(seal: sealed, document: tampered, trust: bundle)
                print("   \(bad.summary)")
                allAsExpected = allAsExpected && bad.indication == .totalFailed && bad.subIndication == .hashFailure

                step(6, "seal audit: the archive is complete, append-only and untampered")
                let audit = try service.audit(savedCheckpoint: nil)
                print("   \(audit.ok ? "passed" : "FAILED"): \(audit.entries) entries, \(audit.checkpoints) signed checkpoints, \(audit.signaturesVerified) time-stamps re-verified")
                allAsExpected = allAsExpected && audit.ok
            }
            if keep { print("\nFiles kept in \(base.path)") }
            print(allAsExpected ? "\nDemo complete: the genuine document verifies, the tampered one is rejected."
                                : "\nDemo FAILED: a verdict was not as expected.")
            if !allAsExpected { throw ExitCode(1) }
        }

        private func step(_ number: Int, _ text: String) { print("\n\(number). \(text)") }
    }
}
