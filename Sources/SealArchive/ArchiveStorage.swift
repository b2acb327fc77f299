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

    /// Takes the log's write lock for the calling thread's next `append`, so that a writer can
    /// choose its batch after waiting for the lock: with several writers on one log, what arrives
    /// during the wait then goes into this batch instead of waiting for the next. The next
    /// `append` on this thread uses and releases it; `releaseAppendLock` releases it if none came.
    /// A failure here is not reported: the `append` then tries again and reports it.
    func lockForAppend()
    /// Releases what `lockForAppend` took, if the calling thread still holds it.
    func releaseAppendLock()
}

extension ArchiveStorage {
    /// One process writes a SQLite archive: there is no lock worth taking early.
    public func lockForAppend() {}
    public func releaseAppendLock() {}

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
