public import Foundation
public import SealCore

/// The database an archive lives in: the log's entries, the complete-subtree hashes of its Merkle
/// tree and its signed checkpoints, the private salts and notes beside them, and the lookup tables
/// that find seals, revocations and CRLs. `ArchiveStore` keeps them in SQLite, for one host; a
/// PostgreSQL store (module `SealArchivePostgres`) lets several hosts append to one log. Whatever
/// the backend: every append is one transaction that assigns dense indices from the stored tree
/// size and ends with a checkpoint of exactly the stored tree.
public protocol ArchiveStorage: AnyObject, AuditSource, ExportSource, StoredNodes {
    /// Number of entries committed (the last checkpoint's size).
    var size: Int { get throws(ArchiveError) }

    /// Appends `entries` and a new checkpoint signed by `signer`, in one transaction. When
    /// `afterRevocationList` is given, the append goes ahead only if the newest archived CRL is
    /// still that entry (nil: none yet), so two writers cannot issue the same CRL number.
    func append(_ entries: [NewArchiveEntry], signer: NoteSigner, now: Date, afterRevocationList expected: Int??,
                withProofs: Bool) throws(ArchiveError) -> AppendedBatch

    /// The newest signed checkpoint note, if any.
    func latestCheckpoint() throws(ArchiveError) -> StoredCheckpoint?
    func checkpoint(size: Int) throws(ArchiveError) -> StoredCheckpoint?
    /// Checkpoints by increasing size, from the `from`-th on.
    func checkpoints(from: Int, count: Int) throws(ArchiveError) -> [StoredCheckpoint]
    /// Entries [from, from + count).
    func entries(from: Int, count: Int) throws(ArchiveError) -> [StoredEntry]
    /// The seal whose signature value hashes to `signatureHash`, with its salt.
    func find(signatureHash: [UInt8]) throws(ArchiveError) -> (index: Int, salt: [UInt8]?)?
    /// The revocation of entry `target`, if any, checked against the entry's own encoding.
    func documentRevocation(of target: Int) throws(ArchiveError) -> (index: Int, revocation: DocumentRevocation)?
    func documentRevocations() throws(ArchiveError) -> [(index: Int, revocation: DocumentRevocation)]
    /// Revoked entry → the entry revoking it, from the lookup table.
    func documentRevocationIndex() throws(ArchiveError) -> [Int: Int]
    /// The newest archived CRL.
    func latestRevocationList() throws(ArchiveError) -> (index: Int, crl: [UInt8])?
    /// The entries holding CRLs, from the lookup table.
    func revocationListIndex() throws(ArchiveError) -> Set<Int>
    /// The private note kept beside entry `index`.
    func note(of index: Int) throws(ArchiveError) -> String?

    /// The tree hasher (RFC 9162 SHA-256).
    var hasher: TreeHasher { get }

    /// `append` for a writer that chooses its batch once it holds the log's write lock: `choose`
    /// is called then, on whatever thread holds it, and the append goes on with what it returns.
    /// With several writers on one log, what arrives while the others hold the lock then joins
    /// this batch instead of waiting for the next. If the append fails before `choose` is
    /// called, it is not called.
    func append(choosing choose: @escaping @Sendable () throws(ArchiveError) -> ChosenBatch, signer: NoteSigner, now: Date,
                withProofs: Bool) throws(ArchiveError) -> AppendedBatch
}

extension ArchiveStorage {
    /// One process writes a SQLite archive: there is nobody to wait for, and the batch is chosen
    /// first.
    public func append(choosing choose: @escaping @Sendable () throws(ArchiveError) -> ChosenBatch, signer: NoteSigner, now: Date,
                       withProofs: Bool) throws(ArchiveError) -> AppendedBatch {
        let chosen = try choose()
        return try append(chosen.entries, signer: signer, now: now, afterRevocationList: chosen.afterRevocationList, withProofs: withProofs)
    }

    public func append(_ entries: [NewArchiveEntry], signer: NoteSigner, now: Date = Date(),
                       withProofs: Bool = false) throws(ArchiveError) -> AppendedBatch {
        try append(entries, signer: signer, now: now, afterRevocationList: .none, withProofs: withProofs)
    }

    // Proofs are read from the stored nodes, whatever holds them.
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

/// An entry to append, with the salt of its document commitment (kept privately).
public struct NewArchiveEntry: Sendable {
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

/// What an append wrote.
public struct AppendedBatch: Sendable {
    /// Leaf index of each appended entry, in order.
    public let indexes: [Int]
    /// Each appended entry's leaf hash, in order (computed once, as the entries were stored).
    public let leafHashes: [TreeHash]
    public let checkpoint: SignedCheckpoint
    /// Each appended entry's inclusion proof against `checkpoint`, when asked for.
    public var proofs: [[TreeHash]] = []

    public init(indexes: [Int], leafHashes: [TreeHash], checkpoint: SignedCheckpoint, proofs: [[TreeHash]] = []) {
        self.indexes = indexes
        self.leafHashes = leafHashes
        self.checkpoint = checkpoint
        self.proofs = proofs
    }
}

/// The entries a writer chose once it held the log's lock (see `append(choosing:…)`), with the
/// CRL condition of `append(_:signer:now:afterRevocationList:withProofs:)`.
public struct ChosenBatch: Sendable {
    public let entries: [NewArchiveEntry]
    public let afterRevocationList: Int??

    public init(entries: [NewArchiveEntry], afterRevocationList: Int?? = .none) {
        self.entries = entries
        self.afterRevocationList = afterRevocationList
    }
}
