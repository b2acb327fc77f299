public import Foundation

/// Appending: one transaction per batch, ending in a new signed checkpoint.
extension ArchiveStore {
    /// Appends `entries` and a new checkpoint signed by `signer`, in one transaction. When
    /// `afterRevocationList` is given, the append goes ahead only if the newest archived CRL is
    /// still that entry (nil: none yet), so two writers cannot issue the same CRL number.
    public func append(_ entries: [NewArchiveEntry], signer: NoteSigner, now: Date,
                       afterRevocationList expected: Int??, withProofs: Bool) throws(ArchiveError) -> AppendedBatch {
        try locked { () throws(ArchiveError) in
            var millis = Int(now.timeIntervalSince1970 * 1000)
            var tree = MerkleFrontier()
            // The batch's new nodes and the edge it grew from: every proof for a new entry against
            // the new checkpoint reads only these, so proofs need no SQLite reads.
            var batchNodes: [NodeID: TreeHash] = [:]
            var result = try database.transaction { () throws(ArchiveError) -> AppendedBatch in
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
                var leaves: [TreeHash] = []
                leaves.reserveCapacity(entries.count)
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
                    leaves.append(leaf)
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
                return AppendedBatch(indexes: Array(start..<tree.size), leafHashes: leaves,
                                checkpoint: SignedCheckpoint(checkpoint: checkpoint, note: note))
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
    func loadFrontier() throws(ArchiveError) -> MerkleFrontier {
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

    func scalar(_ sql: String, _ values: [SQLValue] = []) throws(ArchiveError) -> Int {
        let statement = try statement(sql)
        try statement.bind(values)
        guard try statement.step() else { return 0 }
        return statement.int(0)
    }
}
