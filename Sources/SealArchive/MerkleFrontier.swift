/// The right edge of a growing RFC 9162 tree: the complete subtrees that the binary decomposition
/// of its size leaves open, largest first. Appending a leaf merges equal-sized subtrees, so each
/// append creates the O(log n) new complete nodes the store must keep, and the root is a fold.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: Int = 0
    /// (level, hash) of each open complete subtree, largest (highest level) first.
    private var edge: [(level: Int, hash: TreeHash)] = []

    public init() {}

    /// Rebuilds the frontier of a tree of `size` from its stored nodes.
    public init(size: Int, reader: some HashReader) throws {
        let nodes = MerkleProof.decompose(0, size)
        let hashes = try reader.readHashes(nodes)
        guard hashes.count == nodes.count else { throw ProofError.missingNodes }
        self.size = size
        edge = zip(nodes, hashes).map { ($0.level, $1) }
    }

    /// Appends a leaf and returns every complete subtree it completes, the leaf first.
    @discardableResult
    public mutating func append(leafHash: TreeHash, hasher: TreeHasher) -> [(NodeID, TreeHash)] {
        var created = [(NodeID(level: 0, index: size), leafHash)]
        var level = 0
        var hash = leafHash
        var index = size
        while let last = edge.last, last.level == level {
            edge.removeLast()
            hash = hasher.nodeHash(last.hash, hash)
            level += 1
            index >>= 1
            created.append((NodeID(level: level, index: index), hash))
        }
        edge.append((level, hash))
        size += 1
        return created
    }

    /// The open complete subtrees with their positions, largest first.
    public var nodes: [(NodeID, TreeHash)] {
        Array(zip(MerkleProof.decompose(0, size), edge.map(\.hash)))
    }

    /// MTH of the tree so far.
    public func root(hasher: TreeHasher) -> TreeHash {
        guard var hash = edge.last?.hash else { return hasher.emptyRoot }
        for node in edge.dropLast().reversed() { hash = hasher.nodeHash(node.hash, hash) }
        return hash
    }

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.edge.map(\.level) == b.edge.map(\.level) && a.edge.map(\.hash) == b.edge.map(\.hash)
    }
}

/// Complete-subtree hashes held in memory: for tests, audits of exports, and small trees.
public struct MemoryHashStore: HashReader, Sendable {
    public private(set) var nodes: [NodeID: TreeHash] = [:]
    public private(set) var frontier = MerkleFrontier()
    let hasher: TreeHasher

    public init(hasher: TreeHasher) { self.hasher = hasher }

    public mutating func append(leafHash: TreeHash) {
        for (id, hash) in frontier.append(leafHash: leafHash, hasher: hasher) { nodes[id] = hash }
    }

    public func readHashes(_ ids: [NodeID]) throws -> [TreeHash] {
        try ids.map { id in
            guard let hash = nodes[id] else { throw ProofError.missingNodes }
            return hash
        }
    }
}
