import Foundation

/// A throwaway PostgreSQL primary with a synchronous standby (`Scripts/postgres-dev.sh`), started
/// once per test process and stopped at its exit; each test gets a database of its own.
/// Without PostgreSQL on the machine the PostgreSQL cases are skipped, unless
/// `SEAL_REQUIRE_POSTGRES=1` (CI) makes that a failure.
public enum PostgresFixture {
    static let binaries = "/usr/lib/postgresql/15/bin"
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb") || ProcessInfo.processInfo.environment["SEAL_REQUIRE_POSTGRES"] == "1"
    }

    public struct Cluster: Sendable {
        public let directory: String
        public let url: String
        public var socket: String { directory + "/sock" }
        public init(directory: String, url: String) {
            self.directory = directory
            self.url = url
        }
        public var port: String { String(url.split(separator: ":")[2].split(separator: "/")[0]) }
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// Starts a cluster in a directory of its own under /tmp (the postgres user must reach it).
    public static func start() throws -> Cluster {
        let directory = "/tmp/seal-pg-\(UUID().uuidString.prefix(8))"
        let output = try TestSupport.run(TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path, ["start", directory])
        guard output.status == 0, let url = output.stdout.split(separator: "\n").last.map(String.init) else {
            throw Failure(description: "postgres-dev.sh start: \(output.stderr)")
        }
        return Cluster(directory: directory, url: url)
    }

    public static func stop(_ cluster: Cluster) {
        _ = try? TestSupport.run(TestSupport.repository.appendingPathComponent("Scripts/postgres-dev.sh").path, ["stop", cluster.directory])
    }

    /// The shared cluster, stopped when the test process exits.
    public static let shared: Result<Cluster, Failure> = {
        do {
            let cluster = try start()
            sharedDirectory = cluster.directory
            atexit {
                if let directory = PostgresFixture.sharedDirectory {
                    PostgresFixture.stop(Cluster(directory: directory, url: ""))
                }
            }
            return .success(cluster)
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()
    nonisolated(unsafe) static var sharedDirectory: String?

    /// Runs SQL as the postgres superuser on `database` of `cluster`.
    @discardableResult
    public static func sql(_ statement: String, database: String = "postgres", cluster: Cluster) throws -> String {
        let output = try TestSupport.run("\(binaries)/psql", ["-Atq", "-v", "ON_ERROR_STOP=1", "-h", cluster.socket, "-p", cluster.port,
                                                              "-U", "postgres", "-d", database, "-c", statement])
        guard output.status == 0 else { throw Failure(description: "psql: \(output.stderr)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The archive in `database` as a restore from an older backup would leave it: everything
    /// after its checkpoint of `size` gone.
    public static func rollBack(to size: Int, database: String, cluster: Cluster) throws {
        try sql("""
            BEGIN; DELETE FROM entries WHERE idx >= \(size); DELETE FROM salts WHERE idx >= \(size); DELETE FROM notes WHERE idx >= \(size);
            DELETE FROM document_revocations WHERE entry_idx >= \(size); DELETE FROM revocation_lists WHERE entry_idx >= \(size);
            DELETE FROM checkpoints WHERE size > \(size); DELETE FROM nodes WHERE (idx + 1) * (1::bigint << level) > \(size);
            UPDATE tree_head SET size = \(size), root = (SELECT root FROM checkpoints WHERE size = \(size)), frontier = NULL; COMMIT;
            """, database: database, cluster: cluster)
    }

    /// A new empty database on the shared cluster, and its archive URL.
    public static func freshDatabase() throws -> (url: String, database: String, cluster: Cluster) {
        let cluster = try shared.get()
        let name = "seal_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try sql("CREATE DATABASE \(name)", cluster: cluster)
        return (cluster.url.replacingOccurrences(of: "/postgres?", with: "/\(name)?"), name, cluster)
    }
}
