public import Foundation
public import SealArchive
public import SealArchivePostgres

/// Which database holds the archive: `sqlite:PATH` (the default, `DATA/archive.sqlite`, one host)
/// or `postgresql://USER@HOST:PORT/DB[?host=/socket/dir]` (one log for several seald hosts; see
/// `PostgresArchiveLocation` for the password and the synchronous standby).
public enum ArchiveLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(URL)
    case postgresql(PostgresArchiveLocation)

    /// Parses `--archive URL` or `archive = URL`.
    public init(_ text: String) throws(ServiceError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .invalidArgument("sqlite: needs a path, as in sqlite:/var/lib/seal/archive.sqlite") }
            self = .sqlite(URL(fileURLWithPath: path))
        } else if text.hasPrefix("postgresql:") || text.hasPrefix("postgres:") {
            do { self = .postgresql(try PostgresArchiveLocation(url: text)) } catch { throw .invalidArgument("--archive: \(error.description)") }
        } else {
            throw .invalidArgument("--archive takes sqlite:PATH or postgresql://USER@HOST:PORT/DB, not '\(text)'")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let url): "sqlite:\(url.path)"
        case .postgresql(let location): location.description
        }
    }

    /// Opens the archive (`readOnly` applies to SQLite; a PostgreSQL connection reads and writes).
    func open(readOnly: Bool) throws(ArchiveError) -> any ArchiveStorage {
        switch self {
        case .sqlite(let url): try ArchiveStore(url: url, readOnly: readOnly)
        case .postgresql(let location): try PostgresArchiveStore(location: location)
        }
    }
}
