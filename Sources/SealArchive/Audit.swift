public import Foundation
public import SealCore

/// What an audit reads: the live store or an export directory. Read from a second thread while
/// the audit hashes, so it must be safe to share.
public protocol AuditSource: Sendable {
    /// How many entries there should be (for progress; may disagree with the tree when damaged).
    func entryCount() throws -> Int
    /// Every entry record in ascending index order.
    func forEachEntry(_ body: (StoredEntry) throws -> Void) throws
    /// Every stored checkpoint, oldest first.
    func storedCheckpoints() throws -> [StoredCheckpoint]
    /// The stored tree nodes, when the source keeps them (nil for exports).
    var storedNodes: (any StoredNodes)? { get }
    /// One entry by index (revocation checks look their targets up).
    func entry(at index: Int) throws -> StoredEntry?
    /// The lookup tables the source keeps beside the log, if any (a store does, an export not).
    func storedIndexes() throws -> StoredIndexes?
}

extension AuditSource {
    public func storedIndexes() throws -> StoredIndexes? { nil }
}

/// The tables a store keeps beside its log to find revocations fast.
public struct StoredIndexes: Sendable, Equatable {
    /// Revoked entry → the entry revoking it.
    public var documentRevocations: [Int: Int]
    /// The entries holding CRLs.
    public var revocationLists: Set<Int>
    public init(documentRevocations: [Int: Int], revocationLists: Set<Int>) {
        self.documentRevocations = documentRevocations
        self.revocationLists = revocationLists
    }
}

/// Stored tree nodes that an audit can compare against in runs.
public protocol StoredNodes: HashReader, Sendable {
    /// The index of the first node on `level`, from `start` on, whose stored hash is missing or
    /// differs from `expected`; nil when all match.
    func firstMismatch(level: Int, from start: Int, expected: [TreeHash]) throws -> Int?
}

extension ArchiveStore: AuditSource {
    public func entryCount() throws -> Int {
        try locked { () throws(ArchiveError) in
            // MAX on the primary key is O(log n); COUNT(*) would read the whole table once more.
            let statement = try database.prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")
            return try statement.step() ? statement.int(0) : 0
        }
    }
    public func forEachEntry(_ body: (StoredEntry) throws -> Void) throws { try forEachEntry(batch: 4096, body) }
    public func storedCheckpoints() throws -> [StoredCheckpoint] { try allCheckpoints() }
    public func entry(at index: Int) throws -> StoredEntry? { try entries(from: index, count: 1).first }
    public func storedIndexes() throws -> StoredIndexes? {
        StoredIndexes(documentRevocations: try documentRevocationIndex(), revocationLists: try revocationListIndex())
    }
    /// A second read-only connection, so node checks do not wait on the entry reader.
    public var storedNodes: (any StoredNodes)? { (try? ArchiveStore(url: url, readOnly: true, hasher: hasher)) ?? self }
}

/// One problem an audit found.
public struct AuditProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    public let index: Int?
    public let checkpointSize: Int?
    public let reason: String
    public var description: String {
        let place = index.map { "entry \($0): " } ?? checkpointSize.map { "checkpoint \($0): " } ?? ""
        return place + reason
    }
}

/// The result of an audit: counts, and every problem with the first bad index.
public struct AuditReport: Codable, Sendable {
    public var entries = 0
    public var checkpoints = 0
    public var signaturesVerified = 0
    public var consistencyProofsVerified = 0
    public var treeSize = 0
    public var rootHash = ""
    public var firstBadIndex: Int?
    public var problems: [AuditProblem] = []
    public var ok: Bool { problems.isEmpty }

    mutating func problem(index: Int? = nil, checkpoint: Int? = nil, _ reason: String) {
        problems.append(AuditProblem(index: index, checkpointSize: checkpoint, reason: reason))
        if let index, firstBadIndex.map({ index < $0 }) ?? true { firstBadIndex = index }
    }

