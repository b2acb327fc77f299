import ArgumentParser
import Foundation
import SealService
import SealClient
import Synchronization

/// Options every command that touches an authority shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Authority data directory (env SEAL_DATA; default ~/.local/share/seal).",
                                            valueName: "DIR"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Talk to a running seald on this Unix socket instead of opening a data directory (env SEAL_SOCKET).",
                                            valueName: "PATH"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Read the key passphrase from the first line of FILE (else env SEAL_PASSPHRASE).",
                                            valueName: "FILE"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp("The archive, when not DIR/archive.sqlite: sqlite:PATH or postgresql://USER@HOST:PORT/DB[?host=SOCKETDIR] "
        + "(env SEAL_ARCHIVE; password from passfile= or PGPASSFILE).", valueName: "URL"))
    var archive: String?

    /// --data, else $SEAL_DATA, else the per-user default.
    var dataDirectory: DataDirectory {
        if let data { return DataDirectory(URL(fileURLWithPath: data)) }
        return DataDirectory.defaultLocation()
    }

    /// Whether a data directory was named explicitly (flag or environment).
    var dataDirectoryGiven: Bool { data != nil || !(ProcessInfo.processInfo.environment["SEAL_DATA"] ?? "").isEmpty }

    /// --passphrase-file, else $SEAL_PASSPHRASE, else none.
    func passphrase() throws(ServiceError) -> Passphrase? {
        try Passphrase.from(file: passphraseFile)
    }

    func service() throws(ServiceError) -> SealService {
        let named = archive ?? ProcessInfo.processInfo.environment["SEAL_ARCHIVE"].flatMap { $0.isEmpty ? nil : $0 }
        let service = try SealService(directory: dataDirectory, passphrase: passphrase(), configuration: .init(archive: try named.map(ArchiveLocation.init)))
        OpenServices.add(service)
        return service
    }

    /// --socket, else $SEAL_SOCKET (when no --data is given), else none.
    var socketPath: String? {
        if let socket { return socket }
        guard data == nil, let path = ProcessInfo.processInfo.environment["SEAL_SOCKET"], !path.isEmpty else { return nil }
        return path
    }

    /// The authority to work with: the daemon on --socket, else the data directory in-process.
    func operations() throws(ServiceError) -> any SealOperations {
        if let socketPath { return DaemonClient(socketPath: socketPath) }
        return try service()
    }

    /// The options above, each with its value, as they may stand before the subcommand.
    static let leadingNames = ["--data", "--socket", "--passphrase-file", "--archive"]

    /// `seal --data DIR sign …` as `seal sign … --data DIR`: every subcommand declares these
    /// options itself, so those given before the subcommand's name move behind its arguments (and
    /// before a `--` that ends the options). A missing value is left for the parser to report.
    static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if leadingNames.contains(where: { first.hasPrefix($0 + "=") }) {
                leading.append(first)
                rest = rest.dropFirst()
            } else if leadingNames.contains(first), rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !leading.isEmpty, !rest.isEmpty else { return arguments }
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }

    /// For commands that need the data directory itself (init, demo).
    func requireDataDirectory(_ command: String) throws(ServiceError) {
        if socket != nil { throw .invalidArgument("`seal \(command)` works on a data directory (--data), not through --socket") }
    }
}

/// The services this process opened, closed before it exits (writer stopped, connections closed,
/// threads ended): a pool thread still running at exit raced the libraries' own teardown.
enum OpenServices {
    private static let services = Mutex<[SealService]>([])

    static func add(_ service: SealService) { services.withLock { $0.append(service) } }

    static func shutdownAll() {
        let opened = services.withLock { list in defer { list.removeAll() }; return list }
        for service in opened { service.close() }
    }
}
