import Foundation
import Testing
import SealTestSupport
@testable import SealService

/// Flips each of the 8 bits of every byte, truncates and inserts at every byte of a valid,
/// archived seal (its receipt and checkpoint included): nothing may verify as TOTAL-PASSED, and
/// nothing may crash.
@Suite struct MutationSweepTests {
    /// Every single-bit flip of `seal` that still passes, as "flip OFFSET/BIT", checked on every
    /// core (verification is thread-safe; the box only carries the closure across).
    static func passingBitFlips(of seal: [UInt8], _ passes: @escaping ([UInt8]) throws -> Bool) -> [String] {
        final class Sweep: @unchecked Sendable {
            let passes: ([UInt8]) throws -> Bool
            let lock = NSLock()
            var passed: [String] = []
            init(_ passes: @escaping ([UInt8]) throws -> Bool) { self.passes = passes }
        }
        let sweep = Sweep(passes)
        DispatchQueue.concurrentPerform(iterations: seal.count) { offset in
            for bit in 0..<8 {
                var flipped = seal
                flipped[offset] ^= 1 << bit
                let outcome = Result { try sweep.passes(flipped) }
                if case .success(false) = outcome { continue }
                sweep.lock.lock()
                sweep.passed.append("flip \(offset)/\(bit)" + (outcome.isFailure ? " threw" : ""))
                sweep.lock.unlock()
            }
        }
        return sweep.passed.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
    }

    /// A fresh authority, one archived seal of `document`, and whether a variant of it passes
    /// against the full trust bundle or (`rootsOnly`) one that names no archive log.
    func archivedSeal(of document: [UInt8], rootsOnly: Bool) throws -> (seal: [UInt8], passes: ([UInt8]) throws -> Bool) {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "dept", department: "Civil Registry", organizationIdentifier: nil, algorithm: nil, days: 30)
        let seal = try service.sealNow(document, "dept").der
        let full = try service.trustBundle()
        let trust = rootsOnly ? TrustBundle(roots: full.roots) : full
        let passes = { (bytes: [UInt8]) throws -> Bool in
            withExtendedLifetime(scratch) {}
            return try SealService.verify(seal: bytes, document: document, trust: trust).indication == .totalPassed
        }
        #expect(try passes(seal))
        return (seal, passes)
    }

    @Test func noMutatedSealPasses() throws {
        let (seal, passes) = try archivedSeal(of: Array("Household register extract\n".utf8), rootsOnly: false)

        var passed = Self.passingBitFlips(of: seal, passes)
        for offset in 0..<seal.count {
            var inserted = seal
            inserted.insert(0x00, at: offset)
            if try passes(inserted) { passed.append("insert \(offset)") }
            if try passes(Array(seal.prefix(offset))) { passed.append("truncate \(offset)") }
        }
        if !passed.isEmpty {
            // Keep the seal for diagnosis (asn1parse the offsets listed).
            try? Data(seal).write(to: FileManager.default.temporaryDirectory.appendingPathComponent("mutation-sweep-failure.p7s"))
        }
        #expect(passed.isEmpty, "\(passed.prefix(20))")
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}

extension MutationSweepTests {
    /// The same sweep against a bundle that names no archive log: then only the seal's own
    /// signatures and structure protect it, the time-stamp token included.
    @Test func noMutatedSealPassesWithoutTheArchiveCheck() throws {
        let (seal, passes) = try archivedSeal(of: Array("Business licence No. 42\n".utf8), rootsOnly: true)
        let passed = Self.passingBitFlips(of: seal, passes)
        // Bytes of the receipt attribute may change freely here (nothing checks it without a log
        // key); everything else must not.
        let receipt = try #require(seal.firstRange(of: try SealSignature(der: seal).unsignedAttribute(SealOID.archiveReceipt)!))
        let outside = passed.filter { entry in
            let offset = Int(entry.split(separator: " ")[1].split(separator: "/")[0])!
            return !(receipt.lowerBound - 32 ..< receipt.upperBound).contains(offset)
        }
        if !outside.isEmpty {
            try? Data(seal).write(to: FileManager.default.temporaryDirectory.appendingPathComponent("mutation-sweep-roots-only.p7s"))
        }
        #expect(outside.isEmpty, "\(outside.prefix(20))")
    }
}

extension MutationSweepTests {
    /// The same sweep over a detached GB/T 38540 signature and its receipt: the signer's
    /// certificate and the algorithm lie outside TBS_Sign, the receipt outside the signature,
    /// and still no change passes. The seal carries a 1-pixel picture to keep the sweep short.
    @Test func noMutatedSESSignaturePasses() throws {
        let scratch = try ScratchAuthority(algorithm: .sm2)
        let service = try scratch.service()
        let pixel = Array(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!)
        try service.enroll(name: "dept", department: "Market Regulation", organizationIdentifier: nil, algorithm: .sm2, days: 30,
                           appearance: SealAppearance(image: pixel))
        let document = Array("营业执照 No. 7\n".utf8)
        let sealed = try #require(try service.seal([.content(document)], with: "dept").first)
        #expect(sealed.format == .detachedSES)
        let trust = try service.trustBundle()
        let receipt = sealed.receipt.der
        func passes(_ signature: [UInt8], _ receipt: [UInt8]) throws -> Bool {
            withExtendedLifetime(scratch) {}
            return try SealService.verify(seal: signature, document: document, receipt: receipt, trust: trust).indication == .totalPassed
        }
        #expect(try passes(sealed.bytes, receipt))
        var passed = Self.passingBitFlips(of: sealed.bytes) { try passes($0, receipt) }
        passed += Self.passingBitFlips(of: receipt) { try passes(sealed.bytes, $0) }.map { "receipt " + $0 }
        for offset in stride(from: 0, to: sealed.bytes.count, by: 7) {
            if try passes(Array(sealed.bytes.prefix(offset)), receipt) { passed.append("truncate \(offset)") }
        }
        #expect(passed.isEmpty, "\(passed.prefix(20))")
    }
}