    private enum CodingKeys: String, CodingKey {
        case ok, entries, checkpoints, signaturesVerified, consistencyProofsVerified, treeSize, rootHash, firstBadIndex, problems
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(entries, forKey: .entries)
        try container.encode(checkpoints, forKey: .checkpoints)
        try container.encode(signaturesVerified, forKey: .signaturesVerified)
        try container.encode(consistencyProofsVerified, forKey: .consistencyProofsVerified)
        try container.encode(treeSize, forKey: .treeSize)
        try container.encode(rootHash, forKey: .rootHash)
        try container.encode(firstBadIndex, forKey: .firstBadIndex)
        try container.encode(problems, forKey: .problems)
    }
    public init() {}
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entries = try container.decode(Int.self, forKey: .entries)
        checkpoints = try container.decode(Int.self, forKey: .checkpoints)
        signaturesVerified = try container.decode(Int.self, forKey: .signaturesVerified)
        consistencyProofsVerified = try container.decode(Int.self, forKey: .consistencyProofsVerified)
        treeSize = try container.decode(Int.self, forKey: .treeSize)
        rootHash = try container.decode(String.self, forKey: .rootHash)
        firstBadIndex = try container.decodeIfPresent(Int.self, forKey: .firstBadIndex)
        problems = try container.decode([AuditProblem].self, forKey: .problems)
    }
}

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

/// A bounded hand-off of batches from one producer thread to one consumer.
final class BatchPipe<Element>: @unchecked Sendable {
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var queue: [[Element]] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?
    private let depth: Int

    init(depth: Int) { self.depth = depth }

    /// Blocks while the pipe is full; false once the consumer has cancelled.
    func put(_ batch: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil when the producer is done. Rethrows the producer's error.
    func take() throws -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            condition.broadcast()
            return queue.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer and waits until it has let go of the source.
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

/// The revocation rules an audit enforces as it reads entries in order.
struct RevocationAudit {
    private var revokedTargets: Set<Int> = []
    private var lastList: (number: Int, thisUpdate: Date, entries: [String: RevokedCertificate])?

    /// A document revocation must follow its target, name it by the right leaf, be the only one
    /// for it, and (with trust anchors) be signed by the target's own seal or by the authority.
    mutating func check(_ revocation: DocumentRevocation, at index: Int, source: some AuditSource, trust: TrustAnchors?,
                        hasher: TreeHasher, report: inout AuditReport) {
        func target(_ reference: DocumentRevocation.Reference) -> SealEntry? {
            guard reference.index < index, let stored = try? source.entry(at: reference.index),
                  hasher.leafHash(stored.data) == reference.leafHash,
                  case .seal(let seal)? = try? ArchiveEntry(decoding: stored.data) else { return nil }
            return seal
        }
        guard let sealed = target(revocation.target) else {
            report.problem(index: index, "the revocation names no earlier seal entry with that leaf")
            return
        }
        if let replacement = revocation.replacement, target(replacement) == nil {
            report.problem(index: index, "the revocation's replacement is not an earlier seal entry")
        }
        guard revokedTargets.insert(revocation.target.index).inserted else {
            report.problem(index: index, "entry \(revocation.target.index) is revoked twice")
            return
        }
        guard let trust else { return }
        guard revocation.isSignatureValid else {
            report.problem(index: index, "the revocation's signature does not verify")
            return
        }
        let byDepartment = revocation.revokerCertificate == sealed.signerCertificate
        let byAuthority = trust.roots.contains { $0.der == revocation.revokerCertificate }
        if !byDepartment && !byAuthority {
            report.problem(index: index, "the revocation is signed by neither the sealing department nor the authority")
        }
    }

    /// Archived CRLs: signed by a trusted root, numbered upwards, never dated back, and never
    /// dropping or changing a revocation an earlier CRL listed.
    mutating func check(_ issued: IssuedRevocationList, at index: Int, trust: TrustAnchors?, report: inout AuditReport) {
        guard let crl = try? RevocationList(bytes: issued.crl), let number = crl.number, let thisUpdate = crl.thisUpdate else {
            report.problem(index: index, "the archived CRL does not parse or has no CRL number")
            return
        }
        if let trust, !trust.roots.contains(where: { crl.isIssued(by: $0) }) {
            report.problem(index: index, "the archived CRL is not signed by a trusted root")
        }
        let entries = Dictionary(crl.entries.map { ($0.serialNumber, $0) }, uniquingKeysWith: { first, _ in first })
        if let last = lastList {
            if number <= last.number { report.problem(index: index, "CRL number \(number) does not follow \(last.number)") }
            if thisUpdate < last.thisUpdate { report.problem(index: index, "the CRL is dated before the previous one") }
            for (serial, previous) in last.entries where entries[serial] != previous {
                report.problem(index: index, "CRL \(number) drops or changes the revocation of serial \(serial)")
            }
        }
        lastList = (number, thisUpdate, entries)
    }
}
