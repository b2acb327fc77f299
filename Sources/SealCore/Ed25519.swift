internal import CSealShim

/// An Ed25519 private key (the archive's log key), owned by this object.
public final class Ed25519PrivateKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    public static func generate() throws(OpenSSLError) -> Ed25519PrivateKey {
        let context = try check(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil), "creating an Ed25519 context")
        defer { EVP_PKEY_CTX_free(context) }
        try check(EVP_PKEY_keygen_init(context), "starting Ed25519 key generation")
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw OpenSSLError("generating an Ed25519 key") }
        return Ed25519PrivateKey(taking: key)
    }

    /// From a 32-byte seed (RFC 8032 private key), as test vectors give it.
    public init(seed: [UInt8]) throws(OpenSSLError) {
        guard seed.count == 32 else { throw OpenSSLError("Ed25519 seed length") }
        pointer = try check(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count), "loading an Ed25519 seed")
    }

    /// Reads a PEM PKCS#8 Ed25519 key, encrypted or not.
    public convenience init(pem: [UInt8], passphrase: Passphrase?) throws(PrivateKey.LoadError) {
        let key = try PrivateKey.readPEM(pem, passphrase: passphrase)
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(key)
            throw .unsupportedAlgorithm
        }
        self.init(taking: key)
    }

    public func pem(passphrase: Passphrase?) throws(OpenSSLError) -> [UInt8] {
        try PrivateKey.writePEM(pointer, passphrase: passphrase)
    }

    public var publicKey: Ed25519PublicKey {
        var bytes = [UInt8](repeating: 0, count: 32)
        var length = 32
        let ok = EVP_PKEY_get_raw_public_key(pointer, &bytes, &length)
        precondition(ok == 1 && length == 32, "an Ed25519 key always has a 32-byte public key")
        return try! Ed25519PublicKey(raw: bytes)
    }

    /// The 64-byte signature over `message`.
    public func sign(_ message: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        let context = try check(EVP_MD_CTX_new(), "allocating a signing context")
        defer { EVP_MD_CTX_free(context) }
        try check(EVP_DigestSignInit(context, nil, nil, nil, pointer), "starting an Ed25519 signature")
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        try check(EVP_DigestSign(context, &signature, &length, message, message.count), "signing with Ed25519")
        return signature
    }
}

/// An Ed25519 public key.
public struct Ed25519PublicKey: Sendable, Hashable {
    public let raw: [UInt8]

    public init(raw: [UInt8]) throws(OpenSSLError) {
        guard raw.count == 32 else { throw OpenSSLError("Ed25519 public key length") }
        self.raw = raw
    }

    /// Strict RFC 8032 verification by OpenSSL. False for any malformed input.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64,
              let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            OpenSSLError.clearQueue()
            return false
        }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        defer { OpenSSLError.clearQueue() }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }
}
