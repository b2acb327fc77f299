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

    /// SHA-256 of `prefix ‖ first ‖ second`, computed without concatenating (entries are large).
    let sha256: @Sendable (_ prefix: UInt8, _ first: [UInt8], _ second: [UInt8]) -> [UInt8]
    let empty: TreeHash

    public init(emptyRoot: TreeHash, sha256: @escaping @Sendable (_ prefix: UInt8, _ first: [UInt8], _ second: [UInt8]) -> [UInt8]) {
        self.sha256 = sha256
        self.empty = emptyRoot
    }

    /// MTH({}) = SHA-256 of the empty string.
    public var emptyRoot: TreeHash { empty }

    /// SHA-256(0x00 ‖ entry).
    public func leafHash(_ entry: [UInt8]) -> TreeHash { sha256(Self.leafPrefix, entry, []) }

    /// SHA-256(0x01 ‖ left ‖ right).
    public func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash { sha256(Self.nodePrefix, left, right) }
}
