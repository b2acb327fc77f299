public import Foundation

/// Reading: checkpoints, entries, and the lookups that find seals, revocations and CRLs.
extension ArchiveStore {
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
            let logged = try statement(Self.revocationByTarget)
            try logged.bind([.blob(DocumentRevocation.targetField(of: target))])
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

    /// The first revocation entry whose encoded target field is `?`. The kind is a literal so that
    /// SQLite can use the partial index `revocations_by_target`.
    static let revocationByTarget =
        "SELECT idx, data FROM entries WHERE kind = \(ArchiveEntry.Kind.documentRevocation.rawValue) AND substr(data, 3, 8) = ? ORDER BY idx LIMIT 1"

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
