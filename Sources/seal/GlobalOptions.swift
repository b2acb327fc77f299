import ArgumentParser
import Foundation
import SealService

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
        try SealService(directory: dataDirectory, passphrase: passphrase())
    }

    /// --socket, else $SEAL_SOCKET (when no --data is given), else none.
    var socketPath: String? {
        if let socket { return socket }
        guard data == nil, let path = ProcessInfo.processInfo.environment["SEAL_SOCKET"], !path.isEmpty else { return nil }
        return path
    }

    /// The authority to work with: the daemon on --socket, else the data directory in-process.
    func operations() throws(ServiceError) -> any SealOperations {
        if let socketPath { return SealClient(socketPath: socketPath) }
        return try service()
    }

    /// For commands that need the data directory itself (init, demo).
    func requireDataDirectory(_ command: String) throws(ServiceError) {
        if socket != nil { throw .invalidArgument("`seal \(command)` works on a data directory (--data), not through --socket") }
    }
}
