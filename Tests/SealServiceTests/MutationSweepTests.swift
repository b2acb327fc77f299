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
