import ArgumentParser
import Foundation
import SealArchive
import SealCore
import SealService

/// Sealing, archived sealing and verification on one core, with two peers, each as a ratio to
/// the raw ECDSA P-256 rate measured in the same run.
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Single-core sealing, archived sealing and verification against raw ECDSA P-256 (the default).")

    @Option(help: "Seconds to measure each figure.")
    var seconds: Double = 2

    @Flag(help: "Print the figures as JSON.")
    var json = false

    func run() throws {
        let bench = try BenchAuthority()
        let (service, signer, document, archived) = (bench.service, bench.signer, bench.document, bench.archived)
        // Verification as a batch verifier does it: the trust bundle is prepared once.
        let offline = try SealService.OfflineVerifier(trust: bench.trust)
        let rawKey = try PrivateKey.generate(.ecdsaP256)
        let digest = DigestAlgorithm.sha256.hash(document)
        let signature = try rawKey.sign(digest)
        let publicKey = try PublicKey(spki: try rawKey.publicKeyDER())

        // Archived sealing through the pipeline, as the CLI seals a batch: one signing thread, the
        // writer beside it committing each unit of `SealService.unitSize` while the next ones sign.
        let transaction = Array(repeating: document, count: 256)
        let pipelined = Array(repeating: document, count: 1024)
        // Interleaved, so that each ratio divides by raw rates measured at the same moments.
        let rates = try SealBench.rates(seconds: seconds, [
            .init { _ = try rawKey.sign(digest) },
            .init { precondition(publicKey.isValidSignature(signature, for: digest)) },
            .init { _ = try signer.sealed(digest: DigestAlgorithm.sha256.hash(document)) },
            .init(warmUp: 1) { _ = try service.seal(transaction, sealName: "bench") },
            .init(warmUp: 1) { _ = try service.seal(pipelined, sealName: "bench") },
            .init { _ = offline.verify(seal: archived, document: document) },
            .init { _ = try signer.opensslDetachedCMS(document) },
        ])
        let (rawSign, rawVerify, seals, verifications, opensslCMS) = (rates[0], rates[1], rates[2], rates[5], rates[6])
        let (archivedSeals, pipelinedSeals) = (rates[3] * Double(transaction.count), rates[4] * Double(pipelined.count))
        let python = pythonPKCS7Rate(seconds: seconds)

        typealias Figure = SealBench.Figure
        var figures = [
            Figure(name: "raw ECDSA P-256 sign", perSecond: rawSign, limitPerSecond: nil),
            Figure(name: "raw ECDSA P-256 verify", perSecond: rawVerify, limitPerSecond: nil),
            Figure(name: "seals (CMS + time-stamp, 4 KiB)", perSecond: seals, limitPerSecond: rawSign / 2),
            Figure(name: "seals archived (calls of 256, durable)", perSecond: archivedSeals, limitPerSecond: rawSign / 2),
            Figure(name: "seals archived (calls of 1,024, pipelined)", perSecond: pipelinedSeals, limitPerSecond: rawSign / 2),
            Figure(name: "verifications (offline, receipt, warm)", perSecond: verifications, limitPerSecond: rawVerify / 2),
            Figure(name: "peer: OpenSSL CMS_sign (no time-stamp)", perSecond: opensslCMS, limitPerSecond: rawSign),
        ]
        if let python {
            figures.append(Figure(name: "peer: Python cryptography PKCS#7", perSecond: python, limitPerSecond: rawSign))
        }
        if json {
            try SealBench.printJSON(["singleCore": figures])
            return
        }
        print("seal-bench: one core, \(seconds) s per figure, ECDSA P-256")
        SealBench.printTable(figures)
        print("limit = raw sign rate / 2 signatures per seal (peers: / 1, they make no time-stamp);")
        print("        raw verify rate / 2 verifications per seal (paths and checkpoints cached by exact bytes)")
    }
}

/// One loop alone, for `perf record`.
struct ProfileBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Run one loop alone (for perf): seals, archived, verifications, pdf-seals, pdf-verifications, ofd-seals or ofd-verifications.")

    enum Loop: String, ExpressibleByArgument, CaseIterable {
        case seals, archived, verifications
        case pdfSeals = "pdf-seals", pdfVerifications = "pdf-verifications"
        case ofdSeals = "ofd-seals", ofdVerifications = "ofd-verifications"
    }

    @Argument(help: "The loop to run: seals, archived, verifications, pdf-seals, pdf-verifications, ofd-seals or ofd-verifications.")
    var loop: Loop = .seals

    @Argument(help: "Seconds to run it.")
    var seconds: Double = 5

    func run() throws {
        let bench = try BenchAuthority(algorithm: [.ofdSeals, .ofdVerifications].contains(loop) ? .sm2 : .ecdsaP256)
        let (service, signer, document) = (bench.service, bench.signer, bench.document)
        let count: Double
        switch loop {
        case .verifications:
            let offline = try SealService.OfflineVerifier(trust: bench.trust)
            count = SealBench.rate(seconds: seconds) { _ = offline.verify(seal: bench.archived, document: document) }
        case .archived:
            let batch = Array(repeating: document, count: 256)
            count = try SealBench.rate(seconds: seconds) { _ = try service.seal(batch, sealName: "bench") } * Double(batch.count)
        case .seals:
            count = try SealBench.rate(seconds: seconds) { _ = try signer.sealed(digest: DigestAlgorithm.sha256.hash(document)) }
        case .pdfSeals:
            let batch = Array(repeating: DocumentInput.content(PDFBench.standardDocument()), count: 64)
            count = try SealBench.rate(seconds: seconds) { _ = try service.seal(batch, with: "bench", format: .pdf) } * Double(batch.count)
        case .pdfVerifications:
            let offline = try SealService.OfflineVerifier(trust: bench.trust)
            let sealed = try service.seal([.content(PDFBench.standardDocument())], with: "bench", format: .pdf)[0].bytes
            count = SealBench.rate(seconds: seconds) { _ = offline.verify(document: sealed) }
        case .ofdSeals:
            let batch = Array(repeating: DocumentInput.content(try OFDBench.standardDocument()), count: 64)
            count = try SealBench.rate(seconds: seconds) { _ = try service.seal(batch, with: "bench", format: .ofd) } * Double(batch.count)
        case .ofdVerifications:
            let offline = try SealService.OfflineVerifier(trust: bench.trust)
            let sealed = try service.seal([.content(try OFDBench.standardDocument())], with: "bench", format: .ofd)[0].bytes
            count = SealBench.rate(seconds: seconds) { _ = offline.verify(ofd: sealed) }
        }
        print("\(loop.rawValue): \(Int(count)) per second")
    }
}
