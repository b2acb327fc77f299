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
/// Each append takes the log's append lock (a session advisory lock) and reads the tree head
/// with the head row locked (READ COMMITTED: a writer waiting for the row reads the newest head),
/// takes dense indices from its size, and writes entries, nodes and the signed checkpoint in one
/// statement that moves the head with a compare-and-set, releases the append lock once it holds
/// the head row, and commits in the same round trip. No index comes from a sequence (an aborted
/// transaction would leave a gap). Three round trips per batch, where a transaction block took
/// five (BEGIN, read, write, COMMIT, standby), and the next writer waits for this commit at the
/// server. After the commit, when the location asks for it, the append waits until a
/// synchronous standby reports the commit's WAL flushed: PostgreSQL reports a cancelled wait for
/// the standby only as a warning, which the client library drops, so a commit returning is not
/// enough.
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
    /// Replaced when the server has closed it (a restart, or a failover behind a stable name);
    /// the fork guard then decides whether the new server's log may be extended. Under `lock`.
    private(set) var connection: PostgresConnection
    /// The call waiting on `connection`, failed at once if the connection closes under it:
    /// postgres-nio leaves a query written to a closed channel unanswered, and a seald whose
    /// database died would otherwise wait for it forever (and never finish a graceful stop).
    private let waiting = NIOLockedValueBox<Waiter?>(nil)
    /// Where every query's task runs (see `EventLoopTaskExecutor`).
    let executor: EventLoopTaskExecutor
    let logger = Logger(label: "seal.archive.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Serializes every use of the connection and `lastSeen`.
    private let lock = NSLock()
    /// The newest head this store has written.
    private(set) var lastSeen: (size: Int, root: TreeHash)?

    /// 2 keeps the tree's right edge and the newest commit time in the head row, so that an
    /// append reads everything it needs with its lock (one round trip instead of four). A version
    /// 1 database gains the two columns, empty, at the next start; the next append fills them.
    /// 3 adds `seal_lock_head`, the append lock and the head in one round trip.
    public static let schemaVersion = 3
    /// The session advisory lock every append holds from reading the head until its write has
    /// taken `commitLock` (7339014 guards creating the schema).
    static let appendLock = 7339015
    /// Held by an append's write to the end of its transaction, commit and standby wait included:
    /// the next append, which may take `appendLock` meanwhile, reads the head only after it.
    static let commitLock = 7339016
    private static let connectionIDs = NIOLockedValueBox(0)

    /// The schema, created once by whichever instance comes first (under a transaction-scoped
    /// advisory lock, so that two starting together do not race). The revocation lookup reads
    /// the target field of the revocation's own encoding, as in SQLite, so that no single derived
    /// row can hide a revocation.
    static let schema = """
        CREATE TABLE seal_schema (version int NOT NULL);
        CREATE TABLE tree_head (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL, frontier bytea, created_at bigint);
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

    /// Takes the append lock, waits for the commit of the append before (its write holds
    /// `commitLock` to its end), then reads the head. A function, so that all of it is one round
    /// trip and the read comes after the locks (in READ COMMITTED each statement has its own
    /// snapshot). It writes nothing: a row lock (`FOR UPDATE`) would give this round trip a
    /// transaction id, and its commit a WAL flush and a wait for the standby. PL/pgSQL keeps its
    /// plans for the session; a SQL function's were made at every call.
    static let lockFunction = """
        CREATE OR REPLACE FUNCTION seal_lock_head(remembered bigint)
        RETURNS TABLE (size bigint, root bytea, frontier bytea, created_at bigint, remembered_root bytea)
        VOLATILE LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_lock(\(appendLock));
            PERFORM pg_advisory_xact_lock(\(commitLock));
            RETURN QUERY SELECT h.size, h.root, h.frontier, h.created_at, (SELECT c.root FROM checkpoints c WHERE c.size = remembered)
                FROM tree_head h WHERE h.id = 1;
        END
        $$
        """

    /// How long an append waits for a synchronous standby to confirm its commit.
    public let standbyTimeout: Duration

    /// Connects to `location`, creating the schema when the database has none.
    public init(location: PostgresArchiveLocation, hasher: TreeHasher = .sha256, standbyTimeout: Duration = .seconds(10)) throws(ArchiveError) {
        self.location = location
        self.hasher = hasher
        self.standbyTimeout = standbyTimeout
        connection = try Self.connect(to: location, logger: logger, failing: waiting)
        executor = EventLoopTaskExecutor(eventLoop: connection.eventLoop)
        try createSchema()
    }

    private static func connect(to location: PostgresArchiveLocation, logger: Logger,
                                failing waiting: NIOLockedValueBox<Waiter?>) throws(ArchiveError) -> PostgresConnection {
        let id = Self.connectionIDs.withLockedValue { $0 += 1; return $0 }
        let connection: PostgresConnection
        do {
            connection = try Self.wait {
                try await PostgresConnection.connect(on: Self.eventLoops.next(), configuration: location.connection, id: id, logger: logger)
            }
        } catch {
            throw .unavailable("cannot connect to \(location): \(Self.describe(error))")
        }
        connection.closeFuture.whenComplete { _ in
            waiting.withLockedValue { $0?.finish(failure: ArchiveError.unavailable("the connection to the database closed")) }
        }
        return connection
    }

    /// postgres-nio requires a connection closed before it goes (it asserts so); the store is
    /// dropped on the service's threads, never on the connection's event loop.
    deinit {
        if connection.eventLoop.inEventLoop { connection.close().whenComplete { _ in } } else { try? connection.close().wait() }
    }

    // MARK: running queries

    /// Runs `body` on the connection and waits for it (callers hold the lock).
    func blocking<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws(ArchiveError) -> T {
        if connection.isClosed { connection = try Self.connect(to: location, logger: logger, failing: waiting) }
        let (connection, logger) = (self.connection, self.logger)
        do {
            return try Self.wait(on: executor, watching: (connection, waiting)) { try await body(connection, logger) }
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
    /// With `watching`, the wait also ends, failed, when that connection closes.
    static func wait<T: Sendable>(on executor: any TaskExecutor = dispatchExecutor,
                                  watching watched: (connection: PostgresConnection, waiting: NIOLockedValueBox<Waiter?>)? = nil,
                                  _ body: @escaping @Sendable () async throws -> T) throws -> T {
        let waiter = Waiter()
        let outcome = OutcomeBox<T>()
        if let watched {
            watched.waiting.withLockedValue { $0 = waiter }
            if watched.connection.isClosed { waiter.finish(failure: ArchiveError.unavailable("the connection to the database closed")) }
        }
        defer { watched?.waiting.withLockedValue { $0 = nil } }
        Task(executorPreference: executor) {
            do { outcome.value = .success(try await body()) } catch { outcome.value = .failure(error) }
            waiter.finish()
        }
        waiter.done.wait()
        if let failure = waiter.failure { throw failure }
        return try outcome.value!.get()
    }

    /// Ended once, by the task or by its connection closing first.
    final class Waiter: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var finished = false
        private(set) var failure: (any Error)?

        func finish(failure: (any Error)? = nil) {
            lock.lock()
            guard !finished else { return lock.unlock() }
            finished = true
            self.failure = failure
            lock.unlock()
            done.signal()
        }
    }

    static let dispatchExecutor = DispatchTaskExecutor()

    /// The archive's connections have an event loop of their own: on the HTTP server's loops a
    /// query's reply waited behind request parsing while the head row stayed locked.
    static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Runs a task's jobs on the connection's event loop: a query's reply resumes the task on the
    /// thread that read it, and the next query leaves from there. Through Dispatch each round
    /// trip cost two thread hops; with three instances and two servers on two cores these hops
    /// were half of the time an append held the head row's lock (`seal-bench postgres`).
    final class EventLoopTaskExecutor: TaskExecutor {
        let eventLoop: any EventLoop
        init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

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
                    try await transaction.query(PostgresQuery(unsafeSQL: Self.lockFunction), logger: logger)
                    try await transaction.query("INSERT INTO seal_schema (version) VALUES (\(Self.schemaVersion))", logger: logger)
                    try await transaction.query("INSERT INTO tree_head (id, size, root) VALUES (1, 0, \(ByteBuffer(bytes: TreeHasher.sha256.emptyRoot)))",
                                                logger: logger)
                }
                var version = 0
                for try await stored in try await transaction.query("SELECT version FROM seal_schema", logger: logger).decode(Int.self) {
                    version = stored
                }
                if version == 1 {
                    try await transaction.query("ALTER TABLE tree_head ADD COLUMN frontier bytea, ADD COLUMN created_at bigint", logger: logger)
                    version = 2
                }
                if version == 2 {
                    try await transaction.query(PostgresQuery(unsafeSQL: Self.lockFunction), logger: logger)
                    try await transaction.query("UPDATE seal_schema SET version = \(Self.schemaVersion)", logger: logger)
                    version = Self.schemaVersion
                }
                guard version == Self.schemaVersion else {
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
        try append(choosing: { ChosenBatch(entries: entries, afterRevocationList: expected) }, signer: signer, now: now, withProofs: withProofs)
    }

    public func append(choosing choose: @escaping @Sendable () throws(ArchiveError) -> ChosenBatch, signer: NoteSigner, now: Date,
                       withProofs: Bool) throws(ArchiveError) -> AppendedBatch {
        lock.lock()
        defer { lock.unlock() }
        let (remembered, hasher, requiresStandby, timeout) = (lastSeen, self.hasher, location.requiresStandby, standbyTimeout)
        // `choose` runs inside the task while this thread waits for it: the batch is taken on the
        // connection's event loop as soon as the lock is granted, with no thread switch between.
        let batch = try blocking { connection, logger in
            let batch: AppendedBatch
            do {
                let head = try await Self.lockedHead(rememberedSize: remembered?.size ?? 0, on: connection, logger: logger)
                let chosen = try choose()
                batch = try await Self.append(chosen.entries, signer: signer, now: now, expectedRevocationList: chosen.afterRevocationList,
                                              withProofs: withProofs, head: head, remembered: remembered, hasher: hasher,
                                              on: connection, logger: logger)
            } catch {
                // The append lock may still be held (a refusal, or a write that failed before it
                // released it); on a lost connection the server has released it already.
                _ = try? await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
                throw error
            }
            // The write's rows arrive before its commit (at the protocol's Sync); the next query
            // is answered only after it, so the commit is known done (or the connection failed).
            if requiresStandby {
                try await Self.awaitStandby(on: connection, logger: logger, timeout: timeout)
            } else {
                try await connection.query("SELECT 1", logger: logger)
            }
            return batch
        }
        // Only a head known durable is remembered: had the standby not confirmed it, a promotion
        // may rightly lose it, and this instance must then go on from the promoted head.
        lastSeen = (batch.checkpoint.checkpoint.size, batch.checkpoint.checkpoint.rootHash)
        return batch
    }

    /// What an append reads under the head row's lock, in one round trip: the head, its right
    /// edge, the newest commit time, and the root of the checkpoint at the size this instance
    /// last saw.
    struct LockedHead: Sendable {
        let size: Int
        let root: [UInt8]
        let frontier: [UInt8]?
        let createdAt: Int?
        let rememberedRoot: [UInt8]?
    }

    /// Takes the append lock and reads the head (the lock is released by the write, or after a
    /// failure).
    static func lockedHead(rememberedSize: Int, on connection: PostgresConnection, logger: Logger) async throws -> LockedHead {
        var head: LockedHead?
        for try await (size, root, frontier, createdAt, rememberedRoot) in try await connection.execute(
            LockedHeadStatement(rememberedSize: rememberedSize), logger: logger) {
            head = LockedHead(size: size, root: Array(buffer: root), frontier: frontier.map { Array(buffer: $0) }, createdAt: createdAt,
                              rememberedRoot: rememberedRoot.map { Array(buffer: $0) })
        }
        guard let head else { throw ArchiveError.damaged("the tree head row is missing") }
        return head
    }

    /// The critical section, under the append lock.
    static func append(_ entries: [NewArchiveEntry], signer: NoteSigner, now: Date, expectedRevocationList expected: Int??,
                       withProofs: Bool, head: LockedHead, remembered: (size: Int, root: TreeHash)?, hasher: TreeHasher,
                       on connection: PostgresConnection, logger: Logger) async throws -> AppendedBatch {
        let reader = TransactionReader(connection: connection, logger: logger)
        // The head must extend what this instance saw last; else a failover or a restore went
        // back in time or forked, and signing on would make two histories.
        if let remembered {
            let extends: Bool
            if head.size < remembered.size {
                extends = false
            } else if head.size == remembered.size {
                extends = head.root == remembered.root
            } else if let root = head.rememberedRoot {
                extends = root == remembered.root
            } else {
                extends = (try? await reader.rootHash(size: remembered.size, hasher: hasher)) == remembered.root
            }
            guard extends else {
                throw ArchiveError.halted("the database's log (size \(head.size)) does not extend the log this instance saw "
                    + "(size \(remembered.size)); a failover or restore went back in time or forked it, and nothing more is signed")
            }
        }
        var tree: MerkleFrontier
        if let stored = head.frontier, let decoded = try? Self.frontier(stored, size: head.size, hasher: hasher),
           decoded.root(hasher: hasher) == head.root {
            tree = decoded
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
        var previous = head.createdAt
        if previous == nil {
            // A head row written before schema version 2, until its first append.
            for try await newest in try await connection.query("SELECT max(created_at) FROM checkpoints", logger: logger).decode(Int?.self) {
                previous = newest
            }
        }
        let millis = max(Int(now.timeIntervalSince1970 * 1000), (previous ?? -1) + 1)
        let start = tree.size
        var batchNodes: [NodeID: TreeHash] = [:]
        if withProofs { for (node, hash) in tree.nodes { batchNodes[node] = hash } }
        var statement = AppendStatement()
        statement.committedAt = millis
        statement.previousSize = start
        var leaves: [TreeHash] = []
        for (offset, item) in entries.enumerated() {
            let index = start + offset
            let data = item.entry.encoded
            let leaf = hasher.leafHash(data)
            leaves.append(leaf)
            statement.entries.idx.append(index)
            statement.entries.kind.append(Int(item.entry.kind.rawValue))
            statement.entries.data.append(ByteBuffer(bytes: data))
            statement.entries.leaf.append(ByteBuffer(bytes: leaf))
            if case .seal(let seal) = item.entry {
                statement.entries.signature.append(ByteBuffer(bytes: seal.signatureHash))
            } else {
                statement.entries.signature.append(ByteBuffer())
            }
            if let salt = item.salt { statement.salts.idx.append(index); statement.salts.salt.append(ByteBuffer(bytes: salt)) }
            if let note = item.note { statement.notes.idx.append(index); statement.notes.note.append(note) }
            if case .revocationList = item.entry { statement.revocationLists.append(index) }
            if case .documentRevocation(let revocation) = item.entry {
                guard !statement.revocations.target.contains(revocation.target.index) else {
                    throw ArchiveError.invalidArgument("entry \(revocation.target.index) is already revoked")
                }
                statement.revocations.target.append(revocation.target.index)
                statement.revocations.entry.append(index)
            }
            for (node, hash) in tree.append(leafHash: leaf, hasher: hasher) {
                statement.nodes.level.append(node.level)
                statement.nodes.idx.append(node.index)
                statement.nodes.hash.append(ByteBuffer(bytes: hash))
                if withProofs { batchNodes[node] = hash }
            }
        }
        let revocationTargets = statement.revocations.target
        if !revocationTargets.isEmpty {
            for try await revoked in try await connection.query(
                "SELECT target_idx FROM document_revocations WHERE target_idx = ANY(\(revocationTargets)::int8[]) LIMIT 1", logger: logger).decode(Int.self) {
                throw ArchiveError.invalidArgument("entry \(revoked) is already revoked")
            }
        }
        let checkpoint = Checkpoint(origin: signer.verifierKey.name, size: tree.size, rootHash: tree.root(hasher: hasher))
        let note: String
        do { note = try signer.sign(checkpoint.text) } catch { throw ArchiveError.signing("\(error)") }
        statement.size = tree.size
        statement.root = ByteBuffer(bytes: checkpoint.rootHash)
        statement.note = note
        statement.frontier = ByteBuffer(bytes: tree.nodes.flatMap(\.1))
        // Every write in one statement: one round trip inside the lock. Only an empty batch can
        // meet a checkpoint of its size (two instances signing the empty tree as they start):
        // the same key signs the same text to the same note (Ed25519 is deterministic).
        let moved = try await connection.execute(statement, logger: logger)
        var headMoved = false
        for try await (_, unlocked) in moved { headMoved = unlocked }
        // Nothing was written (every insert waits for the head to move). A head that moved under
        // the append lock means a writer that does not take it (an older version).
        guard headMoved else { throw ArchiveError.conflict("the tree head moved during the append") }
        var batch = AppendedBatch(indexes: Array(start..<tree.size), leafHashes: leaves,
                                  checkpoint: SignedCheckpoint(checkpoint: checkpoint, note: note))
        if withProofs {
            let proofReader = BatchNodes(nodes: batchNodes)
            batch.proofs = try batch.indexes.map { try MerkleProof.inclusionProof(index: $0, size: tree.size, reader: proofReader, hasher: hasher) }
        }
        return batch
    }

    /// The right edge kept in the head row: the hashes of `MerkleProof.decompose(0, size)`, in
    /// order, concatenated.
    static func frontier(_ bytes: [UInt8], size: Int, hasher: TreeHasher) throws -> MerkleFrontier {
        let ids = MerkleProof.decompose(0, size)
        let width = hasher.emptyRoot.count
        guard bytes.count == ids.count * width else { throw ArchiveError.damaged("the head row's right edge has \(bytes.count) bytes") }
        let hashes = stride(from: 0, to: bytes.count, by: width).map { Array(bytes[$0..<($0 + width)]) }
        return try MerkleFrontier(size: size, reader: BatchNodes(nodes: Dictionary(zip(ids, hashes), uniquingKeysWith: { first, _ in first })))
    }

    /// Waits until a synchronous standby has flushed everything this connection committed, for at
    /// most `timeout`. Past it the outcome is unknown to the caller (the seal is not acknowledged).
    /// The first round trip takes the WAL position and checks it at once: after a COMMIT that
    /// waited for the standby it is normally the only one.
    static func awaitStandby(on connection: PostgresConnection, logger: Logger, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var lsn: String?
        while true {
            var flushed = false
            for try await (position, confirmed) in try await connection.execute(StandbyFlushedStatement(position: lsn), logger: logger) {
                (lsn, flushed) = (position, confirmed)
            }
            if flushed { return }
            guard ContinuousClock.now < deadline else {
                throw ArchiveError.unavailable("no synchronous standby confirmed the commit within \(timeout); its outcome is unknown")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

// MARK: - tree nodes

extension PostgresArchiveStore {
    /// Nodes read on a connection inside a transaction.
    struct TransactionReader: Sendable {
        /// Replaced when the server has closed it (a restart, or a failover behind a stable name);
    /// the fork guard then decides whether the new server's log may be extended. Under `lock`.
    private(set) var connection: PostgresConnection
    /// The call waiting on `connection`, failed at once if the connection closes under it:
    /// postgres-nio leaves a query written to a closed channel unanswered, and a seald whose
    /// database died would otherwise wait for it forever (and never finish a graceful stop).
    private let waiting = NIOLockedValueBox<Waiter?>(nil)
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
