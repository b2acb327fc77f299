internal import CSealShim

/// SHA-1, for identifiers that formats name by it (a PDF's `/VRI` keys), never for signing or
/// for anything a verdict rests on: `DigestAlgorithm` does not offer it.
public enum SHA1 {
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let ok = EVP_Digest(bytes, bytes.count, &output, &length, EVP_sha1(), nil) == 1
        // A one-shot digest over memory only fails on allocation failure.
        precondition(ok && length == 20, "SHA-1 failed")
        return output
    }
}
