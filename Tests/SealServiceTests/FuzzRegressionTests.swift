import Foundation
import Testing
import SealFuzzTargets
import SealService
import SealTestSupport

/// Replays the committed fuzz seed corpus and every fuzz finding through its target: each must
/// return (a verdict or an error), never crash.
@Suite struct FuzzRegressionTests {
    static let fuzz = TestSupport.repository.appendingPathComponent("Fuzz")

    @Test(arguments: FuzzTarget.allCases)
    func corpusAndRegressionsReplay(_ target: FuzzTarget) throws {
        let corpus = Self.fuzz.appendingPathComponent("corpus/\(target.rawValue)")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: corpus.path).map { corpus.appendingPathComponent($0) }
        #expect(!seeds.isEmpty, "no seeds for \(target)")
        let regressionsFolder = Self.fuzz.appendingPathComponent("regressions")
        let regressions = ((try? FileManager.default.contentsOfDirectory(atPath: regressionsFolder.path)) ?? [])
            .filter { $0.hasPrefix(target.rawValue + "-") }.map { regressionsFolder.appendingPathComponent($0) }
        for file in seeds + regressions { target.run(TestSupport.bytes(file)) }
    }

    @Test func theValidSeedReallyVerifies() throws {
        // Guards the fixture: if the seal seed stopped verifying, fuzzing would only reach the
        // early exits.
        let seal = TestSupport.bytes(Self.fuzz.appendingPathComponent("corpus/seal/valid.p7s"))
        let document = TestSupport.bytes(TestSupport.repository.appendingPathComponent("Vectors/documents/birth-certificate.txt"))
        let trust = try SealService.trustBundle(pem: TestSupport.bytes(TestSupport.repository.appendingPathComponent("Vectors/trust.pem")))
        #expect(try SealService.verify(seal: seal, document: document, trust: trust).indication == .totalPassed)
    }
}
