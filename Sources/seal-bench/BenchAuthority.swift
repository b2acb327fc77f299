import Foundation
import SealCore
import SealService

/// A real authority in a scratch directory, as `seal init` + `seal enroll` make it, with one
/// archived 4 KiB seal that verifies; removed when the value goes away.
final class BenchAuthority {
    let scratch: URL
    let service: SealService
    let signer: SealSigner
    let trust: TrustBundle
    let document: [UInt8]
    let archived: [UInt8]

    init(algorithm: SignatureAlgorithm = .ecdsaP256) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let directory = DataDirectory(scratch.appendingPathComponent("authority"))
        try SealService.initialize(directory: directory, name: "Bench Authority", algorithm: algorithm, passphrase: nil)
        // One thread for signing, as the single-core figures need; the archive writer has its own.
        service = try SealService(directory: directory, passphrase: nil, configuration: .init(threads: 1))
        try service.enroll(name: "bench", department: "Bench Office", organizationIdentifier: nil, algorithm: algorithm, days: 30)
        signer = try service.signer(for: "bench")
        trust = try service.trustBundle()
        document = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        archived = try service.seal([document], sealName: "bench")[0].bytes
        // An SM2 seal of a plain file is a detached SES signature whose receipt travels beside it.
        guard try algorithm == .sm2 || SealService.verify(seal: archived, document: document, trust: trust).indication == .totalPassed else {
            throw BenchFailure(description: "the benchmark seal does not verify")
        }
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }
}
