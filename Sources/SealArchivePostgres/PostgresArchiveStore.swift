public import Foundation
public import SealArchive
public import SealCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO

/// The archive in PostgreSQL, for several seald instances appending to one log.
///
/// Each append is one transaction that locks the tree head row (`SELECT … FOR UPDATE`, READ
/// COMMITTED: a waiter re-reads the newest head), takes dense indices from its size, writes
/// entries, nodes and the signed checkpoint, and moves the head with a compare-and-set. No index
/// comes from a sequence (an aborted transaction would leave a gap). After COMMIT, when the
/// location asks for it, the append waits until a synchronous standby reports the commit's WAL
/// flushed: PostgreSQL reports a cancelled wait for the standby only as a warning, which the
/// client library drops, so COMMIT returning is not enough.
///
/// Every instance remembers the head it last saw and refuses to append to a head that does not
/// extend it (smaller, or the same size with another root, or a different tree below it): after
/// a bad failover or a restore from an older backup the log halts instead of forking.
///
/// One connection per store; the methods block their caller (the service's threads, never an
/// event loop) while the queries run on the connection's event loop.
public final class PostgresArchiveStore: ArchiveStorage, @unchecked Sendable {
    public let hasher: TreeHasher
    public let location: PostgresArchiveLocation
    let connection: PostgresConnection
    let logger = Logger(label: "seal.archive.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Serializes every use of the connection, `frontier` and `lastSeen`.
    private let lock = NSLock()
    /// The right edge of the tree at `lastSeen`, kept between appends.
    private var frontier: MerkleFrontier?
    /// The newest head this store has read or written.
    private(set) var lastSeen: (size: Int, root: TreeHash)?

    public static let schemaVersion = 1
    private static let connectionIDs = NIOLockedValueBox(0)

    /// The schema, created once by whichever instance comes first (under a transaction-scoped
    /// advisory lock, so that two starting together do not race). The revocation lookup reads
    /// the target field of the revocation's own encoding, as in SQLite, so that no single derived
    /// row can hide a revocation.
    static let schema = """
        CREATE TABLE seal_schema (version int NOT NULL);
        CREATE TABLE tree_head (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL);
        CREATE TABLE entries (
            idx bigint PRIMARY KEY, kind int NOT NULL, data bytea NOT NULL, leaf_hash bytea NOT NULL,
            signature_hash bytea, committed_at bigint NOT NULL);
        CREATE INDEX entries_by_signature_hash ON entries (signature_hash);
        CREATE INDEX entries_by_kind ON entries (kind, idx);
        CREATE INDEX revocations_by_target ON entries (substring(data from 3 for 8)) WHERE kind = 2;
        CREATE TABLE nodes (level int NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
        CREATE TABLE checkpoints (size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL, created_at bigint NOT NULL);
        CREATE TABLE salts (idx bigint PRIMARY KEY, salt bytea NOT NULL);
        CREATE TABLE notes (idx bigint PRIMARY KEY, note text NOT NULL);
        CREATE TABLE document_revocations (target_idx bigint PRIMARY KEY, entry_idx bigint NOT NULL);
        CREATE TABLE revocation_lists (entry_idx bigint PRIMARY KEY);
        """

    /// Connects to `location`, creating the schema when the database has none.
    public init(location: PostgresArchiveLocation, hasher: TreeHasher = .sha256) throws(ArchiveError) {
        self.location = location
        self.hasher = hasher
        let id = Self.connectionIDs.withLockedValue { $0 += 1; return $0 }
        let logger = self.logger
        let group = MultiThreadedEventLoopGroup.singleton
        do {
            connection = try Self.wait {
                try await PostgresConnection.connect(on: group.any(), configuration: location.connection, id: id, logger: logger)
            }
        } catch {
            throw .unavailable("cannot connect to \(location): \(Self.describe(error))")
        }
        try createSchema()
    }

    /// postgres-nio requires a connection closed before it goes (it asserts so); the store is
    /// dropped on the service's threads, never on the connection's event loop.
    deinit {
        if connection.eventLoop.inEventLoop { connection.close().whenComplete { _ in } } else { try? connection.close().wait() }
    }

    // MARK: running queries

    /// Runs `body` on the connection and waits for it (callers hold the lock).
    func blocking<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws(ArchiveError) -> T {
        let (connection, logger) = (self.connection, self.logger)
        do {
            return try Self.wait { try await body(connection, logger) }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw Self.archiveError(error)
        }
    }

    func locked<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws(ArchiveError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try blocking(body)
    }

    /// Runs `body` to its end and returns what it returned, blocking the calling thread. The task
    /// runs on `executor`, never on the cooperative pool: a caller that is itself a cooperative
    /// thread (a test, an async front end) would otherwise wait for a thread it holds.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox<T>()
        Task(executorPreference: executor) {
            do { outcome.value = .success(try await body()) } catch { outcome.value = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome.value!.get()
    }

    static let executor = DispatchTaskExecutor()

    /// A Task executor on Dispatch's global threads.
    final class DispatchTaskExecutor: TaskExecutor {
        private let queue = DispatchQueue(label: "seal.archive.postgres", attributes: .concurrent)
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    /// Written by the task before it signals, read by the waiter after.
    final class OutcomeBox<T>: @unchecked Sendable {
        var value: Result<T, any Error>?
    }

    /// A lost connection or server error: the archive is unavailable (503), not damaged.
    static func archiveError(_ error: any Error) -> ArchiveError {
        // Refused inside the transaction (rolled back): the refusal itself.
        if let error = error as? PostgresTransactionError, let refusal = error.closureError as? ArchiveError, error.rollbackError == nil {
            return refusal
        }
        if let error = error as? PostgresTransactionError, error.commitError != nil {
            return .unavailable("the outcome of a commit is unknown: \(describe(error.commitError!))")
        }
        return .unavailable(describe(error))
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return "PostgreSQL: \(message)" }
            return "PostgreSQL: \(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return describe(error.commitError ?? error.closureError ?? error.beginError ?? error.rollbackError ?? error)
        }
        return "\(error)"
    }

    private func createSchema() throws(ArchiveError) {
        try locked { connection, logger in
            try await connection.withTransaction(logger: logger) { transaction in
                try await transaction.query("SELECT pg_advisory_xact_lock(7339014)", logger: logger)
                let exists = try await transaction.query("SELECT to_regclass('seal_schema') IS NOT NULL", logger: logger)
                var found = false
                for try await present in exists.decode(Bool.self) { found = present }
                if !found {
                    for statement in Self.schema.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                    where !statement.isEmpty {
                        try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await transaction.query("INSERT INTO seal_schema (version) VALUES (\(Self.schemaVersion))", logger: logger)
                    try await transaction.query("INSERT INTO tree_head (id, size, root) VALUES (1, 0, \(ByteBuffer(bytes: TreeHasher.sha256.emptyRoot)))",
                                                logger: logger)
                }
                let versions = try await transaction.query("SELECT version FROM seal_schema", logger: logger)
                for try await version in versions.decode(Int.self) where version != Self.schemaVersion {
                    throw ArchiveError.damaged("schema version \(version), expected \(Self.schemaVersion)")
                }
            }
        }
    }
}

// MARK: - appending

extension PostgresArchiveStore {
    public func append(_ entries: [NewArchiveEntry], signer: NoteSigner, now: Date, afterRevocationList expected: Int??,
                       withProofs: Bool) throws(ArchiveError) -> AppendedBatch {
        lock.lock()
        defer { lock.unlock() }
        let (known, remembered, hasher) = (frontier, lastSeen, self.hasher)
        let outcome = try blocking { connection, logger in
            try await connection.withTransaction(logger: logger) { transaction in
                try await Self.append(entries, signer: signer, now: now, expectedRevocationList: expected, withProofs: withProofs,
                                      known: known, remembered: remembered, hasher: hasher, on: transaction, logger: logger)
            }
        }
        frontier = outcome.frontier
        lastSeen = (outcome.frontier.size, outcome.batch.checkpoint.checkpoint.rootHash)
        if location.requiresStandby { try awaitStandby() }
        return outcome.batch
    }

    struct Outcome: Sendable {
        let batch: AppendedBatch
        let frontier: MerkleFrontier
    }

    /// The critical section, inside the transaction.
    static func append(_ entries: [NewArchiveEntry], signer: NoteSigner, now: Date, expectedRevocationList expected: Int??,
                       withProofs: Bool, known: MerkleFrontier?, remembered: (size: Int, root: TreeHash)?, hasher: TreeHasher,
                       on connection: PostgresConnection, logger: Logger) async throws -> Outcome {
        var head: (size: Int, root: [UInt8])?
        for try await (size, root) in try await connection.query("SELECT size, root FROM tree_head WHERE id = 1 FOR UPDATE", logger: logger)
            .decode((Int, ByteBuffer).self) { head = (size, Array(buffer: root)) }
        guard let head else { throw ArchiveError.damaged("the tree head row is missing") }
        let reader = TransactionReader(connection: connection, logger: logger)
        // The head must extend what this instance saw last; else a failover or a restore went
        // back in time or forked, and signing on would make two histories.
        if let remembered {
            let extends: Bool
            if head.size < remembered.size {
                extends = false
            } else if head.size == remembered.size {
                extends = head.root == remembered.root
            } else {
                extends = (try? await reader.rootHash(size: remembered.size, hasher: hasher)) == remembered.root
            }
            guard extends else {
                throw ArchiveError.halted("the database's log (size \(head.size)) does not extend the log this instance saw "
                    + "(size \(remembered.size)); a failover or restore went back in time or forked it, and nothing more is signed")
            }
        }
        var tree: MerkleFrontier
        if let known, known.size == head.size {
            tree = known
        } else {
            tree = try await reader.frontier(size: head.size, hasher: hasher)
        }
        guard tree.root(hasher: hasher) == head.root else { throw ArchiveError.damaged("the stored tree does not match the tree head; run `seal audit`") }
        if case .some(let expectedIndex) = expected {
            var current: Int?
            for try await index in try await connection.query(
                "SELECT max(idx) FROM entries WHERE kind = \(Int(ArchiveEntry.Kind.revocationList.rawValue))", logger: logger).decode(Int?.self) {
                current = index
            }
            guard current == expectedIndex else { throw ArchiveError.conflict("another CRL was issued meanwhile") }
        }
        // One commit time per batch, strictly increasing from batch to batch.
        var millis = Int(now.timeIntervalSince1970 * 1000)
        for try await previous in try await connection.query("SELECT max(created_at) FROM checkpoints", logger: logger).decode(Int?.self) {
            if let previous { millis = max(millis, previous + 1) }
        }
        let start = tree.size
        var batchNodes: [NodeID: TreeHash] = [:]
        if withProofs { for (node, hash) in tree.nodes { batchNodes[node] = hash } }
        var rows = (idx: [Int](), kind: [Int](), data: [ByteBuffer](), leaf: [ByteBuffer](), signature: [ByteBuffer]())
        var nodeRows = (level: [Int](), idx: [Int](), hash: [ByteBuffer]())
        var salts = (idx: [Int](), salt: [ByteBuffer]())
        var notes = (idx: [Int](), note: [String]())
        var revocations = (target: [Int](), entry: [Int]())
        var revocationLists: [Int] = []
        var leaves: [TreeHash] = []
        for (offset, item) in entries.enumerated() {
            let index = start + offset
            let data = item.entry.encoded
            let leaf = hasher.leafHash(data)
            leaves.append(leaf)
            rows.idx.append(index)
            rows.kind.append(Int(item.entry.kind.rawValue))
            rows.data.append(ByteBuffer(bytes: data))
            rows.leaf.append(ByteBuffer(bytes: leaf))
            // An empty value stands for NULL (NULLIF below): arrays of optionals do not bind.
            if case .seal(let seal) = item.entry { rows.signature.append(ByteBuffer(bytes: seal.signatureHash)) } else { rows.signature.append(ByteBuffer()) }
            if let salt = item.salt { salts.idx.append(index); salts.salt.append(ByteBuffer(bytes: salt)) }
            if let note = item.note { notes.idx.append(index); notes.note.append(note) }
            if case .revocationList = item.entry { revocationLists.append(index) }
            if case .documentRevocation(let revocation) = item.entry {
                guard !revocations.target.contains(revocation.target.index) else {
                    throw ArchiveError.invalidArgument("entry \(revocation.target.index) is already revoked")
                }
                revocations.target.append(revocation.target.index)
                revocations.entry.append(index)
            }
            for (node, hash) in tree.append(leafHash: leaf, hasher: hasher) {
                nodeRows.level.append(node.level)
                nodeRows.idx.append(node.index)
                nodeRows.hash.append(ByteBuffer(bytes: hash))
                if withProofs { batchNodes[node] = hash }
            }
        }
        if !revocations.target.isEmpty {
            for try await revoked in try await connection.query(
                "SELECT target_idx FROM document_revocations WHERE target_idx = ANY(\(revocations.target)::int8[]) LIMIT 1", logger: logger).decode(Int.self) {
                throw ArchiveError.invalidArgument("entry \(revoked) is already revoked")
            }
        }
        let checkpoint = Checkpoint(origin: signer.verifierKey.name, size: tree.size, rootHash: tree.root(hasher: hasher))
        let note: String
        do { note = try signer.sign(checkpoint.text) } catch { throw ArchiveError.signing("\(error)") }
        let rootBuffer = ByteBuffer(bytes: checkpoint.rootHash)
        // Every write in one statement: one round trip inside the lock. Only an empty batch can
        // meet a checkpoint of its size (two instances signing the empty tree as they start):
        // the same key signs the same text to the same note (Ed25519 is deterministic).
        let moved = try await connection.query("""
            WITH e AS (INSERT INTO entries (idx, kind, data, leaf_hash, signature_hash, committed_at)
                       SELECT i, k, d, l, NULLIF(s, '\\x'::bytea), \(millis)
                       FROM unnest(\(rows.idx)::int8[], \(rows.kind)::int4[], \(rows.data)::bytea[], \(rows.leaf)::bytea[], \(rows.signature)::bytea[]) AS t(i, k, d, l, s)),
                 n AS (INSERT INTO nodes (level, idx, hash) SELECT * FROM unnest(\(nodeRows.level)::int4[], \(nodeRows.idx)::int8[], \(nodeRows.hash)::bytea[])),
                 s AS (INSERT INTO salts (idx, salt) SELECT * FROM unnest(\(salts.idx)::int8[], \(salts.salt)::bytea[])),
                 o AS (INSERT INTO notes (idx, note) SELECT * FROM unnest(\(notes.idx)::int8[], \(notes.note)::text[])),
                 r AS (INSERT INTO document_revocations (target_idx, entry_idx) SELECT * FROM unnest(\(revocations.target)::int8[], \(revocations.entry)::int8[])),
                 l AS (INSERT INTO revocation_lists (entry_idx) SELECT * FROM unnest(\(revocationLists)::int8[])),
                 c AS (INSERT INTO checkpoints (size, root, note, created_at) VALUES (\(tree.size), \(rootBuffer), \(note), \(millis))
                       ON CONFLICT (size) DO NOTHING)
            UPDATE tree_head SET size = \(tree.size), root = \(rootBuffer) WHERE id = 1 AND size = \(start) RETURNING size
            """, logger: logger)
        var headMoved = false
        for try await _ in moved.decode(Int.self) { headMoved = true }
        // The inserts ran even if the head did not move: throwing rolls them back.
        guard headMoved else { throw ArchiveError.conflict("the tree head moved during the append") }
        var batch = AppendedBatch(indexes: Array(start..<tree.size), leafHashes: leaves,
                                  checkpoint: SignedCheckpoint(checkpoint: checkpoint, note: note))
        if withProofs {
            let proofReader = BatchNodes(nodes: batchNodes)
            batch.proofs = try batch.indexes.map { try MerkleProof.inclusionProof(index: $0, size: tree.size, reader: proofReader, hasher: hasher) }
        }
        return Outcome(batch: batch, frontier: tree)
    }

    /// Waits until a synchronous standby has flushed everything this connection committed, for at
    /// most `timeout`. Past it the outcome is unknown to the caller (the seal is not acknowledged).
    func awaitStandby(timeout: Duration = .seconds(10)) throws(ArchiveError) {
        let deadline = ContinuousClock.now + timeout
        try blocking { connection, logger in
            var lsn = ""
            for try await current in try await connection.query("SELECT pg_current_wal_lsn()::text", logger: logger).decode(String.self) { lsn = current }
            while true {
                var flushed = false
                for try await confirmed in try await connection.query("""
                    SELECT coalesce(bool_or(flush_lsn >= \(lsn)::pg_lsn), false) FROM pg_stat_replication
                    WHERE sync_state IN ('sync', 'quorum')
                    """, logger: logger).decode(Bool.self) { flushed = confirmed }
                if flushed { return }
                guard ContinuousClock.now < deadline else {
                    throw ArchiveError.unavailable("no synchronous standby confirmed the commit within \(timeout); its outcome is unknown")
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }
}

// MARK: - tree nodes

extension PostgresArchiveStore {
    /// Nodes read on a connection inside a transaction.
    struct TransactionReader: Sendable {
        let connection: PostgresConnection
        let logger: Logger

        func nodes(_ ids: [NodeID]) async throws -> [TreeHash] {
            guard !ids.isEmpty else { return [] }
            var found: [NodeID: TreeHash] = [:]
            for try await (level, index, hash) in try await connection.query("""
                SELECT n.level, n.idx, n.hash FROM nodes n
                JOIN unnest(\(ids.map(\.level))::int4[], \(ids.map(\.index))::int8[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx
                """, logger: logger).decode((Int, Int, ByteBuffer).self) {
                found[NodeID(level: level, index: index)] = Array(buffer: hash)
            }
            return try ids.map { id in
                guard let hash = found[id] else { throw ArchiveError.damaged("tree node \(id.level)/\(id.index) is missing; run `seal audit`") }
                return hash
            }
        }

        func frontier(size: Int, hasher: TreeHasher) async throws -> MerkleFrontier {
            let ids = MerkleProof.decompose(0, size)
            let hashes = try await nodes(ids)
            return try MerkleFrontier(size: size, reader: BatchNodes(nodes: Dictionary(zip(ids, hashes), uniquingKeysWith: { first, _ in first })))
        }

        func rootHash(size: Int, hasher: TreeHasher) async throws -> TreeHash {
            try await frontier(size: size, hasher: hasher).root(hasher: hasher)
        }
    }

    /// A batch's nodes in memory: what its proofs against its own checkpoint need.
    struct BatchNodes: HashReader {
        let nodes: [NodeID: TreeHash]
        func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
            try ids.map { id in
                guard let hash = nodes[id] else { throw ArchiveError.damaged("node \(id.level)/\(id.index)") }
                return hash
            }
        }
    }

    public func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
        try locked { connection, logger in try await TransactionReader(connection: connection, logger: logger).nodes(ids) }
    }

    public func firstMismatch(level: Int, from start: Int, expected: [TreeHash]) throws -> Int? {
        let stored = try locked { connection, logger in
            var rows: [(Int, [UInt8])] = []
            for try await (index, hash) in try await connection.query(
                "SELECT idx, hash FROM nodes WHERE level = \(level) AND idx BETWEEN \(start) AND \(start + expected.count - 1) ORDER BY idx",
                logger: logger).decode((Int, ByteBuffer).self) { rows.append((index, Array(buffer: hash))) }
            return rows.map { Pair(index: $0.0, hash: $0.1) }
        }
        var next = start
        for row in stored {
            guard row.index == next, row.hash == expected[next - start] else { return next }
            next += 1
        }
        return next == start + expected.count ? nil : next
    }

    struct Pair: Sendable {
        let index: Int
        let hash: [UInt8]
    }
}
