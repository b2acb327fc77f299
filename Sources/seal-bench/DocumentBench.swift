import ArgumentParser
import Foundation
import SealCore
import SealService

/// What the document-format benchmarks (OFD, PDF) share: their options, and the figures each
/// measures the same way in one run: the raw signature rates of the seal's algorithm, sealing a
/// document in calls of 64, verifying the sealed one, the raw digest rate, and sealing a large
/// document (with the peak memory it adds).
struct DocumentBenchOptions: ParsableArguments {
    @Option(help: "Seconds to measure each figure.")
    var seconds: Double = 2

    @Flag(help: "Print the figures as JSON.")
    var json = false
}

struct DocumentBenchFigures {
    let rawSign: Double
    let rawVerify: Double
    let seals: Double
    let verifications: Double
    let rawDigestBytes: Double
    let largeSeals: Double
    let peakMemoryGrowth: Int

    /// Measures `format` with seal "bench" of `service`: `algorithm` for the raw rates,
    /// `digest` for the hashing share of sealing `large`.
    init(service: SealService, format: DocumentFormat, algorithm: SignatureAlgorithm, digest: DigestAlgorithm,
         document: [UInt8], large: [UInt8], verify: @escaping ([UInt8]) -> VerificationOutcome, seconds: Double) throws {
        // The large document first, so that the peak memory it adds is measured from the setup's
        // alone: after the batches of 64 the heap keeps what they freed, and how much of it the
        // large seal reused decided the figure (0.55 times the document with units of 64, 0.90
        // with units of 8, the large seal unchanged).
        let residentBefore = SealBench.peakResidentBytes()
        largeSeals = try SealBench.rate(seconds: seconds, warmUp: 1) { _ = try service.seal([.content(large)], with: "bench", format: format) }
        peakMemoryGrowth = SealBench.peakResidentBytes() - residentBefore
        let sealed = try service.seal([.content(document)], with: "bench", format: format)[0].bytes
        guard verify(sealed) == .passed else { throw BenchFailure(description: "the benchmark \(format) document does not verify") }
        let rawKey = try PrivateKey.generate(algorithm)
        let message = digest.hash(document)
        let signature = try rawKey.sign(message)
        let publicKey = try PublicKey(spki: try rawKey.publicKeyDER())
        let batch = Array(repeating: DocumentInput.content(document), count: 64)
        // Interleaved, so that each ratio divides by raw rates measured at the same moments.
        let rates = try SealBench.rates(seconds: seconds, [
            .init { _ = try rawKey.sign(message) },
            .init { precondition(publicKey.isValidSignature(signature, for: message)) },
            .init(warmUp: 1) { _ = try service.seal(batch, with: "bench", format: format) },
            .init { _ = verify(sealed) },
        ])
        (rawSign, rawVerify, seals, verifications) = (rates[0], rates[1], rates[2] * Double(batch.count), rates[3])
        rawDigestBytes = SealBench.rate(seconds: seconds, warmUp: 2) { _ = digest.hash(large) } * Double(large.count)
    }

    enum VerificationOutcome { case passed, failed }

    /// The figures in order: raw sign and verify, seals (limit: raw sign ÷ 2 signatures),
    /// verifications (limit: raw verify ÷ `verificationsPerSeal`), the raw digest rate in bytes,
    /// large seals; then the ceilings of seals and verifications: the rate at which the raw
    /// primitives alone would run, the signatures plus `hashedBytes` (what a seal of `document`
    /// must hash at least) at the raw digest rate. A ceiling's ratio is the most any
    /// implementation could reach against the same limit on this machine.
    func figures(algorithm: String, digest: String, format: String, seal: String, verification: String,
                 document: [UInt8], large: [UInt8], verificationsPerSeal: Double, hashedBytes: Int) -> [SealBench.Figure] {
        typealias Figure = SealBench.Figure
        let hashing = Double(hashedBytes) / rawDigestBytes
        return [
            Figure(name: "raw \(algorithm) sign", perSecond: rawSign, limitPerSecond: nil),
            Figure(name: "raw \(algorithm) verify", perSecond: rawVerify, limitPerSecond: nil),
            Figure(name: "\(format) seals (\(document.count / 1024) KiB, \(seal))", perSecond: seals, limitPerSecond: rawSign / 2),
            Figure(name: "\(format) verifications (\(verification))", perSecond: verifications, limitPerSecond: rawVerify / verificationsPerSeal),
            Figure(name: "raw \(digest) (bytes)", perSecond: rawDigestBytes, limitPerSecond: nil),
            Figure(name: "\(format) seals (\(large.count / 1024 / 1024) MiB)", perSecond: largeSeals, limitPerSecond: nil),
            Figure(name: "ceiling: 2 signs + \(digest) of \(hashedBytes / 1024) KiB", perSecond: 1 / (2 / rawSign + hashing),
                   limitPerSecond: rawSign / 2),
            Figure(name: "ceiling: \(Int(verificationsPerSeal)) verifies + \(digest) of \(hashedBytes / 1024) KiB",
                   perSecond: 1 / (verificationsPerSeal / rawVerify + hashing), limitPerSecond: rawVerify / verificationsPerSeal),
        ]
    }

    /// The share of a large seal's time its digest would take at the raw rate.
    func hashingShare(of large: [UInt8]) -> Double { Double(large.count) / rawDigestBytes * largeSeals }
}
