public import Foundation
public import SealArchive
public import SealCore
import Logging
import NIOCore
import PostgresNIO

/// Reading: the same answers as the SQLite store, with the same cross-checks between the log's
/// own entries and the lookup tables beside it.
extension PostgresArchiveStore {
    public var size: Int {
        get throws(ArchiveError) {
            try locked { connection, logger in
                var size = 0
                for try await stored in try await connection.query("SELECT size FROM tree_head WHERE id = 1", logger: logger).decode(Int.self) { size = stored }
                return size
            }
        }
    }

    public func latestCheckpoint() throws(ArchiveError) -> StoredCheckpoint? {
        try checkpoints("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1").first
    }

    public func checkpoint(size: Int) throws(ArchiveError) -> StoredCheckpoint? {
        try checkpoints("SELECT size, root, note FROM checkpoints WHERE size = \(size)").first
    }

    public func allCheckpoints() throws(ArchiveError) -> [StoredCheckpoint] {
        try checkpoints("SELECT size, root, note FROM checkpoints ORDER BY size")
    }

    public func checkpoints(from: Int, count: Int) throws(ArchiveError) -> [StoredCheckpoint] {
        try checkpoints("SELECT size, root, note FROM checkpoints WHERE size >= \(from) ORDER BY size LIMIT \(count)")
    }

    private func checkpoints(_ query: PostgresQuery) throws(ArchiveError) -> [StoredCheckpoint] {
        try locked { connection, logger in
            var result: [StoredCheckpoint] = []
            for try await (size, root, note) in try await connection.query(query, logger: logger).decode((Int, ByteBuffer, String).self) {
                result.append(StoredCheckpoint(size: size, root: Array(buffer: root), note: note))
            }
            return result
        }
    }

    public func entries(from: Int, count: Int) throws(ArchiveError) -> [StoredEntry] {
        try locked { connection, logger in
            var result: [StoredEntry] = []
            for try await (index, data, leaf, committed) in try await connection.query(
                "SELECT idx, data, leaf_hash, committed_at FROM entries WHERE idx >= \(from) AND idx < \(from + count) ORDER BY idx",
                logger: logger).decode((Int, ByteBuffer, ByteBuffer, Int).self) {
                result.append(StoredEntry(index: index, data: Array(buffer: data), leafHash: Array(buffer: leaf),
                                          committedAt: Date(timeIntervalSince1970: Double(committed) / 1000)))
            }
            return result
        }
    }

    public func forEachEntry(batch: Int, _ body: (StoredEntry) throws -> Void) throws {
        var next = -1
        while true {
            let after = next
            let rows = try locked { connection, logger in
                var rows: [StoredEntry] = []
                for try await (index, data, leaf, kind, signature, committed) in try await connection.query("""
                    SELECT idx, data, leaf_hash, kind, signature_hash, committed_at FROM entries WHERE idx > \(after) ORDER BY idx LIMIT \(batch)
                    """, logger: logger).decode((Int, ByteBuffer, ByteBuffer, Int, ByteBuffer?, Int).self) {
                    rows.append(StoredEntry(index: index, data: Array(buffer: data), leafHash: Array(buffer: leaf), committedAt: .distantPast,
                                            indexed: IndexedColumns(kind: kind, signatureHash: signature.map { Array(buffer: $0) }, committedAt: committed)))
                }
                return rows
            }
            guard let last = rows.last else { return }
            for row in rows { try body(row) }
            next = last.index
        }
    }

    public func find(signatureHash: [UInt8]) throws(ArchiveError) -> (index: Int, salt: [UInt8]?)? {
        let hash = ByteBuffer(bytes: signatureHash)
        let found = try locked { connection, logger -> Found? in
            for try await (index, salt) in try await connection.query(
                "SELECT e.idx, s.salt FROM entries e LEFT JOIN salts s ON s.idx = e.idx WHERE e.signature_hash = \(hash) ORDER BY e.idx LIMIT 1",
                logger: logger).decode((Int, ByteBuffer?).self) {
                return Found(index: index, data: salt.map { Array(buffer: $0) })
            }
            return nil
        }
        return found.map { ($0.index, $0.data) }
    }

    /// An entry index with bytes (an entry's data or a salt).
    struct Found: Sendable {
        let index: Int
        let data: [UInt8]?
    }

    public func documentRevocation(of target: Int) throws(ArchiveError) -> (index: Int, revocation: DocumentRevocation)? {
        let targetField = ByteBuffer(bytes: DocumentRevocation.targetField(of: target))
        let kind = Int(ArchiveEntry.Kind.documentRevocation.rawValue)
        let (byIndex, byLog) = try locked { connection, logger -> (Found?, Found?) in
            var byIndex: Found?
            for try await (index, data) in try await connection.query(
                "SELECT e.idx, e.data FROM document_revocations r JOIN entries e ON e.idx = r.entry_idx WHERE r.target_idx = \(target)",
                logger: logger).decode((Int, ByteBuffer).self) { byIndex = Found(index: index, data: Array(buffer: data)) }
            var byLog: Found?
            for try await (index, data) in try await connection.query(
                "SELECT idx, data FROM entries WHERE kind = \(kind) AND substring(data from 3 for 8) = \(targetField) ORDER BY idx LIMIT 1",
                logger: logger).decode((Int, ByteBuffer).self) { byLog = Found(index: index, data: Array(buffer: data)) }
            return (byIndex, byLog)
        }
        guard byIndex?.index == byLog?.index, byIndex?.data == byLog?.data else {
            throw .damaged("the document-revocation index and the log disagree about entry \(target); run `seal audit`")
        }
        guard let byLog, let data = byLog.data else { return nil }
        guard case .documentRevocation(let revocation) = try ArchiveEntry(decoding: data), revocation.target.index == target else {
            throw .damaged("entry \(byLog.index) is not a revocation of entry \(target)")
        }
        return (byLog.index, revocation)
    }

