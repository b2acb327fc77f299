public import Foundation
public import SealService
public import SealCore

/// Helpers shared by the end-to-end and interop tests: running programs, finding the built
/// `seal` binary and the repository, scratch directories.
public enum TestSupport {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var stderrLines: [Substring] { stderr.split(separator: "\n") }
    }

    /// The repository root (two levels above this file's folder).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardizedFileURL

    /// The `seal` executable built next to the running test binary.
    public static var sealBinary: URL {
        let testBinary = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                             ?? CommandLine.arguments[0])
        return testBinary.deletingLastPathComponent().appendingPathComponent("seal")
    }

    /// Runs a program to completion. `environment` is added to a minimal clean environment.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           in directory: URL? = nil, input: Data? = nil) throws -> Output {
        let process = Process()
        process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"]
        base.merge(inheritedEnvironment) { $1 }
        process.environment = base.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        let errData = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// What children inherit from the test run besides PATH and HOME: Python's module path and
    /// the sanitizer settings (a sanitized suite runs sanitized children).
    public static var inheritedEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { ["PYTHONPATH", "ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"].contains($0.key) }
    }

    /// Runs the built `seal` binary.
    @discardableResult
    public static func seal(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> Output {
        try run(sealBinary.path, arguments, environment: environment, in: directory)
    }

    /// A fresh scratch directory, removed by the caller with `cleanUp`.
    public static func scratchDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seal-\(label)-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public static func cleanUp(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    public static func bytes(_ url: URL) -> [UInt8] { Array(FileManager.default.contents(atPath: url.path) ?? Data()) }

    /// POSIX permission bits of a file.
    public static func mode(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions]) as? Int ?? -1) & 0o777
    }
}

extension SealService {
    /// Seals and archives one document with seal `name` through the pipeline, parsed.
    public func sealNow(_ document: [UInt8], _ name: String) throws -> SealSignature {
        try SealSignature(der: try seal([document], sealName: name)[0].bytes)
    }
}
