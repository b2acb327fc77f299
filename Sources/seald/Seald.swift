import ArgumentParser
import Foundation
import Logging
import SealCore
import SealDaemon
import SealService

/// `seald`: parses arguments and runs the daemon; everything else lives in SealDaemon.
@main
struct Seald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seald",
        abstract: "The Seal daemon: seals, verification, revocation and the archive log over HTTP/JSON on a Unix socket.",
        discussion: """
            With no arguments on a machine without an authority, creates a DEVELOPMENT authority (unencrypted \
            keys, one seal named `dev`) in the default data directory and serves it. Callers on the socket are \
            identified by their uid/gid; access.conf in the data directory says who may use which seal. \
            SIGTERM or SIGINT stops it after the requests in flight are answered and committed.
            """,
        version: SealVersion.current)

    @Option(help: ArgumentHelp("Authority data directory (env SEAL_DATA; default ~/.local/share/seal).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("Unix socket to listen on (default DIR/seald.sock).", valueName: "PATH"))
    var socket: String?

    @Option(help: ArgumentHelp("Also serve the public read-only routes on TCP HOST:PORT.", valueName: "HOST:PORT"))
    var listen: String?

    @Option(help: ArgumentHelp("Configuration file of KEY = VALUE lines (see README).", valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp("Read the key passphrase from the first line of FILE (else env SEAL_PASSPHRASE).", valueName: "FILE"))
    var passphraseFile: String?

    @Option(help: ArgumentHelp("Socket file mode, octal (default 660).", valueName: "MODE"))
    var socketMode: String?

    @Option(help: ArgumentHelp("Group to own the socket file, by name or number.", valueName: "GROUP"))
    var socketGroup: String?

    @Option(help: ArgumentHelp("The archive: sqlite:PATH (default DIR/archive.sqlite) or postgresql://USER@HOST:PORT/DB[?host=SOCKETDIR] "
        + "for one archive shared by several seald hosts (password from passfile= or PGPASSFILE).", valueName: "URL"))
    var archive: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if let listen, DaemonConfiguration.hostPort(listen) == nil { throw ValidationError("--listen must be HOST:PORT") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        AllocatorTuning.apply()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "seald")
        do {
            let named = data ?? ProcessInfo.processInfo.environment["SEAL_DATA"].flatMap { $0.isEmpty ? nil : $0 }
            let directory = named.map { DataDirectory(URL(fileURLWithPath: $0)) } ?? DataDirectory.defaultLocation()
            if named == nil { try SealDaemon.developmentAuthority(at: directory, logger: logger) }
            var configuration = DaemonConfiguration(dataDirectory: directory, socketPath: socket)
            if let config { try configuration.apply(file: URL(fileURLWithPath: config)) }
            if let socket { configuration.socketPath = socket }
            if let listen { configuration.listen = DaemonConfiguration.hostPort(listen) }
            if let archive { configuration.archive = try ArchiveLocation(archive) }
            let bad = ServiceError.invalidArgument("bad --socket-mode or --socket-group")
            if let socketMode { try configuration.set("socket-mode", socketMode, or: bad) }
            if let socketGroup { try configuration.set("socket-group", socketGroup, or: bad) }
            configuration.passphrase = try passphrase()
            try await SealDaemon.run(configuration, logger: logger)
        } catch let error as ServiceError {
            FileHandle.standardError.write(Data("seald: error: \(error.description)\n".utf8))
            throw ExitCode(error.category == .usage ? 64 : 1)
        }
    }

    func passphrase() throws(ServiceError) -> Passphrase? {
        try Passphrase.from(file: passphraseFile)
    }
}
