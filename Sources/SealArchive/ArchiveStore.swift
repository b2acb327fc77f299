public import Foundation

/// The archive's SQLite store: entries, the complete-subtree hashes of the Merkle tree, signed
/// checkpoints, and (private, never exported) the salts that open document commitments.
///
/// WAL journal with synchronous=FULL: once `append` returns, its entries and checkpoint survive a
/// crash or power loss. Every append is one transaction that ends with a new checkpoint, so the
/// stored tree is always exactly the tree of the last checkpoint.
public final class ArchiveStore: ArchiveStorage, @unchecked Sendable {
    let database: SQLiteDatabase
    /// Serializes every use of `database` and `frontier`.
    private let lock = NSLock()
    public let hasher: TreeHasher
    let url: URL
    /// The right edge of the committed tree, loaded on first append.
    var frontier: MerkleFrontier?

    public static let schemaVersion = 3

    /// Versioned migrations: migration N brings the schema from version N-1 to N.
    static let migrations: [String] = [
        """
        CREATE TABLE entries (
            idx INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            data BLOB NOT NULL,
            leaf_hash BLOB NOT NULL,
            signature_hash BLOB,
            committed_at INTEGER NOT NULL
        );
        CREATE INDEX entries_by_signature_hash ON entries(signature_hash);
        CREATE TABLE nodes (
            level INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            size INTEGER PRIMARY KEY,
            root BLOB NOT NULL,
            note TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE salts (
            idx INTEGER PRIMARY KEY,
            salt BLOB NOT NULL
        );
        """,
        // 2: revocations. A document can be revoked once (the primary key refuses a second), the
        // private note never enters the public entry, and CRL entries are found by kind.
        """
        CREATE TABLE document_revocations (
            target_idx INTEGER PRIMARY KEY,
            entry_idx INTEGER NOT NULL
        );
        CREATE TABLE notes (
            idx INTEGER PRIMARY KEY,
            note TEXT NOT NULL
        );
        CREATE INDEX entries_by_kind ON entries(kind, idx);
        """,
        // 3: an index of archived CRLs beside the kind column, so the newest CRL is found two
        // independent ways and one changed row cannot hide it (`latestRevocationList`); and the
        // revocation entries indexed by the target field of their own encoding, so the log side
        // of `documentRevocation(of:)` is a lookup, not a scan (partial: seals pay nothing).
        """
        CREATE TABLE revocation_lists (
            entry_idx INTEGER PRIMARY KEY
        );
        INSERT INTO revocation_lists (entry_idx) SELECT idx FROM entries WHERE kind = 3;
        CREATE INDEX revocations_by_target ON entries(substr(data, 3, 8)) WHERE kind = 2;
        """,
    ]

    /// Opens (creating and migrating when writable) the archive at `url`.
    public init(url: URL, readOnly: Bool = false, hasher: TreeHasher = .sha256) throws(ArchiveError) {
        if readOnly && !FileManager.default.fileExists(atPath: url.path) { throw .notFound("no archive at \(url.path)") }
        database = try SQLiteDatabase(path: url.path, readOnly: readOnly)
        self.hasher = hasher
        self.url = url
        if readOnly {
            // Readers (audits, proofs) map the file instead of copying every page through pread.
            try database.execute("PRAGMA mmap_size = 4294967296")
            var version = try database.userVersion
            if version < Self.schemaVersion {
                // An archive an earlier version wrote: upgraded in place by a writable connection.
                do { _ = try ArchiveStore(url: url, hasher: hasher) } catch {
                    throw .damaged("schema version \(version) needs an upgrade to \(Self.schemaVersion), which needs write access: \(error)")
                }
                version = try database.userVersion
            }
            guard version == Self.schemaVersion else { throw .damaged("schema version \(version), expected \(Self.schemaVersion)") }
        } else {
            try database.execute("PRAGMA journal_mode=WAL")
            try database.execute("PRAGMA synchronous=FULL")
            try migrate()
        }
    }

    private func migrate() throws(ArchiveError) {
        let current = try database.userVersion
        guard current <= Self.migrations.count else { throw .damaged("schema version \(current) is newer than this program") }
        for (offset, sql) in Self.migrations.enumerated().dropFirst(current) {
            try database.transaction { () throws(ArchiveError) in
                try database.execute(sql)
                try database.execute("PRAGMA user_version = \(offset + 1)")
            }
        }
    }

    func locked<T>(_ body: () throws(ArchiveError) -> T) throws(ArchiveError) -> T {
        lock.lock()
        defer {
            // A kept statement left mid-result holds a read transaction on an old snapshot; a
            // long-lived connection would then fail to write after another process committed
            // (SQLITE_BUSY_SNAPSHOT) and keep reading stale data. Every operation ends clean.
            for statement in statements.values { statement.reset() }
            lock.unlock()
        }
        return try body()
    }

    /// Prepared statements, kept for the connection's lifetime (callers hold the lock).
    var statements: [String: Statement] = [:]

    func statement(_ sql: String) throws(ArchiveError) -> Statement {
        if let cached = statements[sql] { return cached }
        let prepared = try database.prepare(sql)
        statements[sql] = prepared
        return prepared
    }
}
