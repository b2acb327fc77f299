public import Foundation

/// The archive's SQLite store: entries, the complete-subtree hashes of the Merkle tree, signed
/// checkpoints, and (private, never exported) the salts that open document commitments.
///
/// WAL journal with synchronous=FULL: once `append` returns, its entries and checkpoint survive a
/// crash or power loss. Every append is one transaction that ends with a new checkpoint, so the
/// stored tree is always exactly the tree of the last checkpoint.
public final class ArchiveStore: StoredNodes, @unchecked Sendable {
    let database: SQLiteDatabase
    /// Serializes every use of `database` and `frontier`.
    private let lock = NSLock()
    let hasher: TreeHasher
    let url: URL
    /// The right edge of the committed tree, loaded on first append.
    private var frontier: MerkleFrontier?

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
        // independent ways and one changed row cannot hide it (`latestRevocationList`).
        """
        CREATE TABLE revocation_lists (
            entry_idx INTEGER PRIMARY KEY
        );
        INSERT INTO revocation_lists (entry_idx) SELECT idx FROM entries WHERE kind = 3;
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

    // MARK: writing

    public struct Appended: Sendable {
        /// Leaf index of each appended entry, in order.
        public let indexes: [Int]
        public let checkpoint: SignedCheckpoint
        /// Each appended entry's inclusion proof against `checkpoint`, when asked for.
        public var proofs: [[TreeHash]] = []
    }

    /// An entry to append, with the salt of its document commitment (kept privately).
    public struct NewEntry: Sendable {
        public let entry: ArchiveEntry
        public let salt: [UInt8]?
        /// Kept privately beside the entry, never in it.
        public let note: String?
        public init(entry: ArchiveEntry, salt: [UInt8]?, note: String? = nil) {
            self.entry = entry
            self.salt = salt
            self.note = note
        }
    }

    /// Appends `entries` and a new checkpoint signed by `signer`, in one transaction. When
    /// `afterRevocationList` is given, the append goes ahead only if the newest archived CRL is
    /// still that entry (nil: none yet), so two writers cannot issue the same CRL number.
    public func append(_ entries: [NewEntry], signer: NoteSigner, now: Date = Date(),
                       afterRevocationList expected: Int?? = .none, withProofs: Bool = false) throws(ArchiveError) -> Appended {
        try locked { () throws(ArchiveError) in
            var millis = Int(now.timeIntervalSince1970 * 1000)
            var tree = MerkleFrontier()
            // The batch's new nodes and the edge it grew from: every proof for a new entry against
            // the new checkpoint reads only these, so proofs need no SQLite reads.
            var batchNodes: [NodeID: TreeHash] = [:]
            var result = try database.transaction { () throws(ArchiveError) -> Appended in
                // A long-lived writer (the daemon) keeps the tree's edge in memory; if another
                // process appended meanwhile, the edge is re-read inside this transaction.
                tree = try loadFrontier()
                if tree.size != (try scalar("SELECT COALESCE(MAX(size), 0) FROM checkpoints")) {
                    frontier = nil
                    tree = try loadFrontier()
                }
                let start = tree.size
                // One commit time per batch, strictly increasing from batch to batch, so the
                // audit can tell every batch's end, and so its checkpoint, from the entries.
                let previous = try statement("SELECT created_at FROM checkpoints ORDER BY size DESC LIMIT 1")
                if try previous.step() { millis = max(millis, previous.int(0) + 1) }
                previous.reset()
                if withProofs { for (node, hash) in tree.nodes { batchNodes[node] = hash } }
                if case .some(let expectedIndex) = expected {
                    let latest = try statement("SELECT MAX(idx) FROM entries WHERE kind = ?")
                    try latest.bind([.integer(Int(ArchiveEntry.Kind.revocationList.rawValue))])
                    let current = try latest.step() && !latest.isNull(0) ? latest.int(0) : nil
                    guard current == expectedIndex else { throw .conflict("another CRL was issued meanwhile") }
                }
                let insertEntry = try statement(
                    "INSERT INTO entries (idx, kind, data, leaf_hash, signature_hash, committed_at) VALUES (?, ?, ?, ?, ?, ?)")
                let insertNode = try statement("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)")
                let insertSalt = try statement("INSERT INTO salts (idx, salt) VALUES (?, ?)")
                let insertNote = try statement("INSERT INTO notes (idx, note) VALUES (?, ?)")
                let insertRevocation = try statement("INSERT INTO document_revocations (target_idx, entry_idx) VALUES (?, ?)")
                let insertRevocationList = try statement("INSERT INTO revocation_lists (entry_idx) VALUES (?)")
                for (offset, item) in entries.enumerated() {
                    let index = start + offset
                    let data = item.entry.encoded
                    let leaf = hasher.leafHash(data)
                    var signatureHash = SQLValue.null
                    if case .seal(let seal) = item.entry { signatureHash = .blob(seal.signatureHash) }
                    try insertEntry.run([.integer(index), .integer(Int(item.entry.kind.rawValue)), .blob(data), .blob(leaf),
                                         signatureHash, .integer(millis)])
                    if let salt = item.salt { try insertSalt.run([.integer(index), .blob(salt)]) }
                    if let note = item.note { try insertNote.run([.integer(index), .text(note)]) }
                    if case .revocationList = item.entry { try insertRevocationList.run([.integer(index)]) }
                    if case .documentRevocation(let revocation) = item.entry {
                        do { try insertRevocation.run([.integer(revocation.target.index), .integer(index)]) } catch {
                            throw .invalidArgument("entry \(revocation.target.index) is already revoked")
                        }
                    }
                    for (node, hash) in tree.append(leafHash: leaf, hasher: hasher) {
                        try insertNode.run([.integer(node.level), .integer(node.index), .blob(hash)])
                        if withProofs { batchNodes[node] = hash }
                    }
                }
                let checkpoint = Checkpoint(origin: signer.verifierKey.name, size: tree.size, rootHash: tree.root(hasher: hasher))
                let note: String
                do { note = try signer.sign(checkpoint.text) } catch { throw .signing("\(error)") }
                try statement("INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)")
                    .run([.integer(tree.size), .blob(checkpoint.rootHash), .text(note), .integer(millis)])
                return Appended(indexes: Array(start..<tree.size), checkpoint: SignedCheckpoint(checkpoint: checkpoint, note: note))
            }
            // Only a committed transaction moves the in-memory tree forward.
            frontier = tree
            if withProofs {
                let reader = BatchReader(nodes: batchNodes, store: UnlockedReader(store: self))
                do {
                    result.proofs = try result.indexes.map {
                        try MerkleProof.inclusionProof(index: $0, size: tree.size, reader: reader, hasher: hasher)
                    }
                } catch { throw .damaged("\(error)") }
            }
            return result
        }
    }

    /// The committed tree's right edge; checks that the last checkpoint covers every entry.
    private func loadFrontier() throws(ArchiveError) -> MerkleFrontier {
        if let frontier { return frontier }
        let count = try scalar("SELECT COUNT(*) FROM entries")
        let checkpointed = try scalar("SELECT COALESCE(MAX(size), 0) FROM checkpoints")
        guard count == checkpointed else {
            throw .damaged("\(count) entries but the last checkpoint covers \(checkpointed); run `seal audit`")
        }
        let loaded: MerkleFrontier
        do { loaded = try MerkleFrontier(size: count, reader: UnlockedReader(store: self)) } catch {
            throw .damaged("tree nodes are missing; run `seal audit`")
        }
        frontier = loaded
        return loaded
    }

    private func scalar(_ sql: String, _ values: [SQLValue] = []) throws(ArchiveError) -> Int {
        let statement = try statement(sql)
        try statement.bind(values)
        guard try statement.step() else { return 0 }
        return statement.int(0)
    }

    // MARK: reading

    /// Number of entries committed (the last checkpoint's size).
    public var size: Int {
        get throws(ArchiveError) { try locked { () throws(ArchiveError) in try scalar("SELECT COALESCE(MAX(size), 0) FROM checkpoints") } }
    }

    /// The newest signed checkpoint note, if any.
    public func latestCheckpoint() throws(ArchiveError) -> StoredCheckpoint? {
        try checkpoints(where: "ORDER BY size DESC LIMIT 1", []).first
    }

    public func checkpoint(size: Int) throws(ArchiveError) -> StoredCheckpoint? {
        try checkpoints(where: "WHERE size = ?", [.integer(size)]).first
    }

    /// Every stored checkpoint, oldest first.
    public func allCheckpoints() throws(ArchiveError) -> [StoredCheckpoint] {
        try checkpoints(where: "ORDER BY size", [])
    }

    /// Checkpoints of size >= `from`, at most `count`, by increasing size.
    public func checkpoints(from: Int, count: Int) throws(ArchiveError) -> [StoredCheckpoint] {
        try checkpoints(where: "WHERE size >= ? ORDER BY size LIMIT ?", [.integer(from), .integer(count)])
    }

    private func checkpoints(where clause: String, _ values: [SQLValue]) throws(ArchiveError) -> [StoredCheckpoint] {
        try locked { () throws(ArchiveError) in
            let statement = try database.prepare("SELECT size, root, note FROM checkpoints \(clause)")
            try statement.bind(values)
            var result: [StoredCheckpoint] = []
            while try statement.step() {
                result.append(StoredCheckpoint(size: statement.int(0), root: statement.blob(1), note: statement.text(2)))
            }
            return result
        }
    }

    /// Entries with index in [from, from + count), in index order (gaps are not filled).
    public func entries(from: Int, count: Int) throws(ArchiveError) -> [StoredEntry] {
        try locked { () throws(ArchiveError) in
            let statement = try database.prepare(
                "SELECT idx, data, leaf_hash, committed_at FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx")
            try statement.bind([.integer(from), .integer(from + count)])
            var result: [StoredEntry] = []
            while try statement.step() {
                result.append(StoredEntry(index: statement.int(0), data: statement.blob(1), leafHash: statement.blob(2),
                                          committedAt: Date(timeIntervalSince1970: Double(statement.int(3)) / 1000)))
            }
            return result
        }
    }

    /// Every entry row in index order, read in batches, for audits and exports (`committedAt` is
    /// not read; the indexed columns are, for the audit to check).
    public func forEachEntry(batch: Int = 4096, _ body: (StoredEntry) throws -> Void) throws {
        var next = Int.min
        while true {
            let rows = try locked { () throws(ArchiveError) -> [StoredEntry] in
                // Audits read every row: only the columns they check, through a kept statement.
                let statement = try statement(
                    "SELECT idx, data, leaf_hash, kind, signature_hash, committed_at FROM entries WHERE idx > ? ORDER BY idx LIMIT ?")
                try statement.bind([.integer(next), .integer(batch)])
                var rows: [StoredEntry] = []
                rows.reserveCapacity(batch)
                while try statement.step() {
                    let indexed = IndexedColumns(kind: statement.int(3), signatureHash: statement.isNull(4) ? nil : statement.blob(4),
                                                 committedAt: statement.int(5))
                    rows.append(StoredEntry(index: statement.int(0), data: statement.blob(1), leafHash: statement.blob(2),
                                            committedAt: .distantPast, indexed: indexed))
                }
                return rows
            }
            guard let last = rows.last else { return }
            for row in rows { try body(row) }
            next = last.index
        }
    }

    /// The entry holding a seal whose signature value hashes to `signatureHash`, with its salt.
    public func find(signatureHash: [UInt8]) throws(ArchiveError) -> (index: Int, salt: [UInt8]?)? {
        try locked { () throws(ArchiveError) in
            let statement = try database.prepare(
                "SELECT e.idx, s.salt FROM entries e LEFT JOIN salts s ON s.idx = e.idx WHERE e.signature_hash = ? ORDER BY e.idx LIMIT 1")
            try statement.bind([.blob(signatureHash)])
            guard try statement.step() else { return nil }
            return (statement.int(0), statement.isNull(1) ? nil : statement.blob(1))
        }
    }

    /// The revocation of entry `target`, with its own index, if there is one.
    ///
    /// A verdict must not hang on one derived row: the revocation is looked up both in the
    /// document-revocation index and among the log's revocation entries themselves (by the
    /// target field of their encoding), and the two must agree.
    public func documentRevocation(of target: Int) throws(ArchiveError) -> (index: Int, revocation: DocumentRevocation)? {
        try locked { () throws(ArchiveError) in
            let indexed = try statement(
                "SELECT e.idx, e.data FROM document_revocations r JOIN entries e ON e.idx = r.entry_idx WHERE r.target_idx = ?")
            try indexed.bind([.integer(target)])
            let byIndex = try indexed.step() ? (indexed.int(0), indexed.blob(1)) : nil
            let logged = try statement("SELECT idx, data FROM entries WHERE kind = ? AND substr(data, 3, 8) = ? ORDER BY idx LIMIT 1")
            var targetField = ByteWriter()
            targetField.u64(UInt64(target))
            try logged.bind([.integer(Int(ArchiveEntry.Kind.documentRevocation.rawValue)), .blob(targetField.bytes)])
            let byLog = try logged.step() ? (logged.int(0), logged.blob(1)) : nil
            guard byIndex?.0 == byLog?.0, byIndex?.1 == byLog?.1 else {
                throw .damaged("the document-revocation index and the log disagree about entry \(target); run `seal audit`")
            }
            guard let (index, data) = byLog else { return nil }
            guard case .documentRevocation(let revocation) = try ArchiveEntry(decoding: data), revocation.target.index == target else {
                throw .damaged("entry \(index) is not a revocation of entry \(target)")
            }
            return (index, revocation)
        }
    }

    /// Every document revocation, oldest first, as the log's entries say; the index must agree.
    public func documentRevocations() throws(ArchiveError) -> [(index: Int, revocation: DocumentRevocation)] {
        let logged: [(index: Int, revocation: DocumentRevocation)] = try entries(ofKind: .documentRevocation).compactMap { index, entry in
            if case .documentRevocation(let revocation) = entry { return (index, revocation) }
            return nil
        }
        let indexed = try documentRevocationIndex()
        let expected = Dictionary(logged.map { ($0.revocation.target.index, $0.index) }, uniquingKeysWith: { first, _ in first })
        guard indexed == expected else {
            throw .damaged("the document-revocation index and the log disagree; run `seal audit`")
        }
        return logged
    }

    /// The document-revocation index as stored: revoked entry → revoking entry.
    public func documentRevocationIndex() throws(ArchiveError) -> [Int: Int] {
        try locked { () throws(ArchiveError) in
            let statement = try statement("SELECT target_idx, entry_idx FROM document_revocations")
            var index: [Int: Int] = [:]
            while try statement.step() { index[statement.int(0)] = statement.int(1) }
            return index
        }
    }

    /// The newest archived CRL, with its entry index. Found by the kind column and by the CRL
    /// index; the two must agree, so that no single changed row can hide a newer CRL.
    public func latestRevocationList() throws(ArchiveError) -> (index: Int, crl: [UInt8])? {
        try locked { () throws(ArchiveError) in
            let newest = try statement("SELECT idx, data FROM entries WHERE kind = ? ORDER BY idx DESC LIMIT 1")
            try newest.bind([.integer(Int(ArchiveEntry.Kind.revocationList.rawValue))])
            let byKind = try newest.step() ? newest.int(0) : nil
            let indexed = try statement("SELECT MAX(entry_idx) FROM revocation_lists")
            let byIndex = try indexed.step() && !indexed.isNull(0) ? indexed.int(0) : nil
            guard byKind == byIndex else {
                throw .damaged("the CRL index and the log disagree about the newest CRL; run `seal audit`")
            }
            guard let index = byKind else { return nil }
            guard case .revocationList(let issued) = try ArchiveEntry(decoding: newest.blob(1)) else {
                throw .damaged("entry \(index) is not a CRL")
            }
            return (index, issued.crl)
        }
    }

    /// The CRL index as stored: the entries that hold CRLs.
    public func revocationListIndex() throws(ArchiveError) -> Set<Int> {
        try locked { () throws(ArchiveError) in
            let statement = try statement("SELECT entry_idx FROM revocation_lists")
            var indexes: Set<Int> = []
            while try statement.step() { indexes.insert(statement.int(0)) }
            return indexes
        }
    }

    private func entries(ofKind kind: ArchiveEntry.Kind) throws(ArchiveError) -> [(Int, ArchiveEntry)] {
        try locked { () throws(ArchiveError) in
            let statement = try database.prepare("SELECT idx, data FROM entries WHERE kind = ? ORDER BY idx")
            try statement.bind([.integer(Int(kind.rawValue))])
            var result: [(Int, ArchiveEntry)] = []
            while try statement.step() { result.append((statement.int(0), try ArchiveEntry(decoding: statement.blob(1)))) }
            return result
        }
    }

    /// The private note kept with entry `index`.
    public func note(of index: Int) throws(ArchiveError) -> String? {
        try locked { () throws(ArchiveError) in
            let statement = try statement("SELECT note FROM notes WHERE idx = ?")
            try statement.bind([.integer(index)])
            return try statement.step() ? statement.text(0) : nil
        }
    }

    /// Stored complete-subtree hashes, read in one query.
    public func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
        try locked { () throws(ArchiveError) in try UnlockedReader(store: self).nodes(ids) }
    }

    /// Reads nodes for code that already holds the lock.
    /// A batch's nodes in memory, falling back to the store for any other node.
    private struct BatchReader: HashReader {
        let nodes: [NodeID: TreeHash]
        let store: UnlockedReader

        func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
            let known = ids.compactMap { nodes[$0] }
            return known.count == ids.count ? known : try store.readHashes(ids)
        }
    }

    private struct UnlockedReader: HashReader {
        let store: ArchiveStore

        func readHashes(_ ids: [NodeID]) throws -> [TreeHash] { try nodes(ids) }

        /// Reads on the primary key only: a range scan for each run of consecutive indexes on a
        /// level (audits read whole runs), a point lookup otherwise (proofs read scattered nodes).
        func nodes(_ ids: [NodeID]) throws(ArchiveError) -> [TreeHash] {
            guard !ids.isEmpty else { return [] }
            var found: [NodeID: TreeHash] = [:]
            found.reserveCapacity(ids.count)
            let sorted = Array(Set(ids)).sorted()
            var start = 0
            while start < sorted.count {
                var end = start
                while end + 1 < sorted.count, sorted[end + 1].level == sorted[start].level,
                      sorted[end + 1].index == sorted[end].index + 1 { end += 1 }
                let level = sorted[start].level
                if end - start >= 3 {
                    let statement = try store.statement("SELECT idx, hash FROM nodes WHERE level = ? AND idx BETWEEN ? AND ?")
                    try statement.bind([.integer(level), .integer(sorted[start].index), .integer(sorted[end].index)])
                    while try statement.step() { found[NodeID(level: level, index: statement.int(0))] = statement.blob(1) }
                } else {
                    let statement = try store.statement("SELECT hash FROM nodes WHERE level = ? AND idx = ?")
                    for node in sorted[start...end] {
                        try statement.bind([.integer(node.level), .integer(node.index)])
                        if try statement.step() { found[node] = statement.blob(0) }
                    }
                }
                start = end + 1
            }
            var hashes: [TreeHash] = []
            hashes.reserveCapacity(ids.count)
            for id in ids {
                guard let hash = found[id] else { throw .damaged("tree node \(id) is missing") }
                hashes.append(hash)
            }
            return hashes
        }
    }

    /// Prepared statements, kept for the connection's lifetime (callers hold the lock).
    private var statements: [String: Statement] = [:]

    func statement(_ sql: String) throws(ArchiveError) -> Statement {
        if let cached = statements[sql] { return cached }
        let prepared = try database.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    public func firstMismatch(level: Int, from start: Int, expected: [TreeHash]) throws -> Int? {
        try locked { () throws(ArchiveError) -> Int? in
            let statement = try statement("SELECT idx, hash FROM nodes WHERE level = ? AND idx BETWEEN ? AND ? ORDER BY idx")
            try statement.bind([.integer(level), .integer(start), .integer(start + expected.count - 1)])
            var next = start
            while try statement.step() {
                guard statement.int(0) == next, statement.blobEquals(1, expected[next - start]) else { return next }
                next += 1
            }
            return next == start + expected.count ? nil : next
        }
    }

    // MARK: proofs

    public func inclusionProof(index: Int, size: Int) throws -> [TreeHash] {
        try MerkleProof.inclusionProof(index: index, size: size, reader: self, hasher: hasher)
    }

    public func consistencyProof(from first: Int, to second: Int) throws -> [TreeHash] {
        try MerkleProof.consistencyProof(first: first, second: second, reader: self, hasher: hasher)
    }

    public func rootHash(size: Int) throws -> TreeHash {
        try MerkleProof.rootHash(size: size, reader: self, hasher: hasher)
    }
}

/// One stored entry row.
public struct StoredEntry: Sendable, Equatable {
    public let index: Int
    public let data: [UInt8]
    public let leafHash: TreeHash
    public let committedAt: Date
    /// What the store derived from the entry, when read from a store (not from an export).
    public let indexed: IndexedColumns?

    public init(index: Int, data: [UInt8], leafHash: TreeHash, committedAt: Date, indexed: IndexedColumns? = nil) {
        self.index = index
        self.data = data
        self.leafHash = leafHash
        self.committedAt = committedAt
        self.indexed = indexed
    }
}

/// The columns a store keeps beside an entry for lookups, none covered by the log: the audit
/// proves each equal to what the entry says.
public struct IndexedColumns: Sendable, Equatable {
    /// The entry kind, by which CRLs and revocations are found.
    public let kind: Int
    /// The sealed signature's hash, by which seals are found (NULL for other kinds).
    public let signatureHash: [UInt8]?
    /// The commit time in milliseconds: one value per append, strictly increasing per batch.
    public let committedAt: Int

    public init(kind: Int, signatureHash: [UInt8]?, committedAt: Int) {
        self.kind = kind
        self.signatureHash = signatureHash
        self.committedAt = committedAt
    }
}

/// One stored checkpoint row (the note is verified by whoever relies on it).
public struct StoredCheckpoint: Sendable, Equatable {
    public let size: Int
    public let root: TreeHash
    public let note: String

    public init(size: Int, root: TreeHash, note: String) {
        self.size = size
        self.root = root
        self.note = note
    }
}
