// seal-bench archive [--entries N] [--batch B] [--json] [--probe]
//
// Builds an archive of N synthetic seal entries of realistic size (certificate and time-stamp
// token bytes of a real P-256 seal), then reports: batched appends per second, inclusion proof
// time at N entries (from SQLite, mean and p99 over 1000 random leaves), and audit hashing
// throughput as a ratio to the raw SHA-256 rate measured in the same run on the same bytes.
import ArgumentParser
import Foundation
import SealArchive
import SealCore

struct ArchiveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Batched appends, inclusion proofs and audit hashing (against raw SHA-256) at N entries.")

    @Option(help: "Synthetic seal entries to archive.")
    var entries = 100_000

    @Option(help: "Entries per append (one checkpoint each).")
    var batch = 1000

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Also time an audit of an export of the archive.")
    var probe = false

    struct Report: Encodable {
        let entries: Int
        let entryBytes: Int
        let batch: Int
        let appendsPerSecond: Double
        let proofMeanMicroseconds: Double
        let proofP99Microseconds: Double
        let auditEntriesPerSecond: Double
        let auditBytesPerSecond: Double
        let rawSHA256BytesPerSecond: Double
        let auditHashingRatio: Double
        let databaseBytes: Int
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func run() throws {
        let count = entries
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seal-bench-archive-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("archive.sqlite")

        // Realistic entry sizes: a P-256 department certificate and a TSA token.
        let certificate = [UInt8](repeating: 0x30, count: 620)
        let token = [UInt8](repeating: 0x30, count: 1_050)
        func entry(_ n: Int) -> NewArchiveEntry {
            var commitment = DigestAlgorithm.sha256.hash(withUnsafeBytes(of: n) { Array($0) })
            commitment[0] = UInt8(truncatingIfNeeded: n)
            return .init(entry: .seal(SealEntry(digestAlgorithm: .sha256, documentCommitment: commitment,
                                                signatureHash: DigestAlgorithm.sha256.hash(commitment),
                                                signerCertificate: certificate, timeStampToken: token)),
                         salt: commitment)
        }
        let entryBytes = entry(0).entry.encoded.count
        let signer = try NoteSigner(name: "bench.seal/archive", key: try Ed25519PrivateKey.generate())
        let clock = ContinuousClock()

        let store = try ArchiveStore(url: url)
        var appended = 0
        let appendStart = clock.now
        while appended < count {
            let size = min(batch, count - appended)
            _ = try store.append((appended..<(appended + size)).map(entry), signer: signer)
            appended += size
            if !json && appended % (batch * 50) == 0 {
                FileHandle.standardError.write(Data("\rappended \(appended)/\(count)".utf8))
            }
        }
        let appendSeconds = Self.seconds(clock.now - appendStart)
        if !json { FileHandle.standardError.write(Data("\n".utf8)) }

        // Inclusion proofs at full size, from a fresh read-only connection.
        let reader = try ArchiveStore(url: url, readOnly: true)
        var timings: [Double] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let index = Int.random(in: 0..<count, using: &generator)
            let start = clock.now
            _ = try reader.inclusionProof(index: index, size: count)
            timings.append(Self.seconds(clock.now - start) * 1e6)
        }
        timings.sort()

        // Audit (hashing, no signature checks) against raw SHA-256 over the same bytes.
        let auditor = Auditor(logKey: signer.verifierKey, trust: nil)
        let auditStart = clock.now
        let report = try auditor.audit(reader)
        let auditSeconds = Self.seconds(clock.now - auditStart)
        guard report.ok else { throw BenchFailure(description: "audit of the benchmark archive failed: \(report.problems)") }
        if probe {
            let exportFolder = folder.appendingPathComponent("export")
            try FileManager.default.createDirectory(at: exportFolder, withIntermediateDirectories: true)
            try ArchiveExport.write(reader, to: exportFolder, logKey: signer.verifierKey.description, trustPEM: "")
            let t0 = clock.now
            _ = try auditor.audit(try ArchiveExport.Source(folder: exportFolder))
            print("export audit", Double(count) / Self.seconds(clock.now - t0), "entries/s")
        }
        let sample = entry(1).entry.encoded
        let rawStart = clock.now
        var rawCount = 0
        while Self.seconds(clock.now - rawStart) < 2 {
            for _ in 0..<1000 { _ = DigestAlgorithm.sha256.hash(sample) }
            rawCount += 1000
        }
        let rawBytesPerSecond = Double(rawCount * sample.count) / Self.seconds(clock.now - rawStart)
        let auditBytes = Double(count * entryBytes) / auditSeconds
        // The store and its WAL (Foundation on Linux gives sizes as NSNumber, not Int).
        let databaseBytes = [url.path, url.path + "-wal"].reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)
        }

        let result = Report(entries: count, entryBytes: entryBytes, batch: batch, appendsPerSecond: Double(count) / appendSeconds,
                            proofMeanMicroseconds: timings.reduce(0, +) / Double(timings.count),
                            proofP99Microseconds: timings[timings.count * 99 / 100],
                            auditEntriesPerSecond: Double(count) / auditSeconds, auditBytesPerSecond: auditBytes,
                            rawSHA256BytesPerSecond: rawBytesPerSecond, auditHashingRatio: auditBytes / rawBytesPerSecond,
                            databaseBytes: databaseBytes)
        if json {
            try SealBench.printJSON(result)
            return
        }
        print("seal-bench archive: \(count) entries of \(entryBytes) bytes, batches of \(batch)")
        print(String(format: "batched appends           %10.0f entries/s", result.appendsPerSecond))
        print(String(format: "inclusion proof at %d   mean %.1f µs, p99 %.1f µs", count, result.proofMeanMicroseconds, result.proofP99Microseconds))
        print(String(format: "audit (hashing)           %10.0f entries/s, %.0f MB/s", result.auditEntriesPerSecond, auditBytes / 1e6))
        print(String(format: "raw SHA-256               %10.0f MB/s", rawBytesPerSecond / 1e6))
        print(String(format: "audit hashing ratio       %9.1f%% of raw SHA-256", result.auditHashingRatio * 100))
        print("database size             \(databaseBytes / 1_000_000) MB")
    }
}
