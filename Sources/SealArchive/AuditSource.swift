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
