public import Foundation
public import SealService

/// How `seald` runs: where the authority lives, where it listens, and its limits.
public struct DaemonConfiguration: Sendable {
    public var dataDirectory: DataDirectory
    /// The Unix socket (default: `seald.sock` inside the data directory).
    public var socketPath: String
    /// Mode of the socket file; callers need write permission to connect.
    public var socketMode: mode_t = 0o660
    /// Group to give the socket file (so department accounts in it can connect).
    public var socketGroup: gid_t?
    /// Optional public TCP listener serving only the read-only public routes.
    public var listen: (host: String, port: Int)?
    /// Largest request body accepted (413 beyond).
    public var maxBodySize = 16 << 20
    /// A connection with no traffic for this long is closed (slow or vanished clients).
    public var idleTimeout: TimeInterval = 30
    public var groupCommit = GroupCommit.Configuration()
    /// How long a loaded seal key is reused before its validity and the CRL are re-read.
    public var signerLifetime: TimeInterval = 10
    public var passphrase: Passphrase?
    /// Where the archive is (`archive = sqlite:PATH | postgresql://…`); nil: in the data directory.
    public var archive: ArchiveLocation?

    public init(dataDirectory: DataDirectory, socketPath: String? = nil) {
        self.dataDirectory = dataDirectory
        self.socketPath = socketPath ?? dataDirectory.url.appendingPathComponent("seald.sock").path
    }

    /// Reads `KEY = VALUE` lines (`#` comments) from a configuration file over these defaults.
    public mutating func apply(file url: URL) throws(ServiceError) {
        let text = String(decoding: try AtomicFile.read(url), as: UTF8.self)
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let bad = ServiceError.invalidArgument("\(url.path):\(number + 1): expected KEY = VALUE with a known key and a valid value")
            guard parts.count == 2 else { throw bad }
            try set(parts[0], parts[1], or: bad)
        }
    }

    public mutating func set(_ key: String, _ value: String, or bad: ServiceError) throws(ServiceError) {
        switch key {
        case "socket": socketPath = value
        case "socket-mode":
            guard let mode = mode_t(value, radix: 8), mode <= 0o777 else { throw bad }
            socketMode = mode
        case "socket-group":
            guard let group = Self.groupID(value) else { throw bad }
            socketGroup = group
        case "listen":
            guard let address = Self.hostPort(value) else { throw bad }
            listen = address
        case "max-body-bytes":
            guard let size = Int(value), size > 0 else { throw bad }
            maxBodySize = size
        case "idle-timeout-seconds":
            guard let seconds = TimeInterval(value), seconds > 0 else { throw bad }
            idleTimeout = seconds
        case "batch-size":
            guard let size = Int(value), size > 0 else { throw bad }
            groupCommit.maxBatch = size
        case "batch-wait-ms":
            guard let millis = Double(value), millis >= 0 else { throw bad }
            groupCommit.maxWait = millis / 1000
        case "archive":
            archive = try ArchiveLocation(value)
        case "signer-lifetime-seconds":
            guard let seconds = TimeInterval(value), seconds >= 0 else { throw bad }
            signerLifetime = seconds
        default: throw bad
        }
    }

    /// `HOST:PORT` (IPv6 as `[::1]:PORT`).
    public static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// A group by number or name.
    public static func groupID(_ text: String) -> gid_t? { AccessPolicy.groupID(text) }
}
