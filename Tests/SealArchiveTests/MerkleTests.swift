import Foundation
import SealCore
import Testing
import SealTestSupport
import SealArchive

@Suite struct MerkleTests {
    let hasher = TreeHasher.sha256

    func tree(_ leaves: [[UInt8]]) -> MemoryHashStore {
        var store = MemoryHashStore(hasher: hasher)
        for leaf in leaves { store.append(leafHash: hasher.leafHash(leaf)) }
        return store
    }

    @Test func referenceTreeRootsAndProofs() throws {
        let vectors = try ExternalVectors.json("merkle/rfc6962_reference_tree.json")
        let treeInfo = try #require(vectors["tree"] as? [String: Any])
        let leaves = try #require(treeInfo["leaf_inputs_hex"] as? [String]).compactMap { [UInt8](hex: $0) }
        let roots = try #require(treeInfo["root_hash_by_tree_size"] as? [String: String])
        #expect(leaves.count == 8)
        for (size, rootHex) in roots {
            let size = try #require(Int(size))
            let store = tree(Array(leaves.prefix(size)))
            #expect(try MerkleProof.rootHash(size: size, reader: store, hasher: hasher) == [UInt8](hex: rootHex), "size \(size)")
            #expect(store.frontier.root(hasher: hasher) == [UInt8](hex: rootHex))
        }
        let store = tree(leaves)
        for proof in try #require(vectors["inclusion_proofs"] as? [[String: Any]]) {
            let index = try #require(proof["leaf_index"] as? Int), size = try #require(proof["tree_size"] as? Int)
            let expected = try #require(proof["proof"] as? [String]).compactMap { [UInt8](hex: $0) }
            #expect(try MerkleProof.inclusionProof(index: index, size: size, reader: store, hasher: hasher) == expected)
        }
        for proof in try #require(vectors["consistency_proofs"] as? [[String: Any]]) {
            let first = try #require(proof["size1"] as? Int), second = try #require(proof["size2"] as? Int)
            let expected = try #require(proof["proof"] as? [String]).compactMap { [UInt8](hex: $0) }
            #expect(try MerkleProof.consistencyProof(first: first, second: second, reader: store, hasher: hasher) == expected)
        }
    }

    /// Every hasher known answer of both sources runs: empty root, leaf and node (the node cases
    /// hash raw bytes of any length, as the reference implementations do).
    @Test func hasherKnownAnswers() throws {
        let reference = try ExternalVectors.json("merkle/rfc6962_reference_tree.json")
        let transparency = try ExternalVectors.json("merkle/certificate-transparency-go_kats.json")
        let kats = try #require(reference["hasher_kats"] as? [[String: Any]]) + (try #require(reference["extra_kats"] as? [[String: Any]]))
            + (try #require(transparency["hasher_kats"] as? [[String: Any]]))
        func bytes(_ kat: [String: Any], _ key: String) throws -> [UInt8] { try #require((kat[key] as? String).flatMap { [UInt8](hex: $0) }) }
        var checked: [String: Int] = [:]
        for kat in kats {
            let op = try #require(kat["op"] as? String)
            let expected = try bytes(kat, "expected")
            switch op {
            case "empty_root": #expect(hasher.emptyRoot == expected, "\(kat)")
            case "leaf": #expect(hasher.leafHash(try bytes(kat, "data_hex")) == expected, "\(kat)")
            case "node": #expect(hasher.nodeHash(try bytes(kat, "left_hex"), try bytes(kat, "right_hex")) == expected, "\(kat)")
            default: Issue.record("unknown hasher operation \(op)")
            }
            checked[op, default: 0] += 1
        }
        #expect(checked == ["empty_root": 2, "leaf": 6, "node": 2], "\(checked)")
    }

    @Test func inclusionProbes() throws {
        let probes = try #require(try ExternalVectors.json("merkle/transparency-dev_inclusion_probes.json")["probes"] as? [[String: Any]])
        #expect(probes.count == 98)
        for probe in probes {
            let proof = (probe["proof"] as? [String] ?? []).map { [UInt8](base64: $0) }
            let accepted = MerkleVerify.inclusion(
                index: probe["leafIdx"] as? Int ?? -1, size: probe["treeSize"] as? Int ?? -1,
                leafHash: [UInt8](base64: probe["leafHash"] as? String ?? ""), proof: proof,
                root: [UInt8](base64: probe["root"] as? String ?? ""), hasher: hasher)
            #expect(accepted == !(probe["wantErr"] as? Bool ?? false), "\(probe["file"] ?? "")")
        }
    }

    @Test func consistencyProbes() throws {
        let probes = try #require(try ExternalVectors.json("merkle/transparency-dev_consistency_probes.json")["probes"] as? [[String: Any]])
        #expect(probes.count == 98)
        for probe in probes {
            let proof = (probe["proof"] as? [String] ?? []).map { [UInt8](base64: $0) }
            let accepted = MerkleVerify.consistency(
                first: probe["size1"] as? Int ?? -1, second: probe["size2"] as? Int ?? -1,
                firstRoot: [UInt8](base64: probe["root1"] as? String ?? ""),
                secondRoot: [UInt8](base64: probe["root2"] as? String ?? ""), proof: proof, hasher: hasher)
            #expect(accepted == !(probe["wantErr"] as? Bool ?? false), "\(probe["file"] ?? "")")
        }
    }

    /// Every index of every tree up to 300 leaves, then of every seventh size up to 1,000, the
    /// sizes around 512 and 1,000 itself: all half a million proofs to 1,000 took two minutes
    /// of the AddressSanitizer run, for shapes the smaller trees already hold.
    @Test func everyInclusionProofVerifiesForSizesUpTo1000() throws {
        let leaves = (0..<1000).map { Array("leaf \($0)".utf8) }
        let store = tree(leaves)
        let leafHashes = leaves.map(hasher.leafHash)
        var failures = 0
        let sizes = Array(1...300) + (301...1000).filter { $0 % 7 == 0 || (511...513).contains($0) || $0 == 1000 }
        for size in sizes {
            let root = try MerkleProof.rootHash(size: size, reader: store, hasher: hasher)
            for index in 0..<size {
                let proof = try MerkleProof.inclusionProof(index: index, size: size, reader: store, hasher: hasher)
                if !MerkleVerify.inclusion(index: index, size: size, leafHash: leafHashes[index], proof: proof, root: root, hasher: hasher) {
                    failures += 1
                }
            }
        }
        #expect(failures == 0)
    }

    @Test func everyConsistencyProofVerifiesForSizesUpTo200() throws {
        let store = tree((0..<200).map { Array("leaf \($0)".utf8) })
        let roots = try (0...200).map { try MerkleProof.rootHash(size: $0, reader: store, hasher: hasher) }
        var failures = 0
        for second in 1...200 {
            for first in 1...second {
                let proof = try MerkleProof.consistencyProof(first: first, second: second, reader: store, hasher: hasher)
                if !MerkleVerify.consistency(first: first, second: second, firstRoot: roots[first], secondRoot: roots[second],
                                             proof: proof, hasher: hasher) { failures += 1 }
                // The proof must not show consistency with a different old root.
                if first < second, MerkleVerify.consistency(first: first, second: second, firstRoot: roots[second],
                                                            secondRoot: roots[second], proof: proof, hasher: hasher) { failures += 1 }
            }
        }
        #expect(failures == 0)
    }

    @Test func tamperedProofsAreRejected() throws {
        let leaves = (0..<37).map { Array("leaf \($0)".utf8) }
        let store = tree(leaves)
        let root = try MerkleProof.rootHash(size: 37, reader: store, hasher: hasher)
        let proof = try MerkleProof.inclusionProof(index: 20, size: 37, reader: store, hasher: hasher)
        let leaf = hasher.leafHash(leaves[20])
        #expect(MerkleVerify.inclusion(index: 20, size: 37, leafHash: leaf, proof: proof, root: root, hasher: hasher))
        #expect(!MerkleVerify.inclusion(index: 21, size: 37, leafHash: leaf, proof: proof, root: root, hasher: hasher))
        #expect(!MerkleVerify.inclusion(index: 20, size: 20, leafHash: leaf, proof: proof, root: root, hasher: hasher))
        #expect(!MerkleVerify.inclusion(index: 20, size: 37, leafHash: leaf, proof: proof.dropLast(), root: root, hasher: hasher))
        #expect(!MerkleVerify.inclusion(index: 20, size: 37, leafHash: leaf, proof: proof + [root], root: root, hasher: hasher))
        var flipped = proof
        flipped[1][0] ^= 1
        #expect(!MerkleVerify.inclusion(index: 20, size: 37, leafHash: leaf, proof: flipped, root: root, hasher: hasher))
        #expect(throws: ProofError.indexOutOfRange(index: 37, size: 37)) {
            try MerkleProof.inclusionProof(index: 37, size: 37, reader: store, hasher: hasher)
        }
    }

    @Test func frontierRebuildsFromStoredNodes() throws {
        let store = tree((0..<77).map { Array("x\($0)".utf8) })
        let rebuilt = try MerkleFrontier(size: 77, reader: store)
        #expect(rebuilt == store.frontier)
    }
}
