public import Foundation
public import SealCore

/// Looks a seal up in an authority's archive (online verification).
public protocol ArchiveLookup {
    /// A receipt against the newest checkpoint for the seal whose signature value hashes to
    /// `signatureHash`, or nil when the archive does not hold it.
    func receipt(forSignatureHash signatureHash: [UInt8]) throws -> Receipt?
    /// The revocation of entry `index`, if the document was revoked.
    func documentRevocation(ofEntry index: Int) throws -> DocumentRevocation?
}

/// The archive as the service uses it: appends seals and hands out receipts.
public final class Archive: ArchiveLookup, @unchecked Sendable {
    public let store: any ArchiveStorage

    public init(store: any ArchiveStorage) { self.store = store }

    /// A seal to archive, with the digest of its document (the document itself is not needed).
    public struct Item: Sendable {
        public let sealed: SealSigner.Sealed
        public let documentDigest: [UInt8]
        public init(sealed: SealSigner.Sealed, documentDigest: [UInt8]) {
            self.sealed = sealed
            self.documentDigest = documentDigest
        }
        public init(seal: SealSignature, documentDigest: [UInt8]) throws(OpenSSLError) {
            self.init(sealed: try SealSigner.Sealed(seal), documentDigest: documentDigest)
        }
    }

    /// One thing to archive in a batch: a seal (answered with its receipt) or a ready entry such
    /// as a document revocation (answered with its index).
    public enum Pending: Sendable {
        case seal(Item)
        case entry(NewArchiveEntry)
        /// A CRL, archived only while the newest archived CRL is still entry `after` (nil: none),
        /// so no CRL number is issued twice. It is committed alone.
        case revocationList(NewArchiveEntry, after: Int?)

        /// Whether this item must be a batch of its own.
        public var commitsAlone: Bool {
            if case .revocationList = self { return true }
            return false
        }
    }

    public enum Committed: Sendable {
        case receipt(Receipt)
        case index(Int)
    }

    /// Appends the seals in one transaction with one new checkpoint and returns each seal's receipt
    /// against that checkpoint, in order. Nothing is appended if any item is unusable.
    public func append(_ items: [Item], signer: NoteSigner) throws(ArchiveError) -> [Receipt] {
        var receipts: [Receipt] = []
        for committed in try append(items.map { .seal($0) }, signer: signer) {
            guard case .receipt(let receipt) = committed else { throw .damaged("a seal was answered without a receipt") }
            receipts.append(receipt)
        }
        return receipts
    }

    /// Appends a mixed batch in one transaction with one new checkpoint (group commit): every
    /// item is durable when this returns, and each seal's receipt is against that checkpoint.
    public func append(_ pending: [Pending], signer: NoteSigner, now: Date = Date()) throws(ArchiveError) -> [Committed] {
        try append(choosing: { pending }, signer: signer, now: now)
    }

    /// `append` for a writer that chooses its batch once it holds the log's write lock (see
    /// `ArchiveStorage.append(choosing:…)`); the answers are in the order `choose` gave.
    public func append(choosing choose: @escaping @Sendable () -> [Pending], signer: NoteSigner, now: Date = Date()) throws(ArchiveError) -> [Committed] {
        let chosen = Chosen()
        let appended = try store.append(choosing: { () throws(ArchiveError) -> ChosenBatch in
            let pending = choose()
            let batch = try Self.entries(for: pending)
            chosen.pending = pending
            chosen.entries = batch.entries
            return batch
        }, signer: signer, now: now, withProofs: true)
        let (pending, entries) = (chosen.pending, chosen.entries)
        let size = appended.checkpoint.checkpoint.size
        var committed: [Committed] = []
        for (offset, index) in appended.indexes.enumerated() {
            guard case .seal = pending[offset] else {
                committed.append(.index(index))
                continue
            }
            let leaf = appended.leafHashes[offset]
            committed.append(.receipt(Receipt(salt: entries[offset].salt ?? [], index: index, treeSize: size, leafHash: leaf,
                                              proof: appended.proofs[offset], checkpoint: appended.checkpoint.note)))
        }
        return committed
    }

    /// What `choose` gave, set on the thread that holds the log's lock while the caller waits.
    private final class Chosen: @unchecked Sendable {
        var pending: [Pending] = []
        var entries: [NewArchiveEntry] = []
    }

    /// The entries of a batch: each seal with a fresh salt for its commitment.
    private static func entries(for pending: [Pending]) throws(ArchiveError) -> ChosenBatch {
        var entries: [NewArchiveEntry] = []
        var expectedRevocationList: Int?? = .none
        for item in pending {
            switch item {
            case .revocationList(let entry, let after):
                guard pending.count == 1 else { throw .invalidArgument("a CRL is archived in a batch of its own") }
                entries.append(entry)
                expectedRevocationList = .some(after)
            case .seal(let item):
                let salt = secureRandomBytes(SealEntry.saltSize)
                entries.append(.init(entry: .seal(try SealEntry(sealed: item.sealed, documentDigest: item.documentDigest, salt: salt)),
                                     salt: salt))
            case .entry(let entry):
                entries.append(entry)
            }
        }
        return ChosenBatch(entries: entries, afterRevocationList: expectedRevocationList)
    }

    /// A receipt for entry `index` against the checkpoint of `size` (default: the newest).
    public func receipt(index: Int, salt: [UInt8], size: Int? = nil) throws(ArchiveError) -> Receipt {
        let found: StoredCheckpoint?
        if let size { found = try store.checkpoint(size: size) } else { found = try store.latestCheckpoint() }
        guard let checkpoint = found else {
            throw .notFound("no checkpoint of size \(size.map(String.init) ?? "any")")
        }
        guard index >= 0 && index < checkpoint.size else {
            throw .invalidArgument("index \(index) is outside the tree of size \(checkpoint.size)")
        }
        guard let entry = try store.entries(from: index, count: 1).first else { throw .damaged("entry \(index) is missing") }
        let proof: [TreeHash]
        do { proof = try store.inclusionProof(index: index, size: checkpoint.size) } catch { throw .damaged("\(error)") }
        return Receipt(salt: salt, index: index, treeSize: checkpoint.size, leafHash: entry.leafHash, proof: proof,
                       checkpoint: checkpoint.note)
    }

    public func documentRevocation(ofEntry index: Int) throws -> DocumentRevocation? {
        try store.documentRevocation(of: index)?.revocation
    }

    public func receipt(forSignatureHash signatureHash: [UInt8]) throws -> Receipt? {
        guard let found = try store.find(signatureHash: signatureHash), let salt = found.salt else { return nil }
        return try receipt(index: found.index, salt: salt)
    }
}
