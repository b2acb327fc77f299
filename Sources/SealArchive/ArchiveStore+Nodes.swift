public import Foundation

/// The stored tree: complete-subtree hashes read on the primary key, and the proofs built on them.
extension ArchiveStore {
    /// Stored complete-subtree hashes, read in one query.
    public func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
        try locked { () throws(ArchiveError) in try UnlockedReader(store: self).nodes(ids) }
    }

    /// Reads nodes for code that already holds the lock.
    /// A batch's nodes in memory, falling back to the store for any other node.
    struct BatchReader: HashReader {
        let nodes: [NodeID: TreeHash]
        let store: UnlockedReader

        func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
            let known = ids.compactMap { nodes[$0] }
            return known.count == ids.count ? known : try store.readHashes(ids)
        }
    }

    struct UnlockedReader: HashReader {
        let store: ArchiveStore

        func readHashes(_ ids: [NodeID]) throws -> [TreeHash] { try nodes(ids) }

        /// Reads on the primary key only: a range scan for each run of consecutive indexes on a
        /// level (audits read whole runs), a point lookup otherwise (proofs read scattered nodes).
        func nodes(_ ids: [NodeID]) throws(ArchiveError) -> [TreeHash] {
            guard !ids.isEmpty else { return [] }
            var found: [NodeID: TreeHash] = [:]
            found.reserveCapacity(ids.count)
            let sorted = Array(Set(ids)).sorted()
            var start = 0
            while start < sorted.count {
                var end = start
                while end + 1 < sorted.count, sorted[end + 1].level == sorted[start].level,
                      sorted[end + 1].index == sorted[end].index + 1 { end += 1 }
                let level = sorted[start].level
                if end - start >= 3 {
                    let statement = try store.statement("SELECT idx, hash FROM nodes WHERE level = ? AND idx BETWEEN ? AND ?")
                    try statement.bind([.integer(level), .integer(sorted[start].index), .integer(sorted[end].index)])
                    while try statement.step() { found[NodeID(level: level, index: statement.int(0))] = statement.blob(1) }
                } else {
                    let statement = try store.statement("SELECT hash FROM nodes WHERE level = ? AND idx = ?")
                    for node in sorted[start...end] {
                        try statement.bind([.integer(node.level), .integer(node.index)])
                        if try statement.step() { found[node] = statement.blob(0) }
                    }
                }
                start = end + 1
            }
            var hashes: [TreeHash] = []
            hashes.reserveCapacity(ids.count)
            for id in ids {
                guard let hash = found[id] else { throw .damaged("tree node \(id) is missing") }
                hashes.append(hash)
            }
            return hashes
        }
    }

    public func firstMismatch(level: Int, from start: Int, expected: [TreeHash]) throws -> Int? {
        try locked { () throws(ArchiveError) -> Int? in
            let statement = try statement("SELECT idx, hash FROM nodes WHERE level = ? AND idx BETWEEN ? AND ? ORDER BY idx")
            try statement.bind([.integer(level), .integer(start), .integer(start + expected.count - 1)])
            var next = start
            while try statement.step() {
                guard statement.int(0) == next, statement.blobEquals(1, expected[next - start]) else { return next }
                next += 1
            }
            return next == start + expected.count ? nil : next
        }
    }
}
