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
    static func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<20 { try body() }  // warm-up
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var elapsed = 0.0
        repeat {
            for _ in 0..<50 { try body() }
            count += 50
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

        // An authority made in memory, as `seal init` + `seal enroll` would.
        let now = Date()
        let rootKey = try PrivateKey.generate(.ecdsaP256)
        let root = try Certificate.issue(.root(name: "Bench Authority", from: now.addingTimeInterval(-60)),
                                         for: rootKey, issuer: nil, issuerKey: rootKey)
        let tsaKey = try PrivateKey.generate(.ecdsaP256)
        let tsaCertificate = try Certificate.issue(.timeStampAuthority(authority: "Bench Authority", from: now.addingTimeInterval(-60)),
                                                   for: tsaKey, issuer: root, issuerKey: rootKey)
        let sealKey = try PrivateKey.generate(.ecdsaP256)
        let sealCertificate = try Certificate.issue(
            .departmentSeal(department: "Bench Office", organizationIdentifier: nil, authority: "Bench Authority",
                            from: now.addingTimeInterval(-60), days: 30), for: sealKey, issuer: root, issuerKey: rootKey)
        let signer = try SealSigner(certificate: sealCertificate, key: sealKey,
                                    timeStampAuthority: try TimeStampAuthority(certificate: tsaCertificate, key: tsaKey))
        let verifier = SealVerifier(trust: TrustAnchors(roots: [root]))
        let document = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digest = DigestAlgorithm.sha256.hash(document)
        let publicKey = sealCertificate.publicKey()!
        let signature = try sealKey.sign(digest)
        let seal = try signer.seal(document)
        guard verifier.verify(seal: seal.der, document: document).indication == .totalPassed else {
            throw BenchFailure(description: "the benchmark seal does not verify")
        }

        // `seal-bench profile seals|verifications [SECONDS]`: one loop alone, for perf.
        if arguments.dropFirst().first == "profile" {
            let what = arguments.count > 2 ? arguments[2] : "seals"
            let duration = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5
            let count = what == "verifications"
                ? rate(seconds: duration) { _ = verifier.verify(seal: seal.der, document: document) }
                : try rate(seconds: duration) { _ = try signer.seal(document) }
            return print("\(what): \(Int(count)) per second")
        }

        let rawSign = try rate(seconds: seconds) { _ = try sealKey.sign(digest) }
        let rawVerify = rate(seconds: seconds) { precondition(publicKey.isValidSignature(signature, for: digest)) }
        let seals = try rate(seconds: seconds) { _ = try signer.seal(document) }
        let verifications = rate(seconds: seconds) { _ = verifier.verify(seal: seal.der, document: document) }

        let figures = [
            Figure(name: "raw ECDSA P-256 sign", perSecond: rawSign, limitPerSecond: nil),
            Figure(name: "raw ECDSA P-256 verify", perSecond: rawVerify, limitPerSecond: nil),
            Figure(name: "seals (CMS + time-stamp, 4 KiB)", perSecond: seals, limitPerSecond: rawSign / 2),
            Figure(name: "verifications (full, offline)", perSecond: verifications, limitPerSecond: rawVerify / 2),
        ]
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(["singleCore": figures]), as: UTF8.self))
            return
        }
        print("seal-bench: one core, \(seconds) s per figure, ECDSA P-256")
        print("figure                                   per second      limit     ratio")
        for figure in figures {
            let limit = figure.limitPerSecond.map { String(format: "%9.0f", $0) } ?? String(repeating: " ", count: 9)
            let ratio = figure.ratio.map { String(format: "%8.1f%%", $0 * 100) } ?? ""
            print(figure.name.padding(toLength: 38, withPad: " ", startingAt: 0) + String(format: "%12.0f", figure.perSecond)
                  + "  " + limit + "  " + ratio)
        }
        print("limit = raw sign rate / 2 signatures per seal; raw verify rate / 2 verifications per seal")
    }
}

/// A benchmark that cannot produce a meaningful figure stops with this.
struct BenchFailure: Error, CustomStringConvertible { let description: String }
