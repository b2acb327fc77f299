import SealCore

extension TreeHasher {
    /// The hasher the archive uses: SHA-256 from the signing core.
    public static let sha256 = TreeHasher(sha256: { DigestAlgorithm.sha256.hash($0) })
}
