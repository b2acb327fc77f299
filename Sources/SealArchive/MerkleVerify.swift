/// Proof verification, RFC 9162 §2.1.3.2 and §2.1.4.2, as pure functions of their inputs.
public enum MerkleVerify {
    /// Whether `proof` shows the leaf `leafHash` at `index` in the tree of `size` with `root`.
    /// Preconditions checked, each a rejection: index < size; every hash is 32 bytes; the proof
    /// has exactly the length the RFC algorithm consumes.
    public static func inclusion(index: Int, size: Int, leafHash: TreeHash, proof: [TreeHash],
                                 root: TreeHash, hasher: TreeHasher) -> Bool {
        guard let computed = rootFromInclusion(index: index, size: size, leafHash: leafHash, proof: proof, hasher: hasher) else {
            return false
        }
        return root.count == TreeHasher.hashSize && computed == root
    }

    /// The root that an inclusion proof leads to, or nil when the proof is malformed.
    public static func rootFromInclusion(index: Int, size: Int, leafHash: TreeHash, proof: [TreeHash],
                                         hasher: TreeHasher) -> TreeHash? {
        guard index >= 0, index < size, leafHash.count == TreeHasher.hashSize,
              proof.allSatisfy({ $0.count == TreeHasher.hashSize }) else { return nil }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                r = hasher.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = hasher.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// Whether `proof` shows the tree (`second`, `secondRoot`) extends (`first`, `firstRoot`).
    /// Equal sizes need an empty proof and equal roots; a first size of 0 is rejected (there is
    /// nothing to prove, and a verifier should not be asked to).
    public static func consistency(first: Int, second: Int, firstRoot: TreeHash, secondRoot: TreeHash,
                                   proof: [TreeHash], hasher: TreeHasher) -> Bool {
        guard first > 0, first <= second else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        guard firstRoot.count == TreeHasher.hashSize, secondRoot.count == TreeHasher.hashSize,
              proof.allSatisfy({ $0.count == TreeHasher.hashSize }) else { return false }
        guard !proof.isEmpty else { return false }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = hasher.nodeHash(c, fr)
                sr = hasher.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = hasher.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}
