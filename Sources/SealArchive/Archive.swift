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
    public let store: ArchiveStore

    public init(store: ArchiveStore) { self.store = store }

    /// A seal to archive, with the digest of its document (the document itself is not needed).
    public struct Item {
        public let seal: SealSignature
        public let documentDigest: [UInt8]
        public init(seal: SealSignature, documentDigest: [UInt8]) {
            self.seal = seal
            self.documentDigest = documentDigest
        }
    }

    /// Appends the seals in one transaction with one new checkpoint and returns each seal's receipt
    /// against that checkpoint, in order. Nothing is appended if any item is unusable.
    public func append(_ items: [Item], signer: NoteSigner) throws(ArchiveError) -> [Receipt] {
        var entries: [ArchiveStore.NewEntry] = []
        for item in items {
            let salt = secureRandomBytes(SealEntry.saltSize)
            entries.append(.init(entry: .seal(try SealEntry(seal: item.seal, documentDigest: item.documentDigest, salt: salt)), salt: salt))
        }
        let appended = try store.append(entries, signer: signer)
        var receipts: [Receipt] = []
        for (offset, index) in appended.indexes.enumerated() {
            let leaf = store.hasher.leafHash(entries[offset].entry.encoded)
            let proof: [TreeHash]
            do { proof = try store.inclusionProof(index: index, size: appended.checkpoint.checkpoint.size) } catch {
                throw .damaged("\(error)")
            }
            receipts.append(Receipt(salt: entries[offset].salt ?? [], index: index, treeSize: appended.checkpoint.checkpoint.size,
                                    leafHash: leaf, proof: proof, checkpoint: appended.checkpoint.note))
        }
        return receipts
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
