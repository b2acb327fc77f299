public import Foundation
public import SealCore

/// Recomputes an archive from its entries and checks everything that can be checked: every leaf
/// and the whole tree, every checkpoint's root and signature, consistency between consecutive
/// checkpoints, each seal entry's time-stamp signature, the store's derived tables and indexes
/// (`DerivedIndexAudit`), and optionally a checkpoint an auditor saved earlier (which catches
/// rewritten or truncated history).
public struct Auditor {
    public let logKey: NoteVerifierKey
    /// Re-verifies seal entries' time-stamp tokens against these roots; nil skips signatures.
    public let trust: TrustAnchors?
    let hasher: TreeHasher

    static let batchSize = 2048

    public init(logKey: NoteVerifierKey, trust: TrustAnchors?, hasher: TreeHasher = .sha256) {
        self.logKey = logKey
        self.trust = trust
        self.hasher = hasher
    }

    public func audit(_ source: some AuditSource, savedCheckpoint: String? = nil,
                      progress: (Int, Int) -> Void = { _, _ in }) throws -> AuditReport {
        var report = AuditReport()
        let total = try source.entryCount()

        // Checkpoints: each must be signed by the log key and name this log.
        var bySize: [Int: TreeHash] = [:]
        let stored = try source.storedCheckpoints()
        for row in stored {
            report.checkpoints += 1
            do {
                let signed = try SignedCheckpoint(note: row.note, logKeys: [logKey], origin: logKey.name)
                guard signed.checkpoint.size == row.size, signed.checkpoint.rootHash == row.root else {
                    report.problem(checkpoint: row.size, "the stored size or root differs from the signed note")
                    continue
                }
                bySize[row.size] = row.root
            } catch {
                report.problem(checkpoint: row.size, "checkpoint signature or format: \(error)")
            }
        }
        var saved: Checkpoint? = nil
        if let savedCheckpoint {
            do { saved = try SignedCheckpoint(note: savedCheckpoint, logKeys: [logKey], origin: logKey.name).checkpoint } catch {
                report.problem("the saved checkpoint does not verify with the log key: \(error)")
            }
        }

        // Entries: recompute leaves, the tree, and every checkpoint root along the way.
        var tree = MerkleFrontier()
        let storedNodes = source.storedNodes
        var memory = storedNodes == nil ? MemoryHashStore(hasher: hasher) : nil
        // Newly computed nodes per level, in index order, compared against the store in runs.
        var pending: [(start: Int, hashes: [TreeHash])] = []
        var pendingCount = 0
        var broken = false
        let verifier = trust.map { SealVerifier(trust: $0) }
        var revocations = RevocationAudit()
        var indexes = DerivedIndexAudit(checkpointSizes: Set(stored.map(\.size)))
        func compareNodes() {
            defer {
                pending.removeAll(keepingCapacity: true)
                pendingCount = 0
            }
            guard let nodes = storedNodes, pendingCount > 0, !broken else { return }
            for (level, run) in pending.enumerated() where !run.hashes.isEmpty {
                do {
                    if let index = try nodes.firstMismatch(level: level, from: run.start, expected: run.hashes) {
                        report.problem(index: index << level, "stored tree node (\(level),\(index)) is missing or differs from the recomputed one")
                        broken = true
                        return
                    }
                } catch {
                    report.problem(index: run.start << level, "stored tree nodes cannot be read: \(error)")
                    broken = true
                    return
                }
            }
        }
        func remember(_ created: [(NodeID, TreeHash)]) {
            for (node, hash) in created {
                while pending.count <= node.level { pending.append((0, [])) }
                if pending[node.level].hashes.isEmpty { pending[node.level].start = node.index }
                pending[node.level].hashes.append(hash)
            }
            pendingCount += created.count
        }

        // Reading rows costs about as much as hashing them: a reader thread fills batches while
        // this thread hashes and checks the previous one.
        let batches = BatchPipe<StoredEntry>(depth: 3)
        let reader = Thread {
            do {
                var batch: [StoredEntry] = []
                batch.reserveCapacity(Self.batchSize)
                try source.forEachEntry { row in
                    batch.append(row)
                    if batch.count == Self.batchSize {
                        guard batches.put(batch) else { throw BatchPipe<StoredEntry>.Cancelled() }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = batches.put(batch) }
                batches.finish(nil)
            } catch is BatchPipe<StoredEntry>.Cancelled {
                batches.finish(nil)
            } catch {
                batches.finish(error)
            }
        }
        reader.stackSize = 1 << 20
        reader.start()
        defer { batches.cancel() }
        let process = { (row: StoredEntry) in
            guard !broken else { return }
            guard row.index == tree.size else {
                report.problem(index: tree.size, row.index > tree.size ? "entry \(tree.size) is missing (next stored is \(row.index))"
                                                                      : "entry \(row.index) is stored twice or out of order")
                broken = true
                return
            }
            let leaf = hasher.leafHash(row.data)
            if !row.leafHash.isEmpty && row.leafHash != leaf {
                report.problem(index: row.index, "the stored leaf hash does not match the entry")
            }
            let decoded = Result(catching: { try ArchiveEntry(decoding: row.data) })
            indexes.check(row, entry: try? decoded.get(), report: &report)
            switch decoded {
            case .failure(let error):
                report.problem(index: row.index, "the entry does not decode: \(error)")
            case .success(.documentRevocation(let revocation)):
                revocations.check(revocation, at: row.index, source: source, trust: trust, hasher: hasher, report: &report)
            case .success(.revocationList(let issued)):
                revocations.check(issued, at: row.index, trust: trust, report: &report)
            case .success(.seal(let entry)):
                if let verifier {
                    let verdict = verifier.verifyTimeStamp(entry.timeStampToken) { $0 == .sha256 ? entry.signatureHash : nil }
                    if verdict.time == nil {
                        let failure = verdict.checks.first { $0.outcome == .failed }
                        report.problem(index: row.index, "the seal's time-stamp does not verify: \(failure?.detail ?? "")")
                    } else {
                        report.signaturesVerified += 1
                    }
                }
            }
            remember(tree.append(leafHash: leaf, hasher: hasher))
            memory?.append(leafHash: leaf)
            if pendingCount >= 8192 { compareNodes() }
            if let root = bySize[tree.size], root != tree.root(hasher: hasher) {
                report.problem(index: tree.size - 1, checkpoint: tree.size,
                               "the signed checkpoint's root differs from the tree recomputed from the entries")
            }
            if let saved, saved.size == tree.size, saved.rootHash != tree.root(hasher: hasher) {
                report.problem(index: tree.size - 1, checkpoint: saved.size, "the saved checkpoint's root differs: history was rewritten")
            }
            report.entries += 1
            if report.entries % 1024 == 0 { progress(report.entries, total) }
        }
        while let batch = try batches.take() {
            batch.forEach(process)
            if broken { break }
        }
        compareNodes()
        progress(report.entries, total)
        if !broken { indexes.finish(stored: try source.storedIndexes(), report: &report) }

        let size = tree.size
        report.treeSize = size
        report.rootHash = Data(tree.root(hasher: hasher)).base64EncodedString()
        if total != report.entries && !broken { report.problem(index: size, "the highest entry index is \(total - 1) but \(report.entries) entries were read") }
        for checkpointSize in bySize.keys.sorted() where checkpointSize > size {
            report.problem(index: size, checkpoint: checkpointSize, "a signed checkpoint covers \(checkpointSize) entries but only \(size) exist: the log was truncated")
        }
        let latest = bySize.keys.max() ?? 0
        if size > latest {
            report.problem(index: latest, "entries \(latest)..<\(size) are not covered by any signed checkpoint")
        }
        if let saved, saved.size > size {
            report.problem(index: size, checkpoint: saved.size, "the archive is shorter than a checkpoint saved earlier: history was truncated")
        }

        // Consistency between consecutive checkpoints (and from the saved one to the newest).
        if !broken, let reader: any HashReader = storedNodes ?? memory {
            var sizes = bySize.keys.filter { $0 > 0 && $0 <= size }.sorted()
            if let saved, saved.size > 0, saved.size <= size, !sizes.contains(saved.size) { sizes = (sizes + [saved.size]).sorted() }
            var roots = bySize
            if let saved { roots[saved.size] = saved.rootHash }
            for (first, second) in zip(sizes, sizes.dropFirst()) {
                guard let firstRoot = roots[first], let secondRoot = roots[second] else { continue }
                let proof = try MerkleProof.consistencyProof(first: first, second: second, reader: reader, hasher: hasher)
                if MerkleVerify.consistency(first: first, second: second, firstRoot: firstRoot, secondRoot: secondRoot,
                                            proof: proof, hasher: hasher) {
                    report.consistencyProofsVerified += 1
                } else {
                    report.problem(checkpoint: second, "checkpoint \(second) is not consistent with checkpoint \(first)")
                }
            }
        }
        return report
    }
}
