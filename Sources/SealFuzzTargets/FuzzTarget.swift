import Foundation
import SealService

/// Every parser of outside input, as a fuzz target. Each run must return (any verdict or error is
/// fine) and never crash, hang or pass a mutated seal.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case seal, receipt, checkpoint, trustBundle = "trust-bundle", crl, statusList = "status-list", verifierKey = "verifier-key"

    /// $SEAL_FUZZ_TARGET, default `seal`.
    public static var selected: FuzzTarget {
        ProcessInfo.processInfo.environment["SEAL_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:)) ?? .seal
    }

    /// A fixed authority for targets that need trust anchors, made once per process.
    static let fixture = Fixture()

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .seal:
            // Full verification: parse, CMS, time-stamp, chain, receipt.
            _ = try? SealService.verify(seal: bytes, document: Self.fixture.document, trust: Self.fixture.trust)
        case .receipt:
            _ = try? Receipt(der: bytes)
        case .checkpoint:
            _ = try? SignedCheckpoint(note: String(decoding: bytes, as: UTF8.self), logKeys: Self.fixture.logKeys)
            _ = try? SignedNote.open(bytes, verifiers: Self.fixture.logKeys)
        case .trustBundle:
            _ = try? SealService.trustBundle(pem: bytes)
        case .crl:
            if let crl = try? RevocationList(bytes: bytes) { _ = (crl.entries, crl.number, crl.nextUpdate) }
        case .statusList:
            _ = try? SealService.documentStatusList(bytes, trust: Self.fixture.trust)
        case .verifierKey:
            _ = try? NoteVerifierKey(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The repository's known-answer trust bundle and document, so that seeds made from
    /// Vectors/ verify all the way through (the deepest code paths).
    struct Fixture: @unchecked Sendable {
        static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Vectors").standardizedFileURL
        let document: [UInt8]
        let trust: TrustBundle
        let logKeys: [NoteVerifierKey]

        init() {
            let read = { (path: String) in Array(FileManager.default.contents(atPath: Self.vectors.appendingPathComponent(path).path) ?? Data()) }
            document = read("documents/birth-certificate.txt")
            trust = (try? SealService.trustBundle(pem: read("trust.pem"))) ?? TrustBundle(roots: [])
            logKeys = trust.logKeys.compactMap { try? NoteVerifierKey($0) }
        }
    }
}
