import ArgumentParser
import Foundation
import SealService

/// Output conventions: results on stdout, one-line errors on stderr as "seal: error: …".
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("seal: error: \(message)\n".utf8))
    }

    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("seal: warning: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes `bytes` atomically to `path`, or to standard output when there is none.
    static func emit(_ bytes: [UInt8], to path: String?) throws(ServiceError) {
        if let path {
            try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }

    /// Pretty JSON on stdout.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// A one-line progress indicator on a terminal; silent otherwise.
    static func progress(_ done: Int, of total: Int, _ label: String) {
        guard stderrIsTerminal, total > 1 else { return }
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(label)\u{1B}[K".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Runs a command body, turning service errors into one line and an exit status.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ServiceError {
            Console.error(error.description)
            throw ExitCode(exitStatus(for: error))
        }
    }

    static func exitStatus(for error: ServiceError) -> Int32 {
        switch error.category {
        case .missingFile: 66
        case .badInput: 65
        case .usage: 64
        default: 1
        }
    }

    /// `verify` keeps 0, 1 and 2 for verdicts, so its other failures use 64 and up (70: internal).
    static func verifyExitStatus(for error: ServiceError) -> Int32 {
        if case .passphraseRequired = error { return 64 }
        let status = exitStatus(for: error)
        return status == 1 ? 70 : status
    }
}
