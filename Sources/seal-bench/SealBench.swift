// Throughput of the signing core against the raw signature rate measured in the same run.
//
//     swift build -c release && .build/release/seal-bench [--seconds S] [--json]
//
// Every figure is single-threaded (per core). Ratios divide a measured rate by the limit the raw
// ECDSA P-256 rate allows: a seal costs 2 signatures (CMS signer + time-stamp token), and a
// verification at least 2 signature verifications (seal + token; certificate paths extra).
import Foundation
import SealArchive
import SealCore
import SealService

@main
enum SealBench {
    struct Figure: Encodable {
        let name: String
        let perSecond: Double
        let limitPerSecond: Double?
        var ratio: Double? { limitPerSecond.map { perSecond / $0 } }

        enum CodingKeys: String, CodingKey { case name, perSecond, limitPerSecond, ratio }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(perSecond.rounded(), forKey: .perSecond)
            try container.encodeIfPresent(limitPerSecond?.rounded(), forKey: .limitPerSecond)
            try container.encodeIfPresent(ratio.map { ($0 * 1000).rounded() / 1000 }, forKey: .ratio)
        }
    }

    /// Runs `body` repeatedly for about `seconds` and returns operations per second.
    static func rate(seconds: Double, warmUp: Int = 20, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmUp { try body() }
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var elapsed = 0.0
        repeat {
            let round = warmUp < 20 ? 1 : 50
            for _ in 0..<round { try body() }
            count += round
            let duration = clock.now - start
            elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        } while elapsed < seconds
        return Double(count) / elapsed
    }

    static func main() throws {
        if CommandLine.arguments.dropFirst().first == "archive" { return try ArchiveBench.run() }
        if CommandLine.arguments.dropFirst().first == "daemon" { return try DaemonBench.run() }
        let arguments = CommandLine.arguments
        let seconds = arguments.firstIndex(of: "--seconds").flatMap { Double(arguments[$0 + 1]) } ?? 2
        let json = arguments.contains("--json")

        // A real authority in a scratch directory, as `seal init` + `seal enroll` make it.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = DataDirectory(scratch.appendingPathComponent("authority"))
        try SealService.initialize(directory: directory, name: "Bench Authority", algorithm: .ecdsaP256, passphrase: nil)
        let service = try SealService(directory: directory, passphrase: nil)
        try service.enroll(name: "bench", department: "Bench Office", organizationIdentifier: nil, algorithm: nil, days: 30)
        let signer = try service.signer(for: "bench")
        let trust = try service.trustBundle()
        let document = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let archived = try service.sealDER([document], with: signer)[0]
        guard try SealService.verify(seal: archived, document: document, trust: trust).indication == .totalPassed else {
            throw BenchFailure(description: "the benchmark seal does not verify")
        }
        // Verification as a batch verifier does it: the trust bundle is prepared once.
        let offline = try SealService.OfflineVerifier(trust: trust)
        // Archived sealing as a long-running process does it: the archive held open.
        let writer = try service.archiveWriter()
        let rawKey = try PrivateKey.generate(.ecdsaP256)
        let digest = DigestAlgorithm.sha256.hash(document)
        let signature = try rawKey.sign(digest)
        let publicKey = try PublicKey(spki: try rawKey.publicKeyDER())

        // `seal-bench profile seals|archived|verifications [SECONDS]`: one loop alone, for perf.
        if arguments.dropFirst().first == "profile" {
            let what = arguments.count > 2 ? arguments[2] : "seals"
            let duration = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5
            let count: Double = switch what {
            case "verifications": rate(seconds: duration) { _ = offline.verify(seal: archived, document: document) }
            case "archived": try rate(seconds: duration) { _ = try service.sealDER(Array(repeating: document, count: 256), with: signer, through: writer) } * 256
            default: try rate(seconds: duration) { _ = try signer.sealed(digest: DigestAlgorithm.sha256.hash(document)) }
            }
            return print("\(what): \(Int(count)) per second")
        }

        let rawSign = try rate(seconds: seconds) { _ = try rawKey.sign(digest) }
        let rawVerify = rate(seconds: seconds) { precondition(publicKey.isValidSignature(signature, for: digest)) }
        let seals = try rate(seconds: seconds) { _ = try signer.sealed(digest: DigestAlgorithm.sha256.hash(document)) }
        let archivedSeals = try rate(seconds: seconds, warmUp: 1) {
            _ = try service.sealDER(Array(repeating: document, count: 256), with: signer, through: writer)
        } * 256
        let verifications = rate(seconds: seconds) { _ = offline.verify(seal: archived, document: document) }
        let opensslCMS = try rate(seconds: seconds) { _ = try signer.opensslDetachedCMS(document) }
        let python = pythonPKCS7Rate(seconds: seconds)

        var figures = [
            Figure(name: "raw ECDSA P-256 sign", perSecond: rawSign, limitPerSecond: nil),
            Figure(name: "raw ECDSA P-256 verify", perSecond: rawVerify, limitPerSecond: nil),
            Figure(name: "seals (CMS + time-stamp, 4 KiB)", perSecond: seals, limitPerSecond: rawSign / 2),
            Figure(name: "seals archived (batches of 256, durable)", perSecond: archivedSeals, limitPerSecond: rawSign / 2),
            Figure(name: "verifications (offline, receipt, warm)", perSecond: verifications, limitPerSecond: rawVerify / 2),
            Figure(name: "peer: OpenSSL CMS_sign (no time-stamp)", perSecond: opensslCMS, limitPerSecond: rawSign),
        ]
        if let python {
            figures.append(Figure(name: "peer: Python cryptography PKCS#7", perSecond: python, limitPerSecond: rawSign))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(["singleCore": figures]), as: UTF8.self))
            return
        }
        print("seal-bench: one core, \(seconds) s per figure, ECDSA P-256")
        print("figure                                       per second      limit     ratio")
        for figure in figures {
            let limit = figure.limitPerSecond.map { String(format: "%9.0f", $0) } ?? String(repeating: " ", count: 9)
            let ratio = figure.ratio.map { String(format: "%8.1f%%", $0 * 100) } ?? ""
            print(figure.name.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: "%12.0f", figure.perSecond)
                  + "  " + limit + "  " + ratio)
        }
        print("limit = raw sign rate / 2 signatures per seal (peers: / 1, they make no time-stamp);")
        print("        raw verify rate / 2 verifications per seal (paths and checkpoints cached by exact bytes)")
    }
}

/// A benchmark that cannot produce a meaningful figure stops with this.
struct BenchFailure: Error, CustomStringConvertible { let description: String }

/// Python `cryptography`'s detached PKCS#7 signer on the same machine (Tools/bench_pkcs7.py), or
/// nil when Python or the package is missing.
func pythonPKCS7Rate(seconds: Double) -> Double? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Tools/bench_pkcs7.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.standardizedFileURL.path, "--seconds", String(seconds)]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return object["perSecond"] as? Double
}
