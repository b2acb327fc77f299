import Foundation
import SealCore
import SealService
import SealClient
import SealPDF
import SealOFD

/// Every parser of outside input, as a fuzz target. Each run must return (any verdict or error is
/// fine) and never crash, hang or pass a mutated seal.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case seal, receipt, checkpoint, trustBundle = "trust-bundle", crl, statusList = "status-list", verifierKey = "verifier-key"
    /// seald's request bodies: the first byte picks the body type, the rest is the body.
    case request
    /// GB/T 38540 and GM/T 0031 seals (.esl) and signatures (SignedValue.dat, .ses).
    case ses
    /// OFD packages: zip, XML, signature lists and descriptions, verified whole, and rewritten
    /// with a file added as sealing does.
    case ofd
    /// PDF files: cross-reference tables and streams, object streams, dictionaries, the page
    /// tree and form, signatures verified whole, and a seal's update written over them.
    case pdf

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
        case .request:
            Self.request(bytes)
        case .ses:
            if let seal = try? ElectronicSeal(der: bytes) { _ = (seal.signedBytes, seal.property, seal.extensions) }
            if let signature = try? SESSignature(der: bytes) { _ = (signature.signedBytes, signature.seal.signedBytes, signature.dataHash) }
        case .ofd:
            _ = try? SealService.verifyDocument(bytes, trust: Self.fixture.trust)
            // What Seal writes over any package it accepts reads back, with the new file in it.
            if let package = try? OFDPackage(bytes: bytes), let written = try? package.replacing([("Doc_0/Signs/Fuzz.xml", [0x3C, 0x61, 0x2F, 0x3E])]) {
                precondition((try? OFDPackage(bytes: written).file("Doc_0/Signs/Fuzz.xml")) == [0x3C, 0x61, 0x2F, 0x3E],
                             "a rewritten package does not read back")
            }
            // Sealing it as far as the signature: the stamp's place on the page and the new IDs.
            if let seal = Self.fixture.electronicSeal, let document = try? OFDDocument(package: OFDPackage(bytes: bytes)),
               let sealing = try? OFDSealing(document, seal: seal, placement: StampPlacement(), provider: .init(name: "Fuzz", version: "0"),
                                             time: Date(timeIntervalSince1970: 1_800_000_000)) {
                _ = try? sealing.assemble(signedValue: [0x30, 0x00], receipt: [0x30, 0x00])
            }
        case .pdf:
            Self.pdf(bytes)
        }
    }

    static func pdf(_ bytes: [UInt8]) {
        guard let file = try? PDFFile(bytes: bytes) else { return }
        for number in file.objects.numbers.prefix(512) {
            _ = try? file.objects.object(PDFReference(number, file.objects.generation(of: number)))
        }
        _ = try? file.objects.pages(root: file.root)
        _ = try? file.signatures()
        // Invisible, and with a stamp laid out on the page's box; what Seal writes over any file
        // it accepts reads back.
        for appearance in [nil, stamp] {
            if let sealing = try? PDFSealing(file, placement: StampPlacement(), appearance: appearance, signerName: "Fuzz", time: Date(),
                                             contentsCapacity: 16),
               let sealed = try? sealing.assemble(cms: [0x30, 0x00]) {
                precondition((try? PDFFile(bytes: sealed)) != nil, "a sealed PDF does not read back")
            }
        }
        _ = try? SealService.verifyDocument(bytes, trust: fixture.trust)
    }

    /// A one-pixel stamp with a time line.
    static let stamp = PDFSealing.Appearance(seal: PDFImage(rgb: [217, 18, 18], alpha: [255], width: 1, height: 1), caption: nil,
                                             timeLine: "2026-12-02 00:00:00 UTC", widthMillimetres: 40)

    /// Each body the daemon reads, parsed as the daemon parses it; a verification body is also
    /// verified against the fixture's trust bundle.
    static func request(_ bytes: [UInt8]) {
        guard let kind = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        switch kind % 5 {
        case 0:
            if let parsed = try? Wire.decode(Wire.VerifyRequest.self, body).parsed(trust: { () throws(ServiceError) in fixture.trust }) {
                if let seal = parsed.seal {
                    _ = try? SealService.verify(seal: seal, document: parsed.document, receipt: parsed.receipt, trust: fixture.trust,
                                                revocationLists: parsed.crls, statusList: parsed.statusList)
                } else {
                    _ = try? SealService.verifyDocument(parsed.document, trust: fixture.trust, revocationLists: parsed.crls,
                                                        statusList: parsed.statusList)
                }
            }
        case 1: _ = try? Wire.decode(Wire.DocumentRevocationRequest.self, body).parsed()
        case 2: _ = try? Wire.decode(Wire.DigestSealRequest.self, body).bytes()
        case 3: _ = try? Wire.decode(Wire.SealRevocationRequest.self, body).parsedReason()
        default:
            if let enroll = try? Wire.decode(Wire.EnrollRequest.self, body) { _ = try? SealName(enroll.name) }
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
        /// A GB/T 38540 seal from another producer, for sealing OFD packages.
        let electronicSeal: ElectronicSeal?

        init() {
            let read = { (path: String) in Array(FileManager.default.contents(atPath: Self.vectors.appendingPathComponent(path).path) ?? Data()) }
            document = read("documents/birth-certificate.txt")
            trust = (try? SealService.trustBundle(pem: read("trust.pem"))) ?? TrustBundle(roots: [])
            logKeys = trust.logKeys.compactMap { try? NoteVerifierKey($0) }
            electronicSeal = try? ElectronicSeal(der: read("external/ses/seal_v4_ofdrw.esl"))
        }
    }
}