    public func documentRevocations() throws(ArchiveError) -> [(index: Int, revocation: DocumentRevocation)] {
        var logged: [(index: Int, revocation: DocumentRevocation)] = []
        for found in try entries(ofKind: .documentRevocation) {
            if case .documentRevocation(let revocation) = try ArchiveEntry(decoding: found.data ?? []) { logged.append((found.index, revocation)) }
        }
        let expected = Dictionary(logged.map { ($0.revocation.target.index, $0.index) }, uniquingKeysWith: { first, _ in first })
        guard try documentRevocationIndex() == expected else {
            throw .damaged("the document-revocation index and the log disagree; run `seal audit`")
        }
        return logged
    }

    public func documentRevocationIndex() throws(ArchiveError) -> [Int: Int] {
        try locked { connection, logger in
            var index: [Int: Int] = [:]
            for try await (target, entry) in try await connection.query("SELECT target_idx, entry_idx FROM document_revocations", logger: logger)
                .decode((Int, Int).self) { index[target] = entry }
            return index
        }
    }

    public func latestRevocationList() throws(ArchiveError) -> (index: Int, crl: [UInt8])? {
        let kind = Int(ArchiveEntry.Kind.revocationList.rawValue)
        let (byKind, byIndex) = try locked { connection, logger -> (Found?, Int?) in
            var byKind: Found?
            for try await (index, data) in try await connection.query(
                "SELECT idx, data FROM entries WHERE kind = \(kind) ORDER BY idx DESC LIMIT 1", logger: logger).decode((Int, ByteBuffer).self) {
                byKind = Found(index: index, data: Array(buffer: data))
            }
            var byIndex: Int?
            for try await index in try await connection.query("SELECT max(entry_idx) FROM revocation_lists", logger: logger).decode(Int?.self) {
                byIndex = index
            }
            return (byKind, byIndex)
        }
        guard byKind?.index == byIndex else { throw .damaged("the CRL index and the log disagree about the newest CRL; run `seal audit`") }
        guard let byKind else { return nil }
        guard case .revocationList(let issued) = try ArchiveEntry(decoding: byKind.data ?? []) else { throw .damaged("entry \(byKind.index) is not a CRL") }
        return (byKind.index, issued.crl)
    }

    public func revocationListIndex() throws(ArchiveError) -> Set<Int> {
        try locked { connection, logger in
            var indexes: Set<Int> = []
            for try await index in try await connection.query("SELECT entry_idx FROM revocation_lists", logger: logger).decode(Int.self) { indexes.insert(index) }
            return indexes
        }
    }

    private func entries(ofKind kind: ArchiveEntry.Kind) throws(ArchiveError) -> [Found] {
        let kind = Int(kind.rawValue)
        return try locked { connection, logger in
            var result: [Found] = []
            for try await (index, data) in try await connection.query("SELECT idx, data FROM entries WHERE kind = \(kind) ORDER BY idx", logger: logger)
                .decode((Int, ByteBuffer).self) { result.append(Found(index: index, data: Array(buffer: data))) }
            return result
        }
    }

    public func note(of index: Int) throws(ArchiveError) -> String? {
        try locked { connection, logger in
            for try await note in try await connection.query("SELECT note FROM notes WHERE idx = \(index)", logger: logger).decode(String.self) { return note }
            return nil
        }
    }

    // MARK: audit and export

    public func entryCount() throws -> Int {
        try locked { connection, logger in
            var count = 0
            for try await next in try await connection.query("SELECT coalesce(max(idx) + 1, 0) FROM entries", logger: logger).decode(Int.self) { count = next }
            return count
        }
    }

    public func forEachEntry(_ body: (StoredEntry) throws -> Void) throws { try forEachEntry(batch: 4096, body) }
    public func storedCheckpoints() throws -> [StoredCheckpoint] { try allCheckpoints() }
    public func entry(at index: Int) throws -> StoredEntry? { try entries(from: index, count: 1).first }
    public func storedIndexes() throws -> StoredIndexes? {
        StoredIndexes(documentRevocations: try documentRevocationIndex(), revocationLists: try revocationListIndex())
    }
    /// A second connection, so that node checks do not wait on the entry reader.
    public var storedNodes: (any StoredNodes)? { (try? PostgresArchiveStore(location: location, hasher: hasher)) ?? self }
}
