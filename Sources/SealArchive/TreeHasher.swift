/// A 32-byte SHA-256 hash in the log.
public typealias TreeHash = [UInt8]

/// RFC 9162 §2.1.1 hashing with its domain-separation prefixes. The hash function is injected, so
/// the tree and proof code around it has no dependency on a crypto library.
public struct TreeHasher: Sendable {
    /// Prefix of a leaf hash input.
    public static let leafPrefix: UInt8 = 0x00
    /// Prefix of an interior node hash input.
    public static let nodePrefix: UInt8 = 0x01
    public static let hashSize = 32

    let sha256: @Sendable ([UInt8]) -> [UInt8]

    public init(sha256: @escaping @Sendable ([UInt8]) -> [UInt8]) { self.sha256 = sha256 }

    /// MTH({}) = SHA-256 of the empty string.
    public var emptyRoot: TreeHash { sha256([]) }

    /// SHA-256(0x00 ‖ entry).
    public func leafHash(_ entry: [UInt8]) -> TreeHash {
        var input = [UInt8]()
        input.reserveCapacity(entry.count + 1)
        input.append(Self.leafPrefix)
        input.append(contentsOf: entry)
        return sha256(input)
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var input = [UInt8]()
        input.reserveCapacity(1 + left.count + right.count)
        input.append(Self.nodePrefix)
        input.append(contentsOf: left)
        input.append(contentsOf: right)
        return sha256(input)
    }
}
