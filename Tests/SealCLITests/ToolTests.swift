import Foundation
import Testing
import SealService
import SealTestSupport

/// The developer executables: the benchmark reports its figures with ratios, and the vector
/// generator reproduces every manifest case with the expected verdict.
@Suite(.serialized) struct ToolTests {
    @Test func benchmarkReportsRatesAndRatios() throws {
        let binary = TestSupport.sealBinary.deletingLastPathComponent().appendingPathComponent("seal-bench").path
        let output = try TestSupport.run(binary, ["--seconds", "0.05", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        struct Report: Decodable {
            struct Figure: Decodable { let name: String; let perSecond: Double; let ratio: Double? }
            let singleCore: [Figure]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(output.stdout.utf8))
        // Raw sign and verify, then sealing, archived sealing (calls of 256 and of 1,024),
        // verification and the OpenSSL peer, each with a ratio; the Python peer too when Python's
        // `cryptography` is installed.
        let names = report.singleCore.map(\.name)
        #expect(names.prefix(2) == ["raw ECDSA P-256 sign", "raw ECDSA P-256 verify"])
        #expect((7...8).contains(names.count), "\(names)")
        #expect(report.singleCore.allSatisfy { $0.perSecond > 0 })
        #expect(report.singleCore.dropFirst(2).allSatisfy { $0.ratio != nil })
        // Seal's own figures cannot beat the raw rate they are limited by.
        #expect(report.singleCore.dropFirst(2).prefix(4).compactMap(\.ratio).allSatisfy { $0 > 0 && $0 < 1 })
    }

    /// Every mode answers --help with its usage and runs nothing (the daemon mode used to start a
    /// daemon and load it).
    @Test(arguments: [[], ["core"], ["archive"], ["daemon"], ["batch"], ["profile"]])
    func everyBenchmarkModePrintsHelp(mode: [String]) throws {
        let binary = TestSupport.sealBinary.deletingLastPathComponent().appendingPathComponent("seal-bench").path
        let output = try TestSupport.run(binary, mode + ["--help"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("USAGE: seal-bench \(mode.first ?? "<subcommand>")"), "\(output.stdout)")
        #expect(!output.stdout.contains("per second") && !output.stdout.contains("seals/s"))
    }

    /// The department batch runs the real `seal` over its files (the bench itself checks that
    /// every .p7s was written) and reports a ratio below the raw limit.
    @Test func batchBenchmarkSealsThroughTheCLI() throws {
        let binary = TestSupport.sealBinary.deletingLastPathComponent().appendingPathComponent("seal-bench").path
        let output = try TestSupport.run(binary, ["batch", "--files", "20", "--runs", "1", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        struct Report: Decodable { let files: Int; let sealsPerSecond: Double; let ratio: Double; let secondsPerCall: [Double] }
        let report = try JSONDecoder().decode(Report.self, from: Data(output.stdout.utf8))
        #expect(report.files == 20 && report.secondsPerCall.count == 1)
        #expect(report.sealsPerSecond > 0 && report.ratio > 0 && report.ratio < 1)
    }

    @Test func vectorGeneratorReproducesTheManifestVerdicts() throws {
        let out = try TestSupport.scratchDirectory("vectors")
        defer { TestSupport.cleanUp(out) }
        let binary = TestSupport.sealBinary.deletingLastPathComponent().appendingPathComponent("seal-vectors").path
        // A copy of Keys/, so the run can never touch the committed keys.
        let keys = out.appendingPathComponent("keys")
        try FileManager.default.copyItem(at: TestSupport.repository.appendingPathComponent("Keys"), to: keys)
        let output = try TestSupport.run(binary, ["--keys", keys.path, "--out", out.appendingPathComponent("vectors").path])
        #expect(output.status == 0, "\(output.stderr)")

        let folder = out.appendingPathComponent("vectors")
        let manifest = try VectorManifest.load(folder)
        #expect(manifest.cases.count >= 21)
        for vector in manifest.cases {
            let report = try VectorManifest.verify(vector, in: folder)
            #expect(report.indication == vector.expected.indication, "\(vector.name): \(report.summary)")
            #expect(report.subIndication == vector.expected.subIndication, "\(vector.name): \(report.summary)")
        }
    }
}
