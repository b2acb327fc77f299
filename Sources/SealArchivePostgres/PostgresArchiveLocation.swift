public import Foundation
public import SealArchive
import PostgresNIO

/// Where a PostgreSQL archive is: `postgresql://USER@HOST:PORT/DB`, or with `?host=/socket/dir`
/// for a local socket. The password is never in the URL (a URL ends up in shell history, `ps` and
/// logs): it comes from `passfile=PATH` or `PGPASSFILE`, in libpq's `.pgpass` format.
///
/// `synchronous=require` (the default) makes every append wait, after its COMMIT, until a
/// synchronous standby reports the commit flushed; `synchronous=local` does not (development
/// only: an acknowledged seal then survives only as long as the primary's disk).
public struct PostgresArchiveLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case socket(path: String)
    }

    public let endpoint: Endpoint
    public let user: String
    public let database: String
    public let password: String?
    public let requiresStandby: Bool

    /// The URL without any secret, for messages and logs.
    public let description: String

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ArchiveError) {
        guard let components = URLComponents(string: text), ["postgresql", "postgres"].contains(components.scheme ?? "") else {
            throw .invalidArgument("not a postgresql:// URL: \(text)")
        }
        guard components.password == nil else {
            throw .invalidArgument("the archive URL must not hold a password: put it in a passfile (passfile=PATH or PGPASSFILE)")
        }
        guard let user = components.user, !user.isEmpty else { throw .invalidArgument("the archive URL names no user: postgresql://USER@HOST/DB") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw .invalidArgument("the archive URL names no database: postgresql://USER@HOST/DB") }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["host", "passfile", "synchronous"].contains(item.name), let value = item.value, query[item.name] == nil else {
                throw .invalidArgument("unknown or repeated archive URL parameter '\(item.name)' (host, passfile, synchronous)")
            }
            query[item.name] = value
        }
        let port = components.port ?? 5432
        let host: String
        if let directory = query["host"] {
            guard directory.hasPrefix("/") else { throw .invalidArgument("host= must be a socket directory (an absolute path)") }
            endpoint = .socket(path: "\(directory)/.s.PGSQL.\(port)")
            host = "localhost"
        } else {
            guard let name = components.host, !name.isEmpty else { throw .invalidArgument("the archive URL names no host") }
            endpoint = .tcp(host: name, port: port)
            host = name
        }
        switch query["synchronous"] ?? "require" {
        case "require": requiresStandby = true
        case "local": requiresStandby = false
        case let other: throw .invalidArgument("synchronous=\(other): expected require or local")
        }
        self.user = user
        self.database = database
        let passfile = query["passfile"] ?? environment["PGPASSFILE"]
        password = try passfile.flatMap { file throws(ArchiveError) in
            try Self.password(in: file, host: host, port: port, database: database, user: user)
        }
        var shown = components
        shown.queryItems = components.queryItems?.filter { $0.name != "passfile" }
        if shown.queryItems?.isEmpty == true { shown.queryItems = nil }
        description = shown.string ?? text
    }

    /// The first matching line of a `.pgpass` file (`host:port:database:user:password`, `*`
    /// matching anything, `\:` and `\\` escaped). Like libpq, a file others can read is refused.
    static func password(in path: String, host: String, port: Int, database: String, user: String) throws(ArchiveError) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalidArgument("cannot read the password file \(path)")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw .invalidArgument("the password file \(path) can be read by others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it")
        }
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = [""]
            var escaped = false
            for character in line {
                if escaped { fields[fields.count - 1].append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == ":" && fields.count < 5 { fields.append("") }
                else { fields[fields.count - 1].append(character) }
            }
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    var connection: PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        case .socket(let path):
            configuration = .init(unixSocketPath: path, username: user, password: password, database: database)
        }
        configuration.options.additionalStartupParameters = [("application_name", "seald"), ("synchronous_commit", "on")]
        return configuration
    }
}
