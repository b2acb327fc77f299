/// A complete subtree of the log: the 2^level leaves [index·2^level, (index+1)·2^level). The store
/// keeps the hash of every complete subtree, so any proof reads O(log n) of them.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let level: Int
    public let index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    public var description: String { "(\(level),\(index))" }
    public static func < (a: NodeID, b: NodeID) -> Bool { (a.level, a.index) < (b.level, b.index) }
}

/// Reads stored complete-subtree hashes; the one interface between the proof code and storage.
public protocol HashReader {
    /// The hashes of `ids`, in the same order. Throws if any is missing.
    func readHashes(_ ids: [NodeID]) throws -> [TreeHash]
}

/// Proof generation (RFC 9162 §2.1.3.1, §2.1.4.1) as plans of stored nodes, with no I/O: each
/// proof element is the hash of a subtree range, which is the right-fold of complete subtrees.
public enum MerkleProof {
    /// The complete subtrees that make up the range [start, end) of an RFC 9162 tree, largest
    /// first. The range's hash is `nodeHash(n0, nodeHash(n1, … nk))`.
    public static func decompose(_ start: Int, _ end: Int) -> [NodeID] {
        precondition(0 <= start && start <= end)
        var nodes: [NodeID] = []
        var position = start
        while position < end {
            var level = 0
            while position % (1 << (level + 1)) == 0 && position + (1 << (level + 1)) <= end { level += 1 }
            nodes.append(NodeID(level: level, index: position >> level))
            position += 1 << level
        }
        return nodes
    }

    /// The largest power of two strictly less than n (n > 1).
    static func split(_ n: Int) -> Int {
        precondition(n > 1)
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// Ranges whose hashes form PATH(index, D[0:size]), leaf-level sibling first.
    public static func inclusionRanges(index: Int, size: Int) -> [Range<Int>] {
        precondition(0 <= index && index < size)
        var ranges: [Range<Int>] = []
        func path(_ m: Int, _ start: Int, _ end: Int) {
            guard end - start > 1 else { return }
            let k = split(end - start)
            if m < k {
                path(m, start, start + k)
                ranges.append((start + k)..<end)
            } else {
                path(m - k, start + k, end)
                ranges.append(start..<(start + k))
            }
        }
        path(index, 0, size)
        return ranges
    }

    /// Ranges whose hashes form PROOF(first, D[0:second]) (0 < first < second).
    public static func consistencyRanges(first: Int, second: Int) -> [Range<Int>] {
        precondition(0 < first && first < second)
        var ranges: [Range<Int>] = []
        func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) {
            let n = end - start
            if m == n {
                if !complete { ranges.append(start..<end) }
                return
            }
            let k = split(n)
            if m <= k {
                subproof(m, start, start + k, complete)
                ranges.append((start + k)..<end)
            } else {
                subproof(m - k, start + k, end, false)
                ranges.append(start..<(start + k))
            }
        }
        subproof(first, 0, second, true)
        return ranges
    }

    /// Reads every node the ranges need in one batch and folds each range to its hash.
    public static func hashes(of ranges: [Range<Int>], reader: some HashReader, hasher: TreeHasher) throws -> [TreeHash] {
        let plans = ranges.map { decompose($0.lowerBound, $0.upperBound) }
        let unique = Array(Set(plans.joined())).sorted()
        let values = try reader.readHashes(unique)
        guard values.count == unique.count else { throw ProofError.missingNodes }
        let table = Dictionary(uniqueKeysWithValues: zip(unique, values))
        return try plans.map { nodes in
            guard var hash = nodes.last.flatMap({ table[$0] }) else { throw ProofError.missingNodes }
            for node in nodes.dropLast().reversed() {
                guard let left = table[node] else { throw ProofError.missingNodes }
                hash = hasher.nodeHash(left, hash)
            }
            return hash
        }
    }

    public static func rootHash(size: Int, reader: some HashReader, hasher: TreeHasher) throws -> TreeHash {
        guard size > 0 else { return hasher.emptyRoot }
        return try hashes(of: [0..<size], reader: reader, hasher: hasher)[0]
    }

    public static func inclusionProof(index: Int, size: Int, reader: some HashReader, hasher: TreeHasher) throws -> [TreeHash] {
        guard 0 <= index && index < size else { throw ProofError.indexOutOfRange(index: index, size: size) }
        return try hashes(of: inclusionRanges(index: index, size: size), reader: reader, hasher: hasher)
    }

    public static func consistencyProof(first: Int, second: Int, reader: some HashReader, hasher: TreeHasher) throws -> [TreeHash] {
        guard 0 < first && first <= second else { throw ProofError.sizesOutOfRange(first: first, second: second) }
        guard first < second else { return [] }
        return try hashes(of: consistencyRanges(first: first, second: second), reader: reader, hasher: hasher)
    }
}

public enum ProofError: Error, Equatable, Sendable, CustomStringConvertible {
    case indexOutOfRange(index: Int, size: Int)
    case sizesOutOfRange(first: Int, second: Int)
    case missingNodes

    public var description: String {
        switch self {
        case .indexOutOfRange(let index, let size): "index \(index) is outside a tree of size \(size)"
        case .sizesOutOfRange(let first, let second): "no consistency proof from size \(first) to size \(second)"
        case .missingNodes: "the store is missing tree nodes (damaged archive)"
        }
    }
}
