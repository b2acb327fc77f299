import SealCore

extension TreeHasher {
    /// The hasher the archive uses: SHA-256 from the signing core.
    public static let sha256 = TreeHasher(emptyRoot: DigestAlgorithm.sha256.hash([])) { prefix, first, second in
        DigestAlgorithm.sha256.hash(prefix: prefix, first, second)
    }
}
